package systemd

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// plan is the difference between a unit's state and the request.
type plan struct {
	actions []string // systemctl verbs, in order: mask/unmask, enable/disable, start/stop/restart/reload
	enabled *bool    // the enabled return value
	state   string   // the state return value
	before  []string // state lines before, for --diff
	after   []string // state lines after
}

// diff computes the actions the request needs on a unit in state u. A
// non-empty message means the task fails without acting.
func diff(r request, u unitState) (plan, string) {
	var p plan
	missing := fmt.Sprintf("Could not find the requested service %s: host", r.name)
	if r.masked != nil {
		now := u.masked()
		if now != *r.masked {
			p.actions = append(p.actions, map[bool]string{true: "mask", false: "unmask"}[*r.masked])
			p.before = append(p.before, fmt.Sprintf("masked: %t", now))
			p.after = append(p.after, fmt.Sprintf("masked: %t", *r.masked))
		}
	}
	if r.enabled != nil {
		if !u.found() {
			return p, missing
		}
		now := u.isEnabled(r.scope)
		en := now
		if now != *r.enabled {
			p.actions = append(p.actions, map[bool]string{true: "enable", false: "disable"}[*r.enabled])
			p.before = append(p.before, fmt.Sprintf("enabled: %t", now))
			p.after = append(p.after, fmt.Sprintf("enabled: %t", *r.enabled))
			en = *r.enabled
		}
		p.enabled = &en
	}
	if r.state != "" {
		if !u.found() {
			return p, missing
		}
		p.state = r.state
		if _, ok := u.status["ActiveState"]; !ok {
			return p, "Service is in unknown state"
		}
		active := u.status["ActiveState"]
		var action string
		switch r.state {
		case "started":
			if !u.running() {
				action = "start"
			}
		case "stopped":
			if u.running() || active == "deactivating" {
				action = "stop"
			}
		default: // restarted, reloaded
			action = strings.TrimSuffix(r.state, "ed")
			if !u.running() {
				action = "start"
			}
			p.state = "started"
		}
		if action != "" {
			p.actions = append(p.actions, action)
			p.before = append(p.before, "state: "+active)
			p.after = append(p.after, "state: "+map[string]string{"start": "active", "stop": "inactive", "restart": "active (restarted)", "reload": "active (reloaded)"}[action])
		}
	}
	return p, ""
}

// applyScript runs the plan's actions; on a failure it prints the marker
// and the failed verb on stdout and stops.
func (r request) applyScript(p plan, marker string) string {
	sc := r.systemctl()
	u := transport.Quote(r.name)
	var b strings.Builder
	b.WriteString(preamble)
	for _, a := range p.actions {
		if a == "restart" && r.sleep > 0 {
			fmt.Fprintf(&b, "%s stop -- %s || { echo %s stop; exit 1; }\nsleep %d\n", sc, u, marker, r.sleep)
			a = "start"
		}
		fmt.Fprintf(&b, "%s %s -- %s || { echo %s %s; exit 1; }\n", sc, a, u, marker, a)
	}
	return b.String()
}

// run is the whole module: reload the manager if asked, gather, diff,
// apply, verify.
func run(ctx context.Context, t *module.Target, r request) (module.Result, error) {
	if err := r.validate(); err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	if strings.ContainsAny(r.name, "*?[") {
		return module.Failf("This module does not currently support using glob patterns, found a glob character in service name: %s", r.name), nil
	}
	data := map[string]any{"name": r.name, "status": map[string]any{}}
	if !t.Check {
		for _, verb := range []string{"daemon-reexec", "daemon-reload"} {
			if (verb == "daemon-reload" && !r.reload) || (verb == "daemon-reexec" && !r.reexec) {
				continue
			}
			out, err := hostcmd.Run(ctx, t.Conn, "systemd: "+verb, preamble+r.systemctl()+" "+verb, transport.RunOpts{})
			if err != nil {
				return module.Result{}, err
			}
			if out.RC != 0 {
				return module.Result{Failed: true, Msg: fmt.Sprintf("failure %d during %s: %s", out.RC, verb, strings.TrimSpace(out.Stderr)), Data: data}, nil
			}
		}
	}
	if r.name == "" {
		return module.Result{Data: data}, nil
	}
	u, err := gather(ctx, t.Conn, r)
	if err != nil {
		return module.Result{}, err
	}
	data["status"] = statusData(u.status)
	ls := u.status["LoadState"]
	if le := u.status["LoadError"]; le != "" && ls != "not-found" && ls != "masked" && ls != "" {
		return module.Result{Failed: true, Msg: fmt.Sprintf("Error loading unit file '%s': %s", r.name, le), Data: data}, nil
	}
	p, fail := diff(r, u)
	if p.state != "" {
		data["state"] = p.state
	}
	if fail != "" {
		return module.Result{Failed: true, Msg: fail, Data: data}, nil
	}
	if p.enabled != nil {
		data["enabled"] = *p.enabled
	}
	res := module.Result{Changed: len(p.actions) > 0, Data: data}
	if res.Changed && t.Diff {
		res.Diff = []module.FileDiff{{
			BeforeHeader: r.name + " (unit)", AfterHeader: r.name + " (unit)",
			Before: strings.Join(p.before, "\n") + "\n", After: strings.Join(p.after, "\n") + "\n",
		}}
	}
	if !res.Changed || t.Check {
		return res, nil
	}
	marker := hostcmd.Marker()
	out, err := hostcmd.Run(ctx, t.Conn, "systemd: apply", r.applyScript(p, marker), transport.RunOpts{})
	if err != nil {
		return module.Result{}, err
	}
	if out.RC != 0 {
		verb := "change"
		for l := range strings.SplitSeq(out.Stdout, "\n") {
			if v, ok := strings.CutPrefix(l, marker+" "); ok {
				verb = v
			}
		}
		if (verb == "mask" || verb == "unmask") && !u.found() {
			return module.Result{Failed: true, Msg: fmt.Sprintf("Could not find the requested service %s: host", r.name), Data: data}, nil
		}
		msg := fmt.Sprintf("Unable to %s service %s: %s", verb, r.name, strings.TrimSpace(out.Stderr))
		return module.Result{Failed: true, Changed: true, Msg: msg, Data: data}, nil
	}
	return verify(ctx, t, r, res)
}

// verify re-reads the unit and fails when enabled or masked did not take.
func verify(ctx context.Context, t *module.Target, r request, res module.Result) (module.Result, error) {
	if r.enabled == nil && r.masked == nil {
		return res, nil
	}
	u, err := gather(ctx, t.Conn, r)
	if err != nil {
		return module.Result{}, err
	}
	if r.masked != nil && u.masked() != *r.masked {
		res.Failed, res.Msg = true, fmt.Sprintf("unit %s: masked is %t after systemctl ran, want %t", r.name, u.masked(), *r.masked)
	}
	// static, indirect and generated units ignore enable and disable (as
	// with Ansible the task then reports changed each time): only a unit
	// plainly left enabled or disabled is an error.
	if r.enabled != nil && u.enabledAs == map[bool]string{true: "disabled", false: "enabled"}[*r.enabled] {
		res.Failed, res.Msg = true, fmt.Sprintf("unit %s: is-enabled says %q after systemctl ran, want enabled=%t", r.name, u.enabledAs, *r.enabled)
	}
	return res, nil
}
