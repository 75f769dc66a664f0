package labverify_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/labverify"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/roles"
)

// swarmLab is the lab directory of the Mutuelle Just cluster.
var swarmLab = filepath.Join("..", "..", "labs", "swarm")

// playOutput runs a playbook and returns its stats' exit code, the changed
// tasks and the text output.
func playOutput(t *testing.T, ctx context.Context, opts runner.Options, playbook string) (int, int, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Reporter = report.NewText(&out, 0, false)
	stats, err := runner.Run(ctx, opts, playbook)
	require.NoError(t, err, "%s", out.String())
	changed := 0
	for _, h := range stats.Hosts() {
		changed += stats.Host(h).Changed
	}
	return stats.ExitCode(), changed, out.String()
}

// TestSwarmBookLayoutIsRefused plays labs/swarm/site.yml against the
// book's two-manager layout (hosts-book.ini): the swarm role's inventory
// lint, the first play, must stop the whole run before any host is
// reached, saying why two managers cannot lose either one. The fixed
// layout (hosts) passes the same lint. No lab is needed: the lint reads
// the inventory only.
func TestSwarmBookLayoutIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := runner.Options{
		Inventories: []string{filepath.Join(swarmLab, "hosts-book.ini")},
		RoleFS:      roles.FS(),
	}
	code, changed, out := playOutput(t, ctx, opts, filepath.Join(swarmLab, "site.yml"))
	assert.Equal(t, 2, code, "a host failed: %s", out)
	assert.Zero(t, changed)
	assert.Contains(t, out, "unsafe manager layout in group swarm_managers")
	assert.Contains(t, out, "2 managers (mj-m1, mj-m2) is an even number")
	assert.Contains(t, out, "losing EITHER one loses")
	assert.Contains(t, out, "Add a manager as tie-breaker")
	assert.Contains(t, out, "failure domain(s) hv1 (1 of 2) hv2 (1 of 2)")
	assert.NotContains(t, out, "The lab registry", "no play after the lint")
	assert.NotContains(t, out, "UNREACHABLE", "the lint contacts no host")

	lint := filepath.Join(t.TempDir(), "lint.yml")
	require.NoError(t, os.WriteFile(lint, []byte(`- hosts: all
  gather_facts: false
  connection: local
  tasks:
    - import_role: {name: swarm, tasks_from: lint.yml}
`), 0o644))
	opts.Inventories = []string{filepath.Join(swarmLab, "hosts")}
	code, _, out = playOutput(t, ctx, opts, lint)
	assert.Equal(t, 0, code, "the fixed layout is safe: %s", out)
}

