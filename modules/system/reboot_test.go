package system

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// fakeHost plays a host that reboots: after the reboot command it is
// unreachable for a number of polls, then answers with a new boot id;
// the test command fails a number of times more.
type fakeHost struct {
	mu                  sync.Mutex
	boot                string
	rebooting           int
	testFailures        int
	launched            string
	neverBack, badFirst bool
}

func (h *fakeHost) handle(c fakeconn.Call) (transport.Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case strings.HasPrefix(c.Cmd, "nohup sh -c"):
		h.launched = c.Cmd
		h.rebooting = 2
		return transport.Result{}, nil
	case h.rebooting > 0 || (h.neverBack && h.launched != ""):
		h.rebooting--
		if h.rebooting == 0 && !h.neverBack {
			h.boot = "boot-2"
		}
		return transport.Result{}, errors.New("dial: connection refused")
	case c.Cmd == "cat /proc/sys/kernel/random/boot_id":
		if h.badFirst {
			return transport.Result{RC: 1, Stderr: []byte("no proc")}, nil
		}
		return transport.Result{Stdout: []byte(h.boot + "\n")}, nil
	case c.Cmd == "whoami":
		if h.testFailures > 0 {
			h.testFailures--
			return transport.Result{RC: 1}, nil
		}
		return transport.Result{Stdout: []byte("root\n")}, nil
	}
	return transport.Result{RC: 127}, nil
}

func runReboot(t *testing.T, h *fakeHost, args map[string]any, check bool) (module.Result, *fakeconn.Conn) {
	t.Helper()
	a, err := Reboot{}.Spec().Validate(args, false)
	require.NoError(t, err)
	conn := fakeconn.New()
	conn.Handler = h.handle
	res, err := Reboot{}.Run(context.Background(), &module.Target{Conn: conn, Check: check}, a)
	require.NoError(t, err)
	return res, conn
}

func TestRebootWaitsForANewBoot(t *testing.T) {
	h := &fakeHost{boot: "boot-1", testFailures: 1}
	res, conn := runReboot(t, h, map[string]any{"msg": "kernel 'upgrade' $(x)", "reboot_timeout": 30}, false)
	assert.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	assert.Equal(t, true, res.Data["rebooted"])
	assert.GreaterOrEqual(t, res.Data["elapsed"], 2, "two refused polls a second apart, then a failed test command")
	assert.Contains(t, h.launched, transport.Quote("sleep 1; shutdown -r now "+transport.Quote("kernel 'upgrade' $(x)")))
	assert.Equal(t, "whoami", conn.Last().Cmd)
}

func TestRebootTimesOut(t *testing.T) {
	h := &fakeHost{boot: "boot-1", neverBack: true}
	res, _ := runReboot(t, h, map[string]any{"reboot_timeout": 2}, false)
	assert.True(t, res.Failed)
	assert.Equal(t, "Timed out waiting for last boot time check (timeout=2)", res.Msg)

	h = &fakeHost{boot: "boot-1", testFailures: 100}
	res, _ = runReboot(t, h, map[string]any{"reboot_timeout": 4, "reboot_command": "systemctl reboot"}, false)
	assert.True(t, res.Failed)
	assert.Equal(t, "Timed out waiting for post-reboot test command (timeout=4)", res.Msg)
	assert.Contains(t, h.launched, "systemctl reboot")
}

func TestRebootCheckModeAndErrors(t *testing.T) {
	h := &fakeHost{boot: "boot-1"}
	res, conn := runReboot(t, h, nil, true)
	assert.True(t, res.Changed)
	assert.Empty(t, conn.Calls, "check mode touches nothing")

	res, _ = runReboot(t, &fakeHost{badFirst: true}, nil, false)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "failed to get host boot time info")

	a, err := Reboot{}.Spec().Validate(map[string]any{}, false)
	require.NoError(t, err)
	res, err = Reboot{}.Run(context.Background(), &module.Target{Conn: transport.NewLocal()}, a)
	require.NoError(t, err)
	assert.Equal(t, "Running reboot with local connection would reboot the control node.", res.Msg)
}
