package haproxy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/module"
)

func TestAssembleOrdersAndMapsLines(t *testing.T) {
	frags, err := parseFragments(&module.Target{}, []any{
		map[string]any{"name": "web", "content": "backend web\n    server a 10.0.0.1:80\n"},
		map[string]any{"name": "global", "order": 10, "content": "global\n    maxconn 100"},
		map[string]any{"name": "api", "content": "backend api\n"},
	})
	require.NoError(t, err)
	c := assemble(frags)
	lines := strings.Split(c.text, "\n")
	assert.Equal(t, header, lines[0]+"\n")
	assert.Equal(t, "# --- fragment global (order 10) ---", lines[2])
	assert.Equal(t, "global", lines[3])
	assert.Equal(t, "    maxconn 100", lines[4], "a newline is added to a fragment lacking one")
	assert.Equal(t, "# --- fragment api (order 500) ---", lines[6], "same order: by name")
	assert.Equal(t, "# --- fragment web (order 500) ---", lines[9])
	assert.Equal(t, "    server a 10.0.0.1:80", lines[11])

	msg := c.explain("[NOTICE] (1) : haproxy version is 2.6\n[ALERT] (1) : config : parsing [/etc/haproxy/.hactl.x.tmp:12] : unknown keyword\n[ALERT] (1) : Error(s) found in configuration file : /etc/haproxy/.hactl.x.tmp",
		"/etc/haproxy/.hactl.x.tmp", "/etc/haproxy/haproxy.cfg")
	assert.Equal(t, "[ALERT] (1) : config : parsing [/etc/haproxy/haproxy.cfg:12, fragment web line 2] : unknown keyword\n"+
		"[ALERT] (1) : Error(s) found in configuration file : /etc/haproxy/haproxy.cfg (candidate)", msg)
}

func TestParseFragmentsRejects(t *testing.T) {
	for name, raw := range map[string][]any{
		"empty":        {},
		"not a map":    {"backend web"},
		"no name":      {map[string]any{"content": "x"}},
		"bad name":     {map[string]any{"name": "../x", "content": "x"}},
		"duplicate":    {map[string]any{"name": "a", "content": "x"}, map[string]any{"name": "a", "content": "y"}},
		"both":         {map[string]any{"name": "a", "content": "x", "src": "y"}},
		"neither":      {map[string]any{"name": "a"}},
		"unknown key":  {map[string]any{"name": "a", "content": "x", "mode": "0644"}},
		"bad order":    {map[string]any{"name": "a", "content": "x", "order": "first"}},
		"content type": {map[string]any{"name": "a", "content": 3}},
	} {
		_, err := parseFragments(&module.Target{}, raw)
		assert.Error(t, err, name)
	}
}

func TestInspect(t *testing.T) {
	f := inspect(`global
    stats socket /run/haproxy/admin.sock mode 660 level admin
    stats socket ipv4@0.0.0.0:9999 level admin
    stats socket 127.0.0.1:9998 level admin
    stats socket [::1]:9997
    stats socket :9996
    server-state-base /var/lib/haproxy
    server-state-file state # relative
defaults
    load-server-state-from-file global
frontend fe
    bind :80
backend web
    server a 1.2.3.4:80
listen stats
    bind :9000
`)
	assert.Equal(t, []string{"web", "stats"}, f.backends)
	assert.Equal(t, "/run/haproxy/admin.sock", f.unixSocket())
	assert.Equal(t, []string{"ipv4@0.0.0.0:9999", ":9996"}, f.exposedSockets())
	assert.Equal(t, "/var/lib/haproxy/state", f.stateFile)
	assert.True(t, f.loadState)

	g := inspect("global\n    log /dev/log local0\ndefaults\n    load-server-state-from-file none\n")
	assert.Empty(t, g.sockets)
	assert.False(t, g.loadState)
	assert.Equal(t, "", g.unixSocket())
}

func TestSocatAddress(t *testing.T) {
	for in, want := range map[string]string{
		"/run/haproxy/admin.sock": "UNIX-CONNECT:/run/haproxy/admin.sock",
		"unix@/run/x.sock":        "UNIX-CONNECT:/run/x.sock",
		"ipv4@127.0.0.1:9999":     "TCP:127.0.0.1:9999",
		"127.0.0.1:9999":          "TCP:127.0.0.1:9999",
	} {
		got, err := socatAddress(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"admin.sock", "127.0.0.1:", "host:http"} {
		_, err := socatAddress(bad)
		assert.Error(t, err, bad)
	}
}

func TestParseStatByHeaderNames(t *testing.T) {
	s, err := parseStat("# pxname,svname,qcur,qmax,scur,status,weight\nfe,FRONTEND,,,2,OPEN,\nweb,b1,0,0,4,DRAIN,10\nweb,b2,0,0,0,MAINT (via api/b2),0\nweb,BACKEND,0,0,4,UP,10\n\n")
	require.NoError(t, err)
	require.Len(t, s, 2)
	assert.Equal(t, 4, s["web/b1"].scur)
	assert.Equal(t, "MAINT (via api/b2)", s["web/b2"].status)

	require.NoError(t, parseServersState("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n3 web 1 b1 10.0.0.1 2 8 10 10\n3 web 2 b2 10.0.0.2 0 1 0 10\n", s))
	assert.Equal(t, "drain", s["web/b1"].adminState())
	assert.Equal(t, "maint", s["web/b2"].adminState())
	assert.Equal(t, 10, s["web/b2"].iweight)

	_, err = parseStat("Unknown command.\n")
	assert.Error(t, err)
	assert.Error(t, parseServersState("Permission denied\n", s))
}

func TestWeightValue(t *testing.T) {
	n, err := weightValue("50%", 10)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	n, err = weightValue("7", 10)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	for _, bad := range []string{"-1", "257", "x%", "heavy"} {
		_, err := weightValue(bad, 10)
		assert.Error(t, err, bad)
	}
}

func TestParseUnit(t *testing.T) {
	u := parseUnit("LoadState=loaded\nActiveState=active\nUnitFileState=disabled\nMainPID=120\nbinary=1\nworker=150 1000.25\nworker=130 960.50\n")
	assert.True(t, u.Found)
	assert.True(t, u.Running())
	assert.False(t, u.IsEnabled())
	assert.Equal(t, []int{150, 130}, u.workers)
	assert.InDelta(t, 1000.25, u.newest, 1e-9)
	stopped := parseUnit("LoadState=loaded\nActiveState=inactive\nMainPID=0\nbinary=1\n")
	assert.False(t, stopped.Running())
	assert.Zero(t, stopped.newest)
}

func TestMaskPasswords(t *testing.T) {
	in := "userlist admins\n    user alice password $6$salt$hash groups ops\n    user bob insecure-password hunter2\n    group ops\n"
	out := maskPasswords(in)
	assert.Equal(t, "userlist admins\n    user alice password ******** groups ops\n    user bob insecure-password ********\n    group ops\n", out)
}
