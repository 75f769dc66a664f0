package pacemaker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// cibTask is one CIB change: edit turns a copy of the live CIB into the
// desired one; verify, when set, is polled after a change (and after a run
// that found nothing to change) until it returns nil or wait runs out.
type cibTask struct {
	what   string
	edit   func(c *CIB) error
	verify func(st *Status) error
	wait   time.Duration
}

// leaderArgs are the arguments every CIB module takes.
var leaderArgs = []module.Param{
	{Name: "cluster_leader", Type: module.Str, Doc: "The inventory host that applies the change for the whole cluster; other hosts only compare and verify. Default: the first host of the play."},
	{Name: "wait", Type: module.Int, Default: 60, Doc: "Seconds to wait for crm_mon to show the desired state."},
	{Name: "verify", Type: module.Bool, Default: true, Doc: "Check crm_mon after the change; false skips it."},
}

// runCIB gathers the CIB, computes the change, applies it once per cluster
// (on the leader) and verifies.
func runCIB(ctx context.Context, t *module.Target, a module.Args, task cibTask) (module.Result, error) {
	live, err := QueryCIB(ctx, t.Conn)
	if errors.Is(err, ErrNoCIB) && t.Check {
		// In check mode an earlier task (pcs_cluster) that would create
		// the cluster did not run: predict the change, do not fail.
		return module.Result{Changed: true, Msg: task.what + ": no cluster runs here yet; in a real run it would be declared once the cluster exists",
			Data: map[string]any{"predicted": "unknown-dependency"}}, nil
	}
	if err != nil {
		return module.Result{}, fmt.Errorf("%s: %w", task.what, err)
	}
	want := live.Clone()
	if err := task.edit(want); err != nil {
		return module.Failf("%s: %v", task.what, err), nil
	}
	ch := live.Diff(want)
	admin, epoch, _ := live.Epoch()
	res := module.Result{Data: map[string]any{"cib_epoch": fmt.Sprintf("%d:%d", admin, epoch)}}
	if !ch.Empty() {
		res.Changed = true
		if t.Diff {
			res.Diff = []module.FileDiff{{BeforeHeader: "CIB (before)", AfterHeader: "CIB (after)", Before: ch.Before, After: ch.After}}
		}
	}
	leader := leaderOf(t, a)
	switch {
	case !res.Changed:
		res.Msg = "CIB already as desired"
	case t.Check:
		res.Msg = "the CIB would change"
		return res, nil
	case leader != t.Host:
		// Another host applies the change; this one reports what it saw.
		res.Changed = false
		res.Msg = "the CIB differs; " + leader + " applies the change"
		res.Data["leader"] = leader
		return res, nil
	default:
		patched, err := Push(ctx, t.Conn, live, want)
		if err != nil {
			return module.Result{}, fmt.Errorf("%s: %w", task.what, err)
		}
		res.Changed = patched
		res.Msg = "CIB updated"
	}
	if task.verify == nil || !a.Bool("verify") || t.Check {
		return res, nil
	}
	if err := waitFor(ctx, t.Conn, time.Duration(a.Int("wait"))*time.Second, task.verify); err != nil {
		res.Failed = true
		res.Msg = fmt.Sprintf("%s: %s; verify: %v", task.what, res.Msg, err)
	}
	return res, nil
}

// waitFor polls crm_mon until check passes or d runs out; the last
// failure is returned.
func waitFor(ctx context.Context, conn transport.Conn, d time.Duration, check func(*Status) error) error {
	deadline := time.Now().Add(d)
	for {
		st, err := QueryStatus(ctx, conn)
		if err == nil {
			err = check(st)
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(time.Second):
		}
	}
}
