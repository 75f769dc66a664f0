package labverify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Env applies faults and runs playbooks on the lab. cmd/hactl implements
// it with pkg/lab and pkg/runner.
type Env interface {
	// Fault applies kind (kill, stop, cut) to host.
	Fault(ctx context.Context, kind, host string) error
	// Restore undoes kind on host (start after kill/stop, heal after cut)
	// and returns once the host answers again.
	Restore(ctx context.Context, kind, host string) error
	// Play runs a playbook with extra variables; a failed host is an error.
	Play(ctx context.Context, playbook string, extraVars map[string]any) error
	// Exec runs command on host (a scenario's check) and returns its
	// output; a non-zero exit is an error.
	Exec(ctx context.Context, host, command string) (string, error)
}

// Result is one step's measurements.
type Result struct {
	Step    Step
	Outcome Outcome
	// Acked and Lost count the acknowledged writes made during the step
	// and those of them not found at the end.
	Acked, Lost int
	// Duration is the step's whole window.
	Duration time.Duration
	// Err is a failure to apply the step (the fault, the restore, the
	// playbook); its measurements are still reported.
	Err error
	// Misses lists the targets the step missed.
	Misses []string
	// Checks are the step's checks, in the scenario's order.
	Checks []CheckResult

	start time.Time
}

// Runner runs the steps of a scenario file while the client loop runs.
type Runner struct {
	Config *Config
	Steps  []Step
	Env    Env
	// Log receives one line per phase; nil discards them.
	Log io.Writer
	// RecoveredAfter is how many consecutive successful requests mean the
	// service is back (default 5).
	RecoveredAfter int
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
	}
}

// Run starts the client loop (and the writer), runs every step, reads the
// acknowledged writes back and returns one Result per step. The error is
// set only when nothing could be measured.
func (r *Runner) Run(ctx context.Context) ([]Result, error) {
	c := r.Config
	timeout := c.Client.Timeout.D(time.Second)
	p := &Prober{URL: c.Target, Interval: c.Client.Interval.D(50 * time.Millisecond), Timeout: timeout, MaxInFlight: 32}
	var w *Writer
	if c.Writes != nil {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		w = &Writer{Config: *c.Writes, Prefix: "hactl-verify-" + hex.EncodeToString(b), Timeout: timeout}
	}
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.Run(lctx) }()
	if w != nil {
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(lctx) }()
	}
	results := make([]Result, 0, len(r.Steps))
	for _, s := range r.Steps {
		if ctx.Err() != nil {
			break
		}
		results = append(results, r.step(ctx, p, s))
	}
	stop()
	wg.Wait()
	if len(results) == 0 {
		return nil, fmt.Errorf("no step ran: %w", ctx.Err())
	}
	if w != nil {
		lost, err := w.Lost(ctx)
		if err != nil {
			return results, err
		}
		for i := range results {
			res := &results[i]
			from, to := res.window()
			res.Acked = len(w.Acks(from, to))
			for _, a := range lost {
				if !a.At.Before(from) && a.At.Before(to) {
					res.Lost++
				}
			}
		}
	}
	for i := range results {
		results[i].Misses = results[i].misses(w != nil)
	}
	return results, nil
}

// window is the step's time range, kept in the Outcome's clock.
func (res *Result) window() (time.Time, time.Time) { return res.start, res.start.Add(res.Duration) }

// step runs one step and measures it.
func (r *Runner) step(ctx context.Context, p *Prober, s Step) Result {
	res := Result{Step: s, start: time.Now()}
	t := s.Timing
	r.logf("%s: %s of healthy traffic first", s.Name, t.Before.D(0))
	sleep(ctx, t.Before.D(0))
	if s.Playbook != "" {
		r.logf("%s: playing %s", s.Name, s.Playbook)
		res.Err = r.Env.Play(ctx, s.Playbook, s.Vars)
		if len(s.Checks) > 0 {
			from := time.Now()
			res.Checks = r.checks(ctx, s, from, from.Add(t.RecoveryTimeout.D(0)))
		}
	} else {
		res.Checks, res.Err = r.fault(ctx, p, s)
	}
	r.logf("%s: %s of traffic after", s.Name, t.After.D(0))
	sleep(ctx, t.After.D(0))
	res.Duration = time.Since(res.start)
	res.Outcome = Analyze(p.Between(res.start, res.start.Add(res.Duration)))
	r.logf("%s: %d requests, %d failed, longest outage %s", s.Name, res.Outcome.Requests, res.Outcome.Failed, res.Outcome.Outage.Round(time.Millisecond))
	if res.Outcome.Failed > 0 {
		r.logf("%s: last error: %s", s.Name, res.Outcome.LastErr)
	}
	return res
}

