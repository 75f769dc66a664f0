package haproxy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// fakeServer is one server of the fake haproxy.
type fakeServer struct {
	backend, name string
	admin         int
	scur          int
	down          bool
	uweight       int
}

// fakeProxy answers the scripts batchScript builds like a haproxy
// runtime API would: sessions on a draining server end one per show stat.
type fakeProxy struct {
	servers []*fakeServer
	sent    []string // state-changing commands received
}

func (p *fakeProxy) status(s *fakeServer) string {
	switch {
	case s.admin&adminForcedMaint != 0:
		return "MAINT"
	case s.down:
		return "DOWN"
	case s.admin&adminForcedDrain != 0:
		return "DRAIN"
	}
	return "UP"
}

func (p *fakeProxy) command(cmd string) string {
	w := strings.Fields(cmd)
	switch {
	case cmd == "show stat":
		var b strings.Builder
		b.WriteString("# pxname,svname,qcur,scur,status,weight,\n")
		b.WriteString("fe,FRONTEND,,3,OPEN,,\n")
		for _, s := range p.servers {
			if s.admin&adminForcedDrain != 0 && !s.down && s.scur > 0 {
				s.scur--
			}
			fmt.Fprintf(&b, "%s,%s,0,%d,%s,%d,\n", s.backend, s.name, s.scur, p.status(s), s.uweight)
		}
		b.WriteString("web,BACKEND,0,0,UP,2,\n\n")
		return b.String()
	case cmd == "show servers state":
		var b strings.Builder
		b.WriteString("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n")
		for i, s := range p.servers {
			fmt.Fprintf(&b, "3 %s %d %s 10.0.0.%d 2 %d %d 10\n", s.backend, i+1, s.name, i+1, s.admin, s.uweight)
		}
		return b.String() + "\n"
	case len(w) == 5 && w[0] == "set" && w[1] == "server" && w[3] == "state":
		p.sent = append(p.sent, cmd)
		s := p.find(w[2])
		if s == nil {
			return "No such server.\n"
		}
		switch w[4] {
		case "ready":
			s.admin &^= adminForcedMaint | adminForcedDrain
		case "drain":
			s.admin = s.admin&^adminForcedMaint | adminForcedDrain
		case "maint":
			s.admin |= adminForcedMaint
		}
		return ""
	case len(w) == 4 && w[0] == "set" && w[1] == "weight":
		p.sent = append(p.sent, cmd)
		s := p.find(w[2])
		_, _ = fmt.Sscan(w[3], &s.uweight)
		return ""
	case len(w) == 4 && w[0] == "shutdown":
		p.sent = append(p.sent, cmd)
		p.find(w[3]).scur = 0
		return ""
	}
	return "Unknown command.\n"
}

func (p *fakeProxy) find(key string) *fakeServer {
	for _, s := range p.servers {
		if s.backend+"/"+s.name == key {
			return s
		}
	}
	return nil
}

// handle runs a batch script: printf lines are sent to the proxy, echo
// lines print their marker.
func (p *fakeProxy) handle(c fakeconn.Call) (transport.Result, error) {
	var out strings.Builder
	for line := range strings.SplitSeq(c.Cmd, "\n") {
		if m, ok := strings.CutPrefix(line, "echo __hactl_"); ok {
			out.WriteString("__hactl_" + m + "\n")
			continue
		}
		rest, ok := strings.CutPrefix(line, `printf '%s\n' `)
		if !ok {
			continue
		}
		q, _, _ := strings.Cut(rest, " | socat")
		for _, cmd := range strings.Split(strings.Trim(q, "'"), "; ") {
			out.WriteString(p.command(cmd))
		}
	}
	return transport.Result{Stdout: []byte(out.String())}, nil
}

func runServer(t *testing.T, p *fakeProxy, args map[string]any, check bool) module.Result {
	t.Helper()
	a, err := Server{}.Spec().Validate(args, false)
	require.NoError(t, err)
	conn := fakeconn.New()
	conn.Handler = p.handle
	res, err := Server{}.Run(context.Background(), &module.Target{Host: "lb", Conn: conn, Check: check, Diff: true}, a)
	require.NoError(t, err)
	return res
}

