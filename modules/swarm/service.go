package swarm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// Run implements module.Module.
func (Service) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	d, err := parseDesired(a)
	if err != nil {
		return module.Failf("swarm_service %s: %v", a.String("name"), strings.ReplaceAll(err.Error(), "\n", "; ")), nil
	}
	l, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	if !l.active() || !l.ControlAvailable {
		if t.Check && l.LocalNodeState == "inactive" && a.String("state") == "absent" {
			return module.Result{Msg: "no swarm on this host: no service to remove",
				Data: map[string]any{"predicted": "unknown-dependency", "changes": []any{}, "rebuilt": false, "swarm_service": map[string]any{}}}, nil
		}
		if t.Check && l.LocalNodeState == "inactive" {
			return module.Result{Changed: true, Msg: "no swarm on this host yet: the service would be created once it is a manager",
				Data: map[string]any{"predicted": "unknown-dependency", "changes": []any{}, "rebuilt": false, "swarm_service": map[string]any{}}}, nil
		}
		return module.Failf("swarm_service runs on a swarm manager; this host is %q (manager: %t)", l.LocalNodeState, l.ControlAvailable), nil
	}
	cur, found, err := inspectService(ctx, t.Conn, d.Name)
	if err != nil {
		return module.Result{}, err
	}
	if a.String("state") == "absent" {
		return removeService(ctx, t, d.Name, cur, found)
	}
	s := &svcRun{t: t, a: a, d: d, timeout: time.Duration(a.Int("wait_timeout")) * time.Second}
	if !found {
		return s.create(ctx)
	}
	return s.update(ctx, cur)
}

// svcRun is one present run of the module.
type svcRun struct {
	t       *module.Target
	a       module.Args
	d       svcDesired
	timeout time.Duration
}

func (s *svcRun) create(ctx context.Context) (module.Result, error) {
	res := module.Result{Changed: true, Msg: "service " + s.d.Name + " created",
		Data: map[string]any{"changes": []any{"created"}, "rebuilt": false}}
	if s.t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "service " + s.d.Name + " (absent)", AfterHeader: "service " + s.d.Name, After: desiredText(s.d)}}
	}
	if s.t.Check {
		res.Msg = "service " + s.d.Name + " would be created"
		res.Data["swarm_service"] = desiredSummary(s.d)
		return res, nil
	}
	if err := s.runDocker(ctx, "docker service create", createArgs(s.d, s.a)); err != nil {
		return module.Result{}, err
	}
	return s.finish(ctx, res)
}

func (s *svcRun) update(ctx context.Context, cur svcCurrent) (module.Result, error) {
	changes, err := s.compare(ctx, cur)
	if err != nil {
		return module.Result{}, err
	}
	force := s.a.Bool("force_update")
	if force {
		changes = append(changes, svcChange{Option: "force_update", Before: "", After: "redeploy every task", Flags: []string{"--force", "--image", s.d.Image}})
	}
	names := make([]any, len(changes))
	for i, c := range changes {
		names[i] = c.Option
	}
	res := module.Result{Data: map[string]any{"changes": names, "rebuilt": false}}
	if len(changes) == 0 {
		res.Msg = "service " + s.d.Name + " is as declared"
		return s.report(ctx, res, cur)
	}
	rebuild := slices.ContainsFunc(changes, func(c svcChange) bool { return c.Option == "mode" })
	res.Changed = true
	res.Msg = "service " + s.d.Name + ": " + strings.Join(changeNames(changes), ", ")
	if rebuild {
		res.Msg += " (mode cannot change in place: removed and created again)"
	}
	res.Data["rebuilt"] = rebuild
	if s.t.Diff {
		var before, after strings.Builder
		for _, c := range changes {
			fmt.Fprintf(&before, "%s: %s\n", c.Option, c.Before)
			fmt.Fprintf(&after, "%s: %s\n", c.Option, c.After)
		}
		res.Diff = []module.FileDiff{{BeforeHeader: "service " + s.d.Name, AfterHeader: "service " + s.d.Name, Before: before.String(), After: after.String()}}
	}
	if s.t.Check {
		res.Data["swarm_service"] = currentSummary(cur, nil)
		return res, nil
	}
	if rebuild {
		if _, err := docker(ctx, s.t.Conn, "docker service rm", "docker service rm "+transport.Quote(cur.ID), transport.RunOpts{Timeout: time.Minute}); err != nil {
			return module.Result{}, err
		}
		if err := waitGone(ctx, s.t.Conn, cur.ID, s.timeout); err != nil {
			return module.Result{}, err
		}
		if err := s.runDocker(ctx, "docker service create", createArgs(s.d, s.a)); err != nil {
			return module.Result{}, err
		}
		return s.finish(ctx, res)
	}
	// docker service update merges add and remove flags in ways that can
	// drop an entry still wanted (a --publish-rm matches every port with
	// that target): a second pass adds back what the first one lost.
	for pass := 0; pass < 2 && len(changes) > 0; pass++ {
		if err := s.runDocker(ctx, "docker service update", updateArgs(s.a, cur.ID, changes)); err != nil {
			return module.Result{}, err
		}
		after, found, err := inspectService(ctx, s.t.Conn, cur.ID)
		if err != nil {
			return module.Result{}, err
		}
		if !found {
			return module.Result{}, fmt.Errorf("service %s disappeared during its update", s.d.Name)
		}
		if changes, err = s.compare(ctx, after); err != nil {
			return module.Result{}, err
		}
	}
	return s.finish(ctx, res)
}