// TestSwarmLab brings up labs/swarm (eight hosts, seven running dockerd),
// plays site.yml from bare hosts, plays it again (no change), checks that
// every worker's whoami task answers through the proxy, then runs the
// lab's verify scenarios that lose either half's manager (kill, cut) or a
// whole half (its manager and two workers at once): the service answers
// again within 10 s and the swarm stays manageable (a node update goes
// through Raft on a surviving manager; the tie-breaker keeps quorum).
func TestSwarmLab(t *testing.T) {
	if testing.Short() {
		t.Skip("the swarm lab takes minutes: skipped with -short")
	}
	dir, err := filepath.Abs(swarmLab)
	require.NoError(t, err)
	labtest.Dir(t, dir)
	t.Cleanup(func() { // before the lab goes (cleanups run last-in first-out)
		if t.Failed() {
			diagnoseSwarm(t, dir)
		}
	})
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	opts := labtest.PlayOptions(t, dir)
	opts.ExtraVars = map[string]any{"whoami_src": repo}
	cv := opts.HostOverrides
	ctx, cancel := context.WithTimeout(context.Background(), 18*time.Minute)
	defer cancel()
	site := filepath.Join(dir, "site.yml")

	start := time.Now()
	code, changed, out := playOutput(t, ctx, opts, site)
	require.Equal(t, 0, code, "%s", out)
	assert.Positive(t, changed, "the first run configures")
	t.Logf("site.yml from bare hosts in %.1fs (%d changed tasks)", time.Since(start).Seconds(), changed)
	start = time.Now()
	code, changed, out = playOutput(t, ctx, opts, site)
	require.Equal(t, 0, code, "%s", out)
	assert.Zero(t, changed, "the second run changes nothing: %s", out)
	t.Logf("second run in %.1fs", time.Since(start).Seconds())

	// HAProxy round-robins over the six workers' tasks (the arbiter is
	// drained): every container answers within a few rounds.
	front := "http://" + fmt.Sprint(cv["mj-lb"]["ansible_host"]) + "/"
	containers := map[string]bool{}
	c := &http.Client{Timeout: 3 * time.Second}
	for range 36 {
		resp, err := c.Get(front)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		f := strings.Fields(string(body))
		require.NotEmpty(t, f)
		containers[f[0]] = true
	}
	assert.Len(t, containers, 6, "one whoami task per worker answers through the proxy: %v", slices.Sorted(maps.Keys(containers)))

	results, table := verifySwarm(t, ctx, dir, opts, "kill manager", "lose host", "cut manager")
	t.Logf("\n%s", table)
	require.Len(t, results, 6)
	for _, r := range results {
		assert.Empty(t, r.Misses, "%s", r.Step.Name)
		require.Len(t, r.Checks, 1, "%s", r.Step.Name)
		assert.True(t, r.Checks[0].OK, "%s: the swarm stays manageable: %+v", r.Step.Name, r.Checks[0])
		assert.NotContains(t, r.Step.Hosts, r.Checks[0].Host, "%s: the check ran on a surviving manager", r.Step.Name)
		assert.True(t, r.Outcome.Recovered, "%s", r.Step.Name)
		assert.LessOrEqual(t, r.Outcome.Outage, 10*time.Second, "%s", r.Step.Name)
		assert.Positive(t, r.Outcome.Requests, "%s", r.Step.Name)
		t.Logf("%s: %d requests, %d failed, longest outage %s, manageable %s after the fault on %s",
			r.Step.Name, r.Outcome.Requests, r.Outcome.Failed, r.Outcome.Outage, r.Checks[0].After.Round(100*time.Millisecond), r.Checks[0].Host)
	}
	assert.False(t, labverify.Missed(results))
}

// verifySwarm runs the named scenarios of labs/swarm/verify.yml as hactl
// lab verify does and returns the results and the table.
func verifySwarm(t *testing.T, ctx context.Context, dir string, opts runner.Options, only ...string) ([]labverify.Result, string) {
	t.Helper()
	cfg, err := labverify.LoadConfig(filepath.Join(dir, "verify.yml"))
	require.NoError(t, err)
	cfg.Scenarios = slices.DeleteFunc(cfg.Scenarios, func(s labverify.Scenario) bool { return !slices.Contains(only, s.Name) })
	require.NotEmpty(t, cfg.Scenarios)
	loaded, err := runner.Load(opts)
	require.NoError(t, err)
	inv := loaded.Inventory
	vars := maps.Clone(inv.HostVars(cfg.VarsHost))
	maps.Copy(vars, opts.HostOverrides[cfg.VarsHost])
	vars["inventory_hostname"] = cfg.VarsHost
	vars["groups"] = inv.GroupsMap()
	engine := template.New()
	require.NoError(t, cfg.Render(func(name, text string) (string, error) { return engine.Render(name, text, vars) }))
	steps, err := cfg.Steps(inv.GroupsMap())
	require.NoError(t, err)
	var log bytes.Buffer
	env := &labverify.LabEnv{Dir: dir, Run: opts, PlaybookDir: dir, Output: &log}
	start := time.Now()
	results, err := (&labverify.Runner{Config: cfg, Steps: steps, Env: env, Log: &log}).Run(ctx)
	t.Logf("verify (%d steps) in %.1fs:\n%s", len(steps), time.Since(start).Seconds(), log.String())
	require.NoError(t, err)
	var table bytes.Buffer
	require.NoError(t, labverify.WriteTable(&table, results, false))
	return results, table.String()
}

// diagnoseSwarm logs what explains a failure: the swarm's nodes and
// tasks, the proxy's view of its servers.
func diagnoseSwarm(t *testing.T, dir string) {
	t.Helper()
	for _, hs := range [][2]string{
		{"mj-m2", "docker node ls; docker service ps whoami"},
		{"mj-lb", "echo 'show stat' | socat - /run/haproxy/admin.sock | cut -d, -f1,2,18,37,38,57"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd, err := lab.Command(ctx, dir, hs[0], "sh", "-c", hs[1])
		if err == nil {
			out, _ := cmd.CombinedOutput()
			t.Logf("%s: %s\n%s", hs[0], hs[1], out)
		}
		cancel()
	}
}
