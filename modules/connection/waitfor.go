package connection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(WaitForConnection{}) }

// WaitForConnection is the wait_for_connection module: wait until the host
// answers again, typically after a reboot.
type WaitForConnection struct{}

// Spec describes the wait_for_connection module.
func (WaitForConnection) Spec() module.Spec {
	return module.Spec{
		Name:  "wait_for_connection",
		Short: "Wait until the host accepts connections and runs commands again",
		Doc:   `Runs a trivial command on the host until it succeeds or the timeout passes. The connection logs in again by itself after the host went away. Skipped in check mode.`,
		Params: []module.Param{
			{Name: "connect_timeout", Type: module.Int, Default: 5, Doc: "Maximum number of seconds to wait for one attempt before retrying."},
			{Name: "delay", Type: module.Int, Default: 0, Doc: "Number of seconds to wait before starting to poll."},
			{Name: "sleep", Type: module.Int, Default: 1, Doc: "Number of seconds to sleep between checks."},
			{Name: "timeout", Type: module.Int, Default: 600, Doc: "Maximum number of seconds to wait for."},
		},
		Examples: `- name: Wait up to 5 minutes for the rebuilt node, starting after 10 seconds
  wait_for_connection:
    delay: 10
    timeout: 300`,
		Returns: []module.ReturnValue{{Name: "elapsed", Type: module.Int, Doc: "The number of seconds that elapsed waiting for the connection to appear."}},
	}
}

// Run polls the host.
func (WaitForConnection) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	if t.Check {
		return module.Result{Skipped: true}, nil
	}
	start := time.Now()
	sec := func(n int) time.Duration { return time.Duration(max(n, 0)) * time.Second }
	if err := sleepCtx(ctx, sec(a.Int("delay"))); err != nil {
		return module.Result{}, fmt.Errorf("wait_for_connection: %w", err)
	}
	deadline := start.Add(sec(a.Int("timeout")))
	var last error
	for {
		attempt := min(sec(a.Int("connect_timeout")), time.Until(deadline))
		if attempt <= 0 {
			break
		}
		actx, cancel := context.WithTimeout(ctx, attempt)
		res, err := t.Conn.Run(actx, "true", transport.RunOpts{})
		timedOut := actx.Err() != nil
		cancel()
		switch {
		case err == nil && res.RC == 0:
			return module.Result{Data: map[string]any{"elapsed": int(time.Since(start) / time.Second)}}, nil
		case ctx.Err() != nil:
			return module.Result{}, fmt.Errorf("wait_for_connection: %w", ctx.Err())
		case timedOut && last != nil && attempt < sec(a.Int("connect_timeout")):
			// An attempt cut short by the overall timeout says less than
			// the error before it.
		case timedOut:
			last = fmt.Errorf("no answer within %s", attempt.Round(time.Millisecond))
		case err != nil:
			last = err
		default:
			last = fmt.Errorf("the test command exited with %d: %s", res.RC, res.Stderr)
		}
		if t.Log != nil {
			t.Log.Debug("wait_for_connection: not yet", "host", t.Host, "err", last)
		}
		if err := sleepCtx(ctx, min(sec(a.Int("sleep")), time.Until(deadline))); err != nil {
			return module.Result{}, fmt.Errorf("wait_for_connection: %w", err)
		}
		if !time.Now().Before(deadline) {
			break
		}
	}
	if last == nil {
		last = errors.New("no attempt could be made")
	}
	msg := fmt.Sprintf("timed out waiting for ping module test: %v", last)
	return module.Result{Failed: true, Msg: msg, Data: map[string]any{"elapsed": int(time.Since(start) / time.Second)}}, nil
}

// sleepCtx sleeps for d unless ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