func twoBackends() *fakeProxy {
	return &fakeProxy{servers: []*fakeServer{
		{backend: "web", name: "b1", scur: 3, uweight: 10},
		{backend: "web", name: "b2", scur: 1, uweight: 10},
		{backend: "api", name: "b1", scur: 0, uweight: 10},
	}}
}

func TestServerCheckModeSendsNothing(t *testing.T) {
	p := twoBackends()
	res := runServer(t, p, map[string]any{"server": "b1", "state": "maint", "drain": true}, true)
	assert.True(t, res.Changed)
	assert.Empty(t, p.sent)
	assert.Equal(t, []string{"api/b1", "web/b1"}, res.Data["backends"])
	require.Len(t, res.Diff, 1)
	assert.Equal(t, "api/b1: state ready\nweb/b1: state ready\n", res.Diff[0].Before)
	assert.Equal(t, "api/b1: state maint\nweb/b1: state maint\n", res.Diff[0].After)
}

func TestServerDrainWaitsForSessionsThenMaint(t *testing.T) {
	p := twoBackends()
	res := runServer(t, p, map[string]any{"server": "b1", "backend": "web", "state": "disabled", "drain": true, "wait_interval": 0.01}, false)
	require.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"set server web/b1 state drain", "set server web/b1 state maint"}, p.sent)
	assert.Equal(t, 0, p.find("web/b1").scur, "maint only after the sessions ended")
	assert.Equal(t, adminForcedMaint|adminForcedDrain, p.find("web/b1").admin)
	assert.Equal(t, 0, p.find("api/b1").admin, "other backend untouched")

	again := runServer(t, p, map[string]any{"server": "b1", "backend": "web", "state": "disabled", "drain": true}, false)
	assert.False(t, again.Changed)
	assert.Len(t, p.sent, 2)
}

func TestServerDrainDoesNotWaitForADownServer(t *testing.T) {
	p := twoBackends()
	s := p.find("web/b2")
	s.down, s.scur = true, 5 // sessions that never end
	start := time.Now()
	res := runServer(t, p, map[string]any{"server": "b2", "state": "maint", "drain": true, "wait_interval": 5, "wait_retries": 25}, false)
	require.False(t, res.Failed, res.Msg)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, "maint", res.Data["after"].(map[string]any)["web/b2"].(map[string]any)["state"])
}

func TestServerDrainTimeoutLeavesDraining(t *testing.T) {
	p := twoBackends()
	p.find("web/b1").scur = 1000
	res := runServer(t, p, map[string]any{"server": "b1", "backend": "web", "state": "maint", "drain": true, "wait_interval": 0.01, "wait_retries": 3}, false)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "left in drain")
	assert.Equal(t, adminForcedDrain, p.find("web/b1").admin)
}

func TestServerWeightAndReady(t *testing.T) {
	p := twoBackends()
	p.find("web/b2").admin = adminForcedMaint
	res := runServer(t, p, map[string]any{"host": "b2", "state": "enabled", "weight": "50%"}, false)
	require.False(t, res.Failed, res.Msg)
	assert.Equal(t, []string{"set server web/b2 state ready", "set weight web/b2 5"}, p.sent)
	assert.False(t, runServer(t, p, map[string]any{"host": "b2", "state": "enabled", "weight": "5"}, false).Changed)
}

func TestServerNotFoundAndBadNames(t *testing.T) {
	p := twoBackends()
	res := runServer(t, p, map[string]any{"server": "zz", "state": "maint"}, false)
	assert.False(t, res.Failed)
	assert.False(t, res.Changed)
	res = runServer(t, p, map[string]any{"server": "zz", "state": "maint", "fail_on_not_found": true}, false)
	assert.True(t, res.Failed)
	res = runServer(t, p, map[string]any{"server": "b1; shutdown sessions", "state": "maint"}, false)
	assert.True(t, res.Failed)
	assert.Empty(t, p.sent)
	res = runServer(t, p, map[string]any{"server": "b1", "weight": "heavy"}, false)
	assert.True(t, res.Failed)
}
