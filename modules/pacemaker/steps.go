package pacemaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// stepResult is one executed step.
type stepResult struct {
	secs    float64
	failMsg string
	err     error
}

// runSteps runs the plan: the leading node-local steps with each node's
// steps in order and the nodes in parallel, then the cluster-wide steps in
// order. It stops at the first failure and returns the timings, the
// failure as a message for the user (secret scrubbed), or a transport
// error.
func runSteps(ctx context.Context, t *module.Target, steps []step, secret string) ([]any, string, error) {
	var took []any
	record := func(s step, r stepResult) {
		took = append(took, map[string]any{"step": s.Desc, "seconds": float64(int(r.secs*10)) / 10})
		if t.Log != nil {
			t.Log.Debug("pcs_cluster step", "step", s.Desc, "node", s.On.Name, "seconds", r.secs)
		}
	}
	n := 0
	for n < len(steps) && steps[n].Local {
		n++
	}
	// Node-local phase.
	byNode := map[*member][]int{}
	var order []*member
	for i := range steps[:n] {
		m := steps[i].On
		if byNode[m] == nil {
			order = append(order, m)
		}
		byNode[m] = append(byNode[m], i)
	}
	results := make([]stepResult, n)
	ran := make([]bool, n)
	var wg sync.WaitGroup
	for _, m := range order {
		wg.Go(func() {
			for _, i := range byNode[m] {
				results[i], ran[i] = runStep(ctx, steps[i], secret), true
				if results[i].err != nil || results[i].failMsg != "" {
					return
				}
			}
		})
	}
	wg.Wait()
	var fails []string
	var errs []error
	for i := range steps[:n] {
		if !ran[i] {
			continue
		}
		record(steps[i], results[i])
		if results[i].err != nil {
			errs = append(errs, results[i].err)
		}
		if results[i].failMsg != "" {
			fails = append(fails, results[i].failMsg)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return took, "", err
	}
	if len(fails) > 0 {
		return took, fails[0], nil
	}
	// Cluster-wide phase.
	for _, s := range steps[n:] {
		r := runStep(ctx, s, secret)
		record(s, r)
		if r.err != nil || r.failMsg != "" {
			return took, r.failMsg, r.err
		}
	}
	return took, "", nil
}

// runStep runs one step.
func runStep(ctx context.Context, s step, secret string) stepResult {
	began := time.Now()
	out, err := hostcmd.Run(ctx, s.On.Conn, s.Desc, s.Cmd, transport.RunOpts{Stdin: stdinOf(s.Stdin)})
	r := stepResult{secs: time.Since(began).Seconds(), err: err}
	if err == nil && out.RC != 0 {
		r.failMsg = fmt.Sprintf("%s on %s: exit status %d: %s", s.Desc, s.On.Name, out.RC, scrub(hostcmd.FirstLine(out.Stderr, out.Stdout), secret))
	}
	return r
}
