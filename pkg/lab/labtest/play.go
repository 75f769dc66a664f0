package labtest

import (
	"bytes"
	"context"
	"testing"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/transport"
	"github.com/hactl/hactl/roles"
)

// PlayOptions returns the runner options that play against the running
// lab of dir: dir as the inventory, the lab's connection variables, the
// embedded roles, and a retried dial (hosts just brought up or restarted
// may refuse a first connection).
func PlayOptions(t testing.TB, dir string) runner.Options {
	t.Helper()
	cv, err := lab.ConnectionVars(dir)
	if err != nil {
		t.Fatalf("labtest: connection variables of %s: %v", dir, err)
	}
	return runner.Options{
		Inventories:   []string{dir},
		HostOverrides: cv,
		RoleFS:        roles.FS(),
		Connection:    transport.Defaults{DialRetries: 2},
	}
}

// Play runs playbook with opts, fails the test (showing the run's output)
// unless every host succeeded, and returns each host's changed count.
func Play(t testing.TB, ctx context.Context, opts runner.Options, playbook string) (changed map[string]int, output string) {
	t.Helper()
	var out bytes.Buffer
	opts.Reporter = report.NewText(&out, 0, opts.Exec.Diff)
	stats, err := runner.Run(ctx, opts, playbook)
	if err != nil {
		t.Fatalf("labtest: play %s: %v\n%s", playbook, err, out.String())
	}
	if code := stats.ExitCode(); code != 0 {
		t.Fatalf("labtest: play %s exited %d\n%s", playbook, code, out.String())
	}
	changed = map[string]int{}
	for _, h := range stats.Hosts() {
		changed[h] = stats.Host(h).Changed
	}
	return changed, out.String()
}

// Total sums a Play's changed counts.
func Total(changed map[string]int) int {
	n := 0
	for _, c := range changed {
		n += c
	}
	return n
}