// fault applies the fault, waits for the service to recover (or for the
// observation time to pass without a failure, or for the timeout) and for
// the step's checks to pass (or time out), then restores the host.
func (r *Runner) fault(ctx context.Context, p *Prober, s Step) ([]CheckResult, error) {
	hosts := s.Hosts
	if len(hosts) == 0 {
		hosts = []string{s.Host}
	}
	at := time.Now()
	r.logf("%s: %s %s", s.Name, s.Fault, strings.Join(hosts, " "))
	ferr := eachHost(hosts, func(h string) error {
		if err := r.Env.Fault(ctx, s.Fault, h); err != nil {
			return fmt.Errorf("%s %s: %w", s.Fault, h, err)
		}
		return nil
	})
	var checks []CheckResult
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		if len(s.Checks) > 0 {
			checks = r.checks(ctx, s, at, at.Add(s.Timing.RecoveryTimeout.D(0)))
		}
	}()
	n := r.RecoveredAfter
	if n == 0 {
		n = 5
	}
	deadline := at.Add(s.Timing.RecoveryTimeout.D(0))
	quiet := at.Add(s.Timing.Observe.D(0))
	for ctx.Err() == nil && time.Now().Before(deadline) {
		since := p.Since(at)
		if recovered(since, n) {
			r.logf("%s: service back", s.Name)
			break
		}
		if time.Now().After(quiet) && Analyze(since).Failed == 0 {
			r.logf("%s: no failed request in %s", s.Name, s.Timing.Observe.D(0))
			break
		}
		sleep(ctx, 100*time.Millisecond)
	}
	<-checked
	kind := map[string]string{"kill": "start", "stop": "start", "cut": "heal"}[s.Fault]
	r.logf("%s: %s %s", s.Name, kind, strings.Join(hosts, " "))
	// Restore even when ctx is cancelled: a lab is never left broken.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 4*time.Minute)
	defer cancel()
	rerr := eachHost(hosts, func(h string) error {
		if err := r.Env.Restore(rctx, s.Fault, h); err != nil {
			return fmt.Errorf("%s %s: %w", kind, h, err)
		}
		return nil
	})
	return checks, errors.Join(ferr, rerr)
}

// eachHost runs fn on every host at once (hosts lost together go down
// together) and joins the errors in the hosts' order.
func eachHost(hosts []string, fn func(string) error) error {
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(h)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// checks runs the step's checks until each passes or deadline, and logs
// how they went.
func (r *Runner) checks(ctx context.Context, s Step, from, deadline time.Time) []CheckResult {
	out := runChecks(ctx, r.Env, s.Checks, from, deadline)
	for _, c := range out {
		if c.OK {
			r.logf("%s: check %q passed on %s, %s after the fault (%d attempts)", s.Name, c.Check.label(), c.Host, c.After.Round(100*time.Millisecond), c.Attempts)
		} else {
			r.logf("%s: check %q failed (%d attempts): %s", s.Name, c.Check.label(), c.Attempts, c.Err)
		}
	}
	return out
}

// misses checks the step's targets.
func (res *Result) misses(writes bool) []string {
	var out []string
	sc, o := res.Step.Scenario, res.Outcome
	if res.Err != nil {
		out = append(out, res.Err.Error())
	}
	if !o.Recovered {
		out = append(out, "not recovered")
	}
	if sc != nil && sc.MaxFailed != nil && o.Failed > *sc.MaxFailed {
		out = append(out, fmt.Sprintf("%d failed requests > %d", o.Failed, *sc.MaxFailed))
	}
	if sc != nil && sc.MaxRecovery != nil && o.Outage > sc.MaxRecovery.D(0) {
		out = append(out, fmt.Sprintf("outage %s > %s", o.Outage.Round(time.Millisecond), sc.MaxRecovery.D(0)))
	}
	if writes && res.Lost > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged writes lost", res.Lost))
	}
	return append(out, checkMisses(res.Checks)...)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
