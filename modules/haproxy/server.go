package haproxy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Server{}) }

// Server is the haproxy_server module (community.general.haproxy).
type Server struct{}

// serverReq is a validated request.
type serverReq struct {
	name, backend, sock string
	state               string // ready, drain, maint or "" (weight only)
	drainFirst          bool   // maint after draining
	weight              string // as given: "10" or "50%"
	shutdown            bool
	wait                bool
	retries             int
	interval            time.Duration
	failNotFound        bool
}

// parseServerReq maps both vocabularies (hactl's and the community
// module's) onto one request.
func parseServerReq(a module.Args) (serverReq, error) {
	r := serverReq{
		name: a.String("server"), backend: a.String("backend"), sock: a.String("socket"),
		weight: a.String("weight"), shutdown: a.Bool("shutdown_sessions"), wait: a.Bool("wait"),
		retries: a.Int("wait_retries"), interval: time.Duration(a.Float("wait_interval") * float64(time.Second)),
		failNotFound: a.Bool("fail_on_not_found"),
	}
	switch a.String("state") {
	case "ready", "enabled":
		r.state = "ready"
	case "drain":
		r.state = "drain"
	case "maint", "disabled":
		r.state = "maint"
		r.drainFirst = a.Bool("drain")
	}
	if !runtimeName.MatchString(r.name) {
		return r, fmt.Errorf("server %q: names may hold letters, digits, '_', '.', ':' and '-'", r.name)
	}
	if r.backend == "*" {
		r.backend = ""
	}
	if r.backend != "" && !runtimeName.MatchString(r.backend) {
		return r, fmt.Errorf("backend %q: names may hold letters, digits, '_', '.', ':' and '-'", r.backend)
	}
	if r.weight != "" {
		if _, err := weightValue(r.weight, 1); err != nil {
			return r, err
		}
	}
	if r.retries < 1 {
		r.retries = 1
	}
	if r.interval <= 0 {
		r.interval = time.Second
	}
	return r, nil
}

// weightValue resolves "N" or "N%" (of the configured weight) to a user
// weight, as set weight does.
func weightValue(w string, initial int) (int, error) {
	if p, ok := strings.CutSuffix(w, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("weight %q: expected N or N%%", w)
		}
		return initial * n / 100, nil
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 || n > 256 {
		return 0, fmt.Errorf("weight %q: expected an integer from 0 to 256 or a percentage", w)
	}
	return n, nil
}

// Run implements module.Module.
func (Server) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	r, err := parseServerReq(a)
	if err != nil {
		return module.Failf("%v", err), nil
	}
	all, err := readServers(ctx, t.Conn, r.sock)
	if err != nil {
		return module.Result{}, err
	}
	targets := r.match(all)
	res := module.Result{Data: map[string]any{"server": r.name}}
	if len(targets) == 0 {
		msg := fmt.Sprintf("server %s not found in %s", r.name, backendText(r.backend))
		if r.failNotFound {
			return module.Failf("%s", msg), nil
		}
		res.Msg = msg
		res.Data["backends"] = []string{}
		return res, nil
	}
	res.Data["backends"] = keys(targets)
	res.Data["before"] = describeServers(targets)
	cmds, before, after := r.plan(targets)
	res.Changed = len(before) > 0
	if t.Diff && res.Changed {
		res.Diff = []module.FileDiff{{BeforeHeader: "runtime state", AfterHeader: "runtime state", Before: strings.Join(before, "\n") + "\n", After: strings.Join(after, "\n") + "\n"}}
	}
	if t.Check || !res.Changed {
		if !res.Changed {
			res.Msg = fmt.Sprintf("server %s already %s", r.name, r.summary())
		} else {
			res.Msg = fmt.Sprintf("would set server %s %s", r.name, r.summary())
		}
		res.Data["after"] = res.Data["before"]
		return res, nil
	}

	if err := r.apply(ctx, t, targets, cmds); err != nil {
		return svcunit.Fail(res, err.Error()), nil
	}
	final, err := r.verify(ctx, t)
	if err != nil {
		return svcunit.Fail(res, err.Error()), nil
	}
	res.Data["after"] = describeServers(final)
	res.Msg = fmt.Sprintf("server %s set %s", r.name, r.summary())
	return res, nil
}

// match returns the servers the request is about, keyed backend/server.
func (r serverReq) match(all map[string]*server) map[string]*server {
	out := map[string]*server{}
	for k, s := range all {
		if s.name == r.name && (r.backend == "" || s.backend == r.backend) {
			out[k] = s
		}
	}
	return out
}

// plan returns the commands to send (before any draining wait) and the
// before/after lines of the servers that differ.
func (r serverReq) plan(targets map[string]*server) (cmds, before, after []string) {
	for _, k := range keys(targets) {
		s := targets[k]
		var b, a []string
		if r.state != "" && s.adminState() != r.state {
			b = append(b, "state "+s.adminState())
			a = append(a, "state "+r.state)
			switch {
			case r.state == "maint" && r.drainFirst:
				cmds = append(cmds, "set server "+k+" state drain")
			default:
				cmds = append(cmds, "set server "+k+" state "+r.state)
			}
		}
		if r.weight != "" {
			w, _ := weightValue(r.weight, s.iweight)
			if w != s.uweight {
				b = append(b, fmt.Sprintf("weight %d", s.uweight))
				a = append(a, fmt.Sprintf("weight %d", w))
				cmds = append(cmds, fmt.Sprintf("set weight %s %d", k, w))
			}
		}
		if len(b) > 0 {
			before = append(before, k+": "+strings.Join(b, ", "))
			after = append(after, k+": "+strings.Join(a, ", "))
		}
	}
	return cmds, before, after
}