// compare reads network names when the task gives networks and compares.
func (s *svcRun) compare(ctx context.Context, cur svcCurrent) ([]svcChange, error) {
	var nets map[string]string
	if s.d.Networks != nil {
		var err error
		if nets, err = networkNames(ctx, s.t.Conn); err != nil {
			return nil, err
		}
	}
	changes := compareService(s.d, cur, nets)
	if s.a.Bool("resolve_image") {
		ch, err := resolveChange(ctx, s.t.Conn, s.d.Image, cur)
		if err != nil {
			return nil, err
		}
		if ch != nil {
			changes = append([]svcChange{*ch}, changes...)
		}
	}
	return changes, nil
}

// finish verifies that the service now matches the task and reports it.
func (s *svcRun) finish(ctx context.Context, res module.Result) (module.Result, error) {
	cur, found, err := inspectService(ctx, s.t.Conn, s.d.Name)
	if err != nil {
		return module.Result{}, err
	}
	if !found {
		return module.Result{}, fmt.Errorf("service %s is missing after it was created", s.d.Name)
	}
	left, err := s.compare(ctx, cur)
	if err != nil {
		return module.Result{}, err
	}
	if len(left) > 0 {
		return module.Result{}, fmt.Errorf("service %s still differs after docker service update: %s", s.d.Name, strings.Join(changeNames(left), ", "))
	}
	return s.report(ctx, res, cur)
}

// report adds the service and its task counts to res.
func (s *svcRun) report(ctx context.Context, res module.Result, cur svcCurrent) (module.Result, error) {
	running, desired, err := replicaCounts(ctx, s.t.Conn, cur.ID)
	if err != nil {
		return module.Result{}, err
	}
	var nets map[string]string
	if len(cur.NetworkIDs) > 0 {
		if nets, err = networkNames(ctx, s.t.Conn); err != nil {
			return module.Result{}, err
		}
	}
	res.Data["swarm_service"] = currentSummary(cur, nets)
	res.Data["running_replicas"], res.Data["desired_replicas"] = running, desired
	res.Msg += fmt.Sprintf("; %d/%d tasks running", running, desired)
	return res, nil
}

// runDocker runs docker service create or update. With wait, the command
// is not detached: docker itself follows the tasks until the service has
// converged (or the update is paused or rolled back, which it reports as
// an error), bounded by wait_timeout.
func (s *svcRun) runDocker(ctx context.Context, what string, args []string) error {
	cmd := transport.QuoteArgs(args)
	opts := transport.RunOpts{Timeout: time.Minute}
	if s.a.Bool("wait") {
		secs := int(s.timeout / time.Second)
		cmd = fmt.Sprintf("timeout %d %s", secs, cmd)
		opts.Timeout = s.timeout + time.Minute
	}
	out, err := hostcmd.Run(ctx, s.t.Conn, what, cmd, opts)
	if err != nil {
		return err
	}
	switch {
	case out.RC == 124 && s.a.Bool("wait"):
		return fmt.Errorf("service %s did not converge within %ds%s", s.d.Name, int(s.timeout/time.Second), taskErrors(ctx, s.t.Conn, s.d.Name))
	case out.RC != 0:
		return fmt.Errorf("%s %s: exit status %d: %s", what, s.d.Name, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return nil
}

// taskErrors returns the distinct errors of the service's recent tasks,
// to say why it does not converge.
func taskErrors(ctx context.Context, c transport.Conn, name string) string {
	out, err := docker(ctx, c, "docker service ps", "docker service ps --no-trunc --format '{{.Error}}' "+transport.Quote(name)+" | sort -u", transport.RunOpts{Timeout: 30 * time.Second})
	if err != nil {
		return ""
	}
	var errs []string
	for line := range strings.SplitSeq(out, "\n") {
		if line = strings.TrimSpace(line); line != "" && len(errs) < 3 {
			errs = append(errs, line)
		}
	}
	if len(errs) == 0 {
		return ""
	}
	return ": task errors: " + strings.Join(errs, "; ")
}

func removeService(ctx context.Context, t *module.Target, name string, cur svcCurrent, found bool) (module.Result, error) {
	res := module.Result{Data: map[string]any{"changes": []any{}, "rebuilt": false, "swarm_service": map[string]any{}}}
	if !found {
		res.Msg = "service " + name + " is absent"
		return res, nil
	}
	res.Changed, res.Msg = true, "service "+name+" removed"
	res.Data["changes"] = []any{"removed"}
	if t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "service " + name, AfterHeader: "service " + name + " (absent)", Before: summaryText(currentSummary(cur, nil))}}
	}
	if t.Check {
		res.Msg = "service " + name + " would be removed"
		return res, nil
	}
	if _, err := docker(ctx, t.Conn, "docker service rm", "docker service rm "+transport.Quote(cur.ID), transport.RunOpts{Timeout: time.Minute}); err != nil {
		return module.Result{}, err
	}
	return res, nil
}

// waitGone waits until a removed service is no longer listed, so that a
// service of the same name can be created.
func waitGone(ctx context.Context, c transport.Conn, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, found, err := inspectService(ctx, c, id)
		if err != nil || !found {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("service %s is still listed %s after docker service rm", id, timeout)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

func changeNames(cs []svcChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Option
	}
	return out
}

func summaryText(m map[string]any) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s: %v\n", k, m[k])
	}
	return b.String()
}
