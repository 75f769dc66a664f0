package apt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// exec runs an apt-get command line (wrapped for policy_rc_d), then the
// extra script after (only when apt-get succeeded). stdout and stderr go
// to the result data.
func (j *job) exec(ctx context.Context, cmd string, after []string) (module.Result, error) {
	marker := hostcmd.Marker()
	var b strings.Builder
	b.WriteString(withPolicy(j.a, cmd))
	fmt.Fprintf(&b, "echo %s; echo \"rc=$__rc\"\n", marker)
	for _, s := range after {
		fmt.Fprintf(&b, "if [ $__rc -eq 0 ]; then %s; fi\n", s)
	}
	out, err := hostcmd.Run(ctx, j.t.Conn, "apt", b.String(), transport.RunOpts{Env: env})
	if err != nil {
		return module.Result{}, err
	}
	secs := hostcmd.Sections(out.Stdout, marker)
	stdout := secs[0]
	rc := -1
	tail := ""
	if len(secs) == 2 {
		head, rest, _ := strings.Cut(secs[1], "\n")
		_, _ = fmt.Sscanf(head, "rc=%d", &rc)
		tail = rest
	}
	j.data["stdout"], j.data["stderr"] = stdout, out.Stderr
	j.data["_after"] = tail
	if rc != 0 {
		j.data["rc"] = rc
		delete(j.data, "_after")
		return module.Result{Failed: true, Msg: fmt.Sprintf("'%s' failed: %s", cmd, strings.TrimSpace(out.Stderr)), Data: j.data}, nil
	}
	return module.Result{Data: j.data}, nil
}

// after pops the output of the script run after apt-get.
func (j *job) after() string {
	s, _ := j.data["_after"].(string)
	delete(j.data, "_after")
	return s
}

// apply installs or removes the planned packages and verifies dpkg's state.
func (j *job) apply(ctx context.Context, verb string, args []string, changes []change, specs []pkgSpec) (module.Result, error) {
	if len(args) == 0 {
		return module.Result{Data: j.data}, nil
	}
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.name
	}
	var after []string
	if !j.t.Check {
		if verb == "install" {
			after = append(after, "apt-mark manual -- "+transport.QuoteArgs(names)+" >/dev/null")
		}
		after = append(after, dpkgQuery(names...))
	}
	return j.applyChanges(ctx, aptGet(j.a, j.t.Check, verb, args...), after, changes)
}

// applyChanges runs cmd (then after) for the planned changes; on success
// the result is changed with their diff, and outside check mode dpkg's
// state afterwards is checked against them.
func (j *job) applyChanges(ctx context.Context, cmd string, after []string, changes []change) (module.Result, error) {
	res, err := j.exec(ctx, cmd, after)
	if err != nil || res.Failed {
		return res, err
	}
	res.Changed = true
	res.Diff = packageDiff(j.t, changes)
	if j.t.Check {
		delete(j.data, "_after")
		return res, nil
	}
	return j.verify(res, changes)
}

// verify checks dpkg's state after apt-get against the plan.
func (j *job) verify(res module.Result, changes []change) (module.Result, error) {
	st := map[string]*pkgState{}
	for _, c := range changes {
		st[c.name] = &pkgState{}
	}
	for l := range strings.SplitSeq(j.after(), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 {
			continue
		}
		if p, ok := lookup(st, f[0]); ok {
			status := strings.Fields(f[1])
			p.installed = len(status) == 3 && status[2] == "installed"
			p.hasFiles = len(status) == 3 && status[2] != "not-installed"
			p.version = f[2]
		}
	}
	for _, c := range changes {
		p := st[c.name]
		var bad bool
		switch c.after {
		case "absent":
			bad = p.installed || (j.a.Bool("purge") && p.hasFiles)
		case "installed":
			bad = false // a virtual name: apt chose the provider
		default:
			bad = !p.installed || (!strings.ContainsAny(c.after, "*?[") && p.version != c.after)
		}
		if bad {
			res.Failed = true
			res.Msg = fmt.Sprintf("apt-get succeeded but %s is not in the expected state (%s); dpkg reports version %q installed=%t", c.name, c.after, p.version, p.installed)
		}
	}
	return res, nil
}

// packageDiff shows the planned package changes.
func packageDiff(t *module.Target, changes []change) []module.FileDiff {
	if !t.Diff || len(changes) == 0 {
		return nil
	}
	var before, after strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&before, "%s: %s\n", c.name, c.before)
		fmt.Fprintf(&after, "%s: %s\n", c.name, c.after)
	}
	return []module.FileDiff{{BeforeHeader: "packages", AfterHeader: "packages", Before: before.String(), After: after.String()}}
}

// simulated counts the actions in apt-get --simulate output ("Inst",
// "Remv", "Purg" lines are apt's machine-readable simulation records).
func simulated(out string) []string {
	var acts []string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(l, "Inst ") || strings.HasPrefix(l, "Remv ") || strings.HasPrefix(l, "Purg ") {
			acts = append(acts, l)
		}
	}
	return acts
}

// simulateThenRun runs the command with --simulate first; when apt would
// do nothing the task reports ok, else (outside check mode) it runs it.
func (j *job) simulateThenRun(ctx context.Context, verb string, args ...string) (module.Result, error) {
	res, err := j.exec(ctx, aptGet(j.a, true, verb, args...), nil)
	delete(j.data, "_after")
	if err != nil || res.Failed {
		return res, err
	}
	acts := simulated(j.data["stdout"].(string))
	if len(acts) == 0 {
		return module.Result{Data: j.data}, nil
	}
	if j.t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "packages", AfterHeader: "apt-get " + verb, After: strings.Join(acts, "\n") + "\n"}}
	}
	res.Changed = true
	if j.t.Check {
		return res, nil
	}
	diff := res.Diff
	res, err = j.exec(ctx, aptGet(j.a, false, verb, args...), nil)
	delete(j.data, "_after")
	if err != nil || res.Failed {
		return res, err
	}
	res.Changed, res.Diff = true, diff
	return res, nil
}

// upgrade upgrades the system.
func (j *job) upgrade(ctx context.Context, mode string) (module.Result, error) {
	verb := "dist-upgrade"
	if mode == "yes" || mode == "safe" {
		verb = "upgrade --with-new-pkgs"
	}
	return j.simulateThenRun(ctx, verb)
}

// cleanup runs autoremove or autoclean.
func (j *job) cleanup(ctx context.Context, op string) (module.Result, error) {
	if op == "autoremove" {
		return j.simulateThenRun(ctx, op)
	}
	res, err := j.exec(ctx, aptGet(j.a, j.t.Check, op), nil)
	delete(j.data, "_after")
	if err == nil && !res.Failed {
		res.Changed = strings.Contains(j.data["stdout"].(string), "Del ")
	}
	return res, err
}

// buildDep installs build dependencies.
func (j *job) buildDep(ctx context.Context, names []string) (module.Result, error) {
	return j.simulateThenRun(ctx, "build-dep", names...)
}
