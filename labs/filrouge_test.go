// Package labs_test runs the labs end to end, as CI does. The test files
// sit here, beside the lab directories rather than in them: a lab
// directory is also an inventory directory, where every file is read as
// inventory.
package labs_test

import (
	"bytes"
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/labverify"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/template"
)

// TestSiteAndVerify brings up labs/filrouge, plays site.yml twice (the
// second run must change nothing), runs every scenario of verify.yml and
// fails when one misses its targets, then plays site.yml a third time:
// the scenarios must leave nothing for it to change. The lab has fixed
// addresses and its own name: a filrouge lab already up (from
// scripts/filrouge.sh) is taken down first and not brought back.
func TestSiteAndVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("the fil-rouge end to end takes minutes; skipped with -short")
	}
	begin := time.Now()
	t.Cleanup(func() { t.Logf("fil-rouge end to end: %.0fs in all", time.Since(begin).Seconds()) })
	dir, err := filepath.Abs("filrouge")
	require.NoError(t, err)
	if lab.CheckHost() == nil {
		// A filrouge lab left up (scripts/filrouge.sh) holds configured
		// hosts: start from bare ones.
		if _, err := lab.ConnectionVars(dir); err == nil {
			t.Log("the filrouge lab is up: taking it down to start from bare hosts")
			dctx, dcancel := context.WithTimeout(context.Background(), 3*time.Minute)
			err := lab.Down(dctx, dir, lab.Options{HaltTimeout: 20 * time.Second})
			dcancel()
			require.NoError(t, err, "lab down")
		}
	}
	labtest.Dir(t, dir) // skips where the local lab cannot run
	t.Logf("lab up in %.0fs", time.Since(begin).Seconds())
	opts := labtest.PlayOptions(t, dir)
	// Bounded by go test's -timeout (scripts/test.sh: 40m) when there is
	// one, a minute early so that the lab is still torn down.
	deadline := time.Now().Add(35 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(deadline) {
		deadline = d.Add(-time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	site := filepath.Join(dir, "site.yml")

	changed := play(t, ctx, opts, site, "first site.yml")
	require.NotEmpty(t, changed, "the first run configures the hosts")
	changed = play(t, ctx, opts, site, "second site.yml")
	assert.Empty(t, changed, "a second run of site.yml changes nothing")

	start := time.Now()
	results, writes := verify(t, ctx, dir, opts)
	var table bytes.Buffer
	require.NoError(t, labverify.WriteTable(&table, results, writes))
	t.Logf("verify in %.0fs:\n%s", time.Since(start).Seconds(), table.String())
	require.Len(t, results, len(steps(t, dir, opts)), "every scenario ran")
	for _, r := range results {
		assert.Empty(t, r.Misses, "scenario %q missed its targets", r.Step.Name)
	}

	changed = play(t, ctx, opts, site, "site.yml after verify")
	assert.Empty(t, changed, "the scenarios leave nothing for site.yml to change")
}

// play runs a playbook and returns, per host, the tasks that changed. A
// failed host fails the test with the run's output.
func play(t *testing.T, ctx context.Context, opts runner.Options, playbook, what string) map[string][]string {
	t.Helper()
	var out bytes.Buffer
	text := report.NewText(&out, 0, false)
	var mu sync.Mutex
	changed := map[string][]string{}
	opts.Reporter = executor.ReporterFunc(func(e executor.Event) {
		text.Event(e)
		if e.Kind == executor.HostResult && e.Status == executor.StatusChanged && !e.IsItem {
			mu.Lock()
			changed[e.Host] = append(changed[e.Host], e.Task.DisplayName())
			mu.Unlock()
		}
	})
	start := time.Now()
	stats, err := runner.Run(ctx, opts, playbook)
	require.NoError(t, err, "%s: %s", what, out.String())
	require.Equal(t, 0, stats.ExitCode(), "%s: %s", what, out.String())
	n := 0
	for _, h := range stats.Hosts() {
		n += stats.Host(h).Changed
	}
	t.Logf("%s: %d changed on %d hosts in %.0fs", what, n, len(changed), time.Since(start).Seconds())
	for _, h := range slices.Sorted(maps.Keys(changed)) {
		t.Logf("  %s changed: %s", h, strings.Join(changed[h], " | "))
	}
	return changed
}

// config loads verify.yml rendered with the variables of its vars_host,
// as `hactl lab verify` does.
func config(t *testing.T, dir string, opts runner.Options) (*labverify.Config, map[string][]string) {
	t.Helper()
	file := filepath.Join(dir, "verify.yml")
	cfg, err := labverify.LoadConfig(file)
	require.NoError(t, err)
	loaded, err := runner.Load(opts)
	require.NoError(t, err)
	inv := loaded.Inventory
	host := cfg.VarsHost
	if host == "" {
		host = inv.GroupsMap()["all"][0]
	}
	vars := maps.Clone(inv.HostVars(host))
	maps.Copy(vars, opts.HostOverrides[host])
	vars["inventory_hostname"] = host
	vars["groups"] = inv.GroupsMap()
	engine := template.New()
	require.NoError(t, cfg.Render(func(name, text string) (string, error) { return engine.Render(name, text, vars) }))
	return cfg, inv.GroupsMap()
}

// steps are the scenario steps of verify.yml (a group scenario gives one
// step per host).
func steps(t *testing.T, dir string, opts runner.Options) []labverify.Step {
	t.Helper()
	cfg, groups := config(t, dir, opts)
	s, err := cfg.Steps(groups)
	require.NoError(t, err)
	return s
}

// verify runs the scenarios of verify.yml; it reports whether writes were
// measured.
func verify(t *testing.T, ctx context.Context, dir string, opts runner.Options) ([]labverify.Result, bool) {
	t.Helper()
	cfg, _ := config(t, dir, opts)
	var log bytes.Buffer
	env := &labverify.LabEnv{Dir: dir, Run: opts, PlaybookDir: dir, Output: &log}
	r := &labverify.Runner{Config: cfg, Steps: steps(t, dir, opts), Env: env, Log: &log}
	results, err := r.Run(ctx)
	if err != nil || labverify.Missed(results) {
		t.Logf("verify log:\n%s", log.String())
	}
	require.NoError(t, err, "verify")
	return results, cfg.Writes != nil
}