// apply sends the commands; for maint after drain it waits for the
// drained servers' sessions to end (not for servers already down: there
// is nothing to wait for) and then sets maint.
func (r serverReq) apply(ctx context.Context, t *module.Target, targets map[string]*server, cmds []string) error {
	ans, err := ask(ctx, t.Conn, r.sock, cmds)
	if err != nil {
		return err
	}
	if err := commandErrors(ans[0]); err != nil {
		return err
	}
	if r.state != "maint" {
		return nil
	}
	var drained []string
	for _, k := range keys(targets) {
		if s := targets[k]; s.adminState() != "maint" {
			drained = append(drained, k)
		}
	}
	if r.drainFirst && len(drained) > 0 {
		if err := r.waitDrained(ctx, t, drained); err != nil {
			return err
		}
		var maint []string
		for _, k := range drained {
			maint = append(maint, "set server "+k+" state maint")
		}
		ans, err := ask(ctx, t.Conn, r.sock, maint)
		if err != nil {
			return err
		}
		if err := commandErrors(ans[0]); err != nil {
			return err
		}
	}
	if r.shutdown && !r.drainFirst {
		var kill []string
		for _, k := range keys(targets) {
			kill = append(kill, "shutdown sessions server "+k)
		}
		ans, err := ask(ctx, t.Conn, r.sock, kill)
		if err != nil {
			return err
		}
		return commandErrors(ans[0])
	}
	return nil
}

// waitDrained waits until every server in keys has no session or is down.
func (r serverReq) waitDrained(ctx context.Context, t *module.Target, names []string) error {
	for i := 0; ; i++ {
		all, err := readServers(ctx, t.Conn, r.sock)
		if err != nil {
			return err
		}
		var busy []string
		for _, k := range names {
			if s, ok := all[k]; ok && s.scur > 0 && !s.down() {
				busy = append(busy, fmt.Sprintf("%s (%d sessions)", k, s.scur))
			}
		}
		if len(busy) == 0 {
			return nil
		}
		if i+1 >= r.retries {
			return fmt.Errorf("still serving after %s of draining: %s; left in drain (raise wait_retries or wait_interval, or use shutdown_sessions)", time.Duration(r.retries)*r.interval, strings.Join(busy, ", "))
		}
		if err := svcunit.Sleep(ctx, r.interval); err != nil {
			return err
		}
	}
}

// verify reads the servers back until they show the requested state (at
// most wait_retries times when wait is set, once otherwise).
func (r serverReq) verify(ctx context.Context, t *module.Target) (map[string]*server, error) {
	tries := 1
	if r.wait {
		tries = r.retries
	}
	var problems []string
	for i := 0; i < tries; i++ {
		if i > 0 {
			if err := svcunit.Sleep(ctx, r.interval); err != nil {
				return nil, err
			}
		}
		all, err := readServers(ctx, t.Conn, r.sock)
		if err != nil {
			return nil, err
		}
		targets := r.match(all)
		problems = problems[:0]
		for _, k := range keys(targets) {
			s := targets[k]
			if r.state != "" && s.adminState() != r.state {
				problems = append(problems, fmt.Sprintf("%s is %s (%s)", k, s.adminState(), s.status))
			}
			if w, _ := weightValue(r.weight, s.iweight); r.weight != "" && w != s.uweight {
				problems = append(problems, fmt.Sprintf("%s has weight %d", k, s.uweight))
			}
			if r.wait && !statusMatches(r.state, s.status) {
				problems = append(problems, fmt.Sprintf("%s reports %s", k, s.status))
			}
		}
		if len(problems) == 0 {
			return targets, nil
		}
	}
	return nil, fmt.Errorf("verify: %s", strings.Join(problems, "; "))
}

// statusMatches reports whether the operational status shown by show
// stat fits the admin state (what wait waits for).
func statusMatches(state, status string) bool {
	switch state {
	case "ready":
		// "UP 1/3" is a server going down: not settled yet.
		return (strings.HasPrefix(status, "UP") && !strings.Contains(status, "/")) || status == "no check"
	case "drain":
		return strings.HasPrefix(status, "DRAIN") || strings.HasPrefix(status, "DOWN")
	case "maint":
		return strings.HasPrefix(status, "MAINT")
	}
	return true
}

// summary describes the request.
func (r serverReq) summary() string {
	var p []string
	if r.state != "" {
		p = append(p, r.state)
	}
	if r.weight != "" {
		p = append(p, "weight "+r.weight)
	}
	return strings.Join(p, ", ") + " in " + backendText(r.backend)
}

func backendText(b string) string {
	if b == "" {
		return "all backends"
	}
	return "backend " + b
}

// describeServers is the register-able view of servers.
func describeServers(m map[string]*server) map[string]any {
	out := map[string]any{}
	for k, s := range m {
		out[k] = map[string]any{"state": s.adminState(), "status": s.status, "weight": s.uweight, "sessions": s.scur}
	}
	return out
}

func keys(m map[string]*server) []string { return slices.Sorted(maps.Keys(m)) }
