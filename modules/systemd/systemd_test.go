package systemd

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func ptr(b bool) *bool { return &b }

func state(active, enabledAs string, rc int) unitState {
	return unitState{status: map[string]string{"LoadState": "loaded", "ActiveState": active}, enabledAs: enabledAs, enabledRC: rc}
}

func TestDiffFollowsAnsibleSemantics(t *testing.T) {
	cases := []struct {
		name    string
		r       request
		u       unitState
		actions []string
		state   string
		enabled *bool
		fail    string
	}{
		{"start stopped", request{name: "a", state: "started"}, state("inactive", "disabled", 1), []string{"start"}, "started", nil, ""},
		{"started is a no-op", request{name: "a", state: "started"}, state("activating", "enabled", 0), nil, "started", nil, ""},
		{"stop deactivating", request{name: "a", state: "stopped"}, state("deactivating", "enabled", 0), []string{"stop"}, "stopped", nil, ""},
		{"stop failed is a no-op", request{name: "a", state: "stopped"}, state("failed", "enabled", 0), nil, "stopped", nil, ""},
		{"restart running", request{name: "a", state: "restarted"}, state("active", "enabled", 0), []string{"restart"}, "started", nil, ""},
		{"reload stopped starts", request{name: "a", state: "reloaded"}, state("inactive", "enabled", 0), []string{"start"}, "started", nil, ""},
		{"enable disabled", request{name: "a", enabled: ptr(true)}, state("inactive", "disabled", 1), []string{"enable"}, "", ptr(true), ""},
		{"static counts as enabled", request{name: "a", enabled: ptr(true)}, state("inactive", "static", 0), nil, "", ptr(true), ""},
		{"indirect counts as disabled", request{name: "a", enabled: ptr(true)}, state("inactive", "indirect", 0), []string{"enable"}, "", ptr(true), ""},
		{"mask then disable", request{name: "a", masked: ptr(true), enabled: ptr(false)}, state("inactive", "enabled", 0), []string{"mask", "disable"}, "", ptr(false), ""},
		{"unmask", request{name: "a", masked: ptr(false)}, state("inactive", "masked", 1), []string{"unmask"}, "", nil, ""},
		{"missing unit", request{name: "a", state: "started"}, unitState{status: map[string]string{"LoadState": "not-found", "ActiveState": "inactive"}}, nil, "started", nil, "Could not find the requested service a: host"},
		{"mask a missing unit is allowed", request{name: "a", masked: ptr(true)}, unitState{status: map[string]string{"LoadState": "not-found"}, enabledRC: 1}, []string{"mask"}, "", nil, ""},
		{"init script enabled through rc links", request{name: "a", enabled: ptr(true), scope: "system"}, unitState{status: map[string]string{"LoadState": "not-found"}, enabledRC: 1, initd: true, sysvOn: true}, nil, "", ptr(true), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.r.scope == "" {
				c.r.scope = "system"
			}
			p, fail := diff(c.r, c.u)
			assert.Equal(t, c.fail, fail)
			if fail != "" {
				return
			}
			assert.Equal(t, c.actions, p.actions)
			assert.Equal(t, c.state, p.state)
			assert.Equal(t, c.enabled, p.enabled)
			assert.Len(t, p.after, len(p.actions))
		})
	}
}

func TestParseGather(t *testing.T) {
	out := "Id=haproxy.service\nActiveState=active\nDescription=a=b\nM\nenabled\nrc=0\nM\ninitd\nsysv-on\n"
	u, err := parseGather(out, "M")
	require.NoError(t, err)
	assert.Equal(t, "a=b", u.status["Description"])
	assert.Equal(t, "enabled", u.enabledAs)
	assert.Equal(t, 0, u.enabledRC)
	assert.True(t, u.initd)
	assert.True(t, u.sysvOn)

	u, err = parseGather("M\nrc=4\nM\n", "M")
	require.NoError(t, err)
	assert.Equal(t, 4, u.enabledRC)
	assert.False(t, u.found())

	_, err = parseGather("garbage", "M")
	assert.Error(t, err)
}

