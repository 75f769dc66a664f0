package labverify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Check is a command a scenario runs on a surviving lab host while its
// fault is in place (after the playbook, for a playbook scenario), to
// prove something beyond the HTTP answers: for example that a swarm keeps
// a quorum of managers ("docker node ls" succeeds). It is retried until it
// exits 0 or the scenario's recovery timeout passes; a check that never
// succeeds misses the scenario's targets.
type Check struct {
	// Name labels the check in the log and the misses (default: the
	// command).
	Name string `yaml:"name"`
	// Command runs with /bin/sh -c on the host, as the lab's SSH user.
	Command string `yaml:"command"`
	// Hosts, or the hosts of HostGroup, are where the check may run: the
	// first that answers, leaving out the host the fault hit.
	Hosts     []string `yaml:"hosts"`
	HostGroup string   `yaml:"host_group"`
	// Timeout bounds one attempt (default 30s).
	Timeout Duration `yaml:"timeout"`
}

// label names the check.
func (c Check) label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Command
}

// check validates one check of a scenario.
func (c Check) check(where string) error {
	switch {
	case strings.TrimSpace(c.Command) == "":
		return fmt.Errorf("%s: command is required", where)
	case len(c.Hosts) == 0 && c.HostGroup == "":
		return fmt.Errorf("%s: hosts or host_group is required", where)
	case len(c.Hosts) > 0 && c.HostGroup != "":
		return fmt.Errorf("%s: give hosts or host_group, not both", where)
	}
	return nil
}

// StepCheck is a check resolved for one step: On lists the hosts it may
// run on, the faulted host already left out.
type StepCheck struct {
	Check
	On []string
}

// resolveChecks expands the checks' groups and leaves out the step's
// faulted hosts.
func resolveChecks(checks []Check, groups map[string][]string, faulted []string, scenario string) ([]StepCheck, error) {
	out := make([]StepCheck, 0, len(checks))
	for _, c := range checks {
		hosts := c.Hosts
		if c.HostGroup != "" {
			hosts = groups[c.HostGroup]
			if len(hosts) == 0 {
				return nil, fmt.Errorf("scenario %s: check %s: group %q has no hosts", scenario, c.label(), c.HostGroup)
			}
		}
		hosts = slices.DeleteFunc(slices.Clone(hosts), func(h string) bool { return slices.Contains(faulted, h) })
		if len(hosts) == 0 {
			return nil, fmt.Errorf("scenario %s: check %s: no host left to run it on once %s is down", scenario, c.label(), strings.Join(faulted, ", "))
		}
		out = append(out, StepCheck{Check: c, On: hosts})
	}
	return out, nil
}

// CheckResult is what one check showed during a step.
type CheckResult struct {
	Check StepCheck
	// OK is an attempt that exited 0 before the deadline; Host is where,
	// After how long after the fault (or the playbook's end).
	OK    bool
	Host  string
	After time.Duration
	// Attempts counts the attempts; Err is the last failed attempt's
	// error or output.
	Attempts int
	Err      string
}

// runCheck tries c on its hosts in turn, every second, until one attempt
// exits 0 or deadline passes. from is when the fault was applied.
func runCheck(ctx context.Context, env Env, c StepCheck, from, deadline time.Time) CheckResult {
	res := CheckResult{Check: c}
	timeout := c.Timeout.D(30 * time.Second)
	for {
		for _, h := range c.On {
			left := time.Until(deadline)
			if left <= 0 && res.Attempts > 0 {
				return res
			}
			actx, cancel := context.WithTimeout(ctx, max(min(timeout, left), 5*time.Second))
			out, err := env.Exec(actx, h, c.Command)
			cancel()
			res.Attempts++
			if err == nil {
				res.OK, res.Host, res.After, res.Err = true, h, time.Since(from), ""
				return res
			}
			res.Err = fmt.Sprintf("%s: %v", h, err)
			if o := lastLine(out); o != "" {
				res.Err += ": " + o
			}
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return res
		}
		sleep(ctx, time.Second)
	}
}

// runChecks runs a step's checks side by side and returns their results
// in order.
func runChecks(ctx context.Context, env Env, checks []StepCheck, from, deadline time.Time) []CheckResult {
	out := make([]CheckResult, len(checks))
	done := make(chan struct{}, len(checks))
	for i, c := range checks {
		go func() {
			defer func() { done <- struct{}{} }()
			out[i] = runCheck(ctx, env, c, from, deadline)
		}()
	}
	for range checks {
		<-done
	}
	return out
}

// checkMisses lists the checks that never succeeded.
func checkMisses(results []CheckResult) []string {
	var out []string
	for _, r := range results {
		if !r.OK {
			out = append(out, fmt.Sprintf("check %q failed after %d attempts (%s)", r.Check.label(), r.Attempts, r.Err))
		}
	}
	return out
}

// checksColumn summarises a step's checks for the table: "-" without
// checks, "ok 3.2s" when all passed (the slowest one's time after the
// fault), "failed 1/2" otherwise.
func checksColumn(results []CheckResult) string {
	if len(results) == 0 {
		return "-"
	}
	failed := 0
	var slowest time.Duration
	for _, r := range results {
		if !r.OK {
			failed++
		}
		slowest = max(slowest, r.After)
	}
	if failed > 0 {
		return fmt.Sprintf("failed %d/%d", failed, len(results))
	}
	return "ok " + slowest.Round(100*time.Millisecond).String()
}

// lastLine returns the last non-empty line of out, shortened.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 160 {
		l = l[:160] + "…"
	}
	return l
}
