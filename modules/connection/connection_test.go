package connection

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func runMod(t *testing.T, m module.Module, conn transport.Conn, check bool, raw map[string]any) (module.Result, error) {
	t.Helper()
	args, err := m.Spec().Validate(raw, false)
	require.NoError(t, err)
	return m.Run(context.Background(), &module.Target{Host: "h1", Conn: conn, Check: check}, args)
}

func TestPing(t *testing.T) {
	conn := fakeconn.NewShell()
	res, err := runMod(t, Ping{}, conn, false, map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, "pong", res.Data["ping"])
	assert.False(t, res.Changed)
	assert.Equal(t, []string{"true"}, conn.Commands())

	res, err = runMod(t, Ping{}, conn, true, map[string]any{"data": "hi"})
	require.NoError(t, err)
	assert.Equal(t, "hi", res.Data["ping"])

	res, err = runMod(t, Ping{}, conn, false, map[string]any{"data": "crash"})
	require.NoError(t, err)
	assert.True(t, res.Failed)

	_, err = runMod(t, Ping{}, fakeconn.New(fakeconn.Fail(fmt.Errorf("dial tcp: %w", transport.ErrUnreachable))), false, map[string]any{})
	assert.ErrorIs(t, err, transport.ErrUnreachable)

	res, err = runMod(t, Ping{}, fakeconn.New(fakeconn.RC(127, "", "sh: not found")), false, map[string]any{})
	require.NoError(t, err)
	assert.True(t, res.Failed)
}

func TestWaitForConnectionRetries(t *testing.T) {
	down := fakeconn.Fail(fmt.Errorf("dial: %w", transport.ErrUnreachable))
	conn := fakeconn.New(down, down, fakeconn.RC(1, "", "not ready"), fakeconn.OK(""))
	res, err := runMod(t, WaitForConnection{}, conn, false, map[string]any{"sleep": 0, "timeout": 5})
	require.NoError(t, err)
	assert.False(t, res.Failed)
	assert.Len(t, conn.Calls, 4)
	assert.Equal(t, 0, res.Data["elapsed"])
}

func TestWaitForConnectionTimesOut(t *testing.T) {
	conn := &fakeconn.Conn{Handler: func(fakeconn.Call) (transport.Result, error) {
		return transport.Result{}, fmt.Errorf("connection refused: %w", transport.ErrUnreachable)
	}}
	start := time.Now()
	res, err := runMod(t, WaitForConnection{}, conn, false, map[string]any{"timeout": 1, "sleep": 0})
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "timed out waiting for ping module test: connection refused")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.NotEmpty(t, conn.Calls)
}

func TestWaitForConnectionHonoursContextAndCheck(t *testing.T) {
	conn := fakeconn.New()
	res, err := runMod(t, WaitForConnection{}, conn, true, map[string]any{})
	require.NoError(t, err)
	assert.True(t, res.Skipped)
	assert.Empty(t, conn.Calls)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	args, err := WaitForConnection{}.Spec().Validate(map[string]any{"delay": 30}, false)
	require.NoError(t, err)
	_, err = WaitForConnection{}.Run(ctx, &module.Target{Conn: conn}, args)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