func TestScriptsQuoteTheUnitName(t *testing.T) {
	r := request{name: "x'; touch /tmp/p; '", scope: "user", noBlock: true, force: true}
	s := r.gatherScript("M")
	assert.Contains(t, s, "systemctl --user --no-block --force show")
	assert.Contains(t, s, transport.Quote(r.name))
	assert.NotContains(t, s, "-- x';")
	a := r.applyScript(plan{actions: []string{"restart"}}, "M")
	assert.Contains(t, a, "restart -- "+transport.Quote(r.name))
	r.sleep = 3
	a = r.applyScript(plan{actions: []string{"restart"}}, "M")
	assert.Contains(t, a, "stop -- ")
	assert.Contains(t, a, "sleep 3\n")
	assert.NotContains(t, a, "restart")
}

func runFake(t *testing.T, m module.Module, conn *fakeconn.Conn, check bool, raw map[string]any) module.Result {
	t.Helper()
	a, err := m.Spec().Validate(raw, false)
	require.NoError(t, err)
	res, err := m.Run(context.Background(), &module.Target{Host: "h", Conn: conn, Check: check, Diff: true, Vars: map[string]any{}}, a)
	require.NoError(t, err)
	return res
}

func TestCheckModeRunsOnlyTheGather(t *testing.T) {
	conn := &fakeconn.Conn{}
	conn.Handler = func(c fakeconn.Call) (transport.Result, error) {
		m := markerIn(c.Cmd)
		return transport.Result{Stdout: []byte("LoadState=loaded\nActiveState=inactive\n" + m + "\ndisabled\nrc=1\n" + m + "\n")}, nil
	}
	res := runFake(t, Systemd{}, conn, true, map[string]any{"name": "haproxy", "state": "restarted", "enabled": true, "daemon_reload": true})
	assert.True(t, res.Changed)
	assert.Equal(t, "started", res.Data["state"])
	assert.Equal(t, true, res.Data["enabled"])
	require.Len(t, conn.Calls, 1, "check mode gathers once and does not daemon-reload")
	require.Len(t, res.Diff, 1)
	assert.Contains(t, res.Diff[0].Before, "enabled: false")
	assert.Contains(t, res.Diff[0].After, "state: active")
}

func TestApplyFailureNamesTheVerb(t *testing.T) {
	conn := &fakeconn.Conn{}
	conn.Handler = func(c fakeconn.Call) (transport.Result, error) {
		m := markerIn(c.Cmd)
		if strings.Contains(c.Cmd, " show ") {
			return transport.Result{Stdout: []byte("LoadState=loaded\nActiveState=inactive\n" + m + "\nenabled\nrc=0\n" + m + "\n")}, nil
		}
		return transport.Result{RC: 1, Stdout: []byte(m + " start\n"), Stderr: []byte("Job failed.\n")}, nil
	}
	res := runFake(t, Systemd{}, conn, false, map[string]any{"name": "bad", "state": "started"})
	assert.True(t, res.Failed)
	assert.Equal(t, "Unable to start service bad: Job failed.", res.Msg)
}

func TestValidation(t *testing.T) {
	_, err := Systemd{}.Spec().Validate(map[string]any{"name": "x"}, false)
	assert.ErrorContains(t, err, "one of these arguments is required")
	_, err = Systemd{}.Spec().Validate(map[string]any{"name": "x", "state": "running"}, false)
	assert.ErrorContains(t, err, "not one of")
	_, err = Service{}.Spec().Validate(map[string]any{"state": "started"}, false)
	assert.ErrorContains(t, err, `missing required argument "name"`)
	res := runFake(t, Systemd{}, fakeconn.New(), false, map[string]any{"state": "started"})
	assert.True(t, res.Failed)
	res = runFake(t, Systemd{}, fakeconn.New(), false, map[string]any{"name": "a*", "state": "started"})
	assert.Contains(t, res.Msg, "glob")
	res = runFake(t, Service{}, fakeconn.New(), false, map[string]any{"name": "a", "state": "started", "use": "openrc"})
	assert.Contains(t, res.Msg, "not supported")
}

var markerRe = regexp.MustCompile(`__hactl_[0-9a-f]{16}`)

// markerIn finds the section marker a gather script echoes.
func markerIn(script string) string {
	if m := markerRe.FindString(script); m != "" {
		return m
	}
	return "__hactl_none"
}
