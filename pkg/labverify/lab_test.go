package labverify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/labverify"
	"github.com/hactl/hactl/pkg/runner"
)

// lbLab writes a lab directory with the fil-rouge's LB and app tiers
// (infra01/infra02 with their VRRP priorities, node1/node2) on addresses
// reserved for it, plus one more reserved address for the front VIP
// (lb_vip in its group_vars), and copies the fil-rouge's LB-tier and
// rolling-update playbooks into it: played from there, they see this lab's
// variables and not those of the other fil-rouge tiers.
func lbLab(t *testing.T) (dir, vip string) {
	t.Helper()
	if err := lab.CheckHost(); err != nil {
		t.Skipf("local lab unavailable, skipping: %v (CI runs these tests as root)", err)
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "t" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addrs, err := lab.ReserveAddresses(ctx, name, 5)
	require.NoError(t, err)
	dir = t.TempDir()
	hosts := "[lb]\ninfra01 vrrp_priority=101\ninfra02 vrrp_priority=51\n\n[app]\nnode1\nnode2\n"
	cfg := fmt.Sprintf("name: %s\nhosts:\n  infra01: {address: %s}\n  infra02: {address: %s}\n  node1: {address: %s}\n  node2: {address: %s}\n",
		name, addrs[0], addrs[1], addrs[2], addrs[3])
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, lab.ConfigFile), []byte(cfg), 0o644))
	vip = addrs[4].String()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "group_vars"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "group_vars", "all.yml"), []byte("lb_vip: "+vip+"\n"), 0o644))
	for _, f := range []string{"lb.yml", "rolling-update.yml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "labs", "filrouge", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir, vip
}

// standIn runs python3's http.server on port 8080 as the enabled unit
// "standin" (what the rolling update restarts; it comes back with a killed
// host).
func standIn(t *testing.T, dir, host string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := lab.Command(ctx, dir, host, "sh", "-c",
		"mkdir -p /srv/www && hostname > /srv/www/index.html && echo ok > /srv/www/healthz && "+
			"printf '[Service]\\nWorkingDirectory=/srv/www\\nExecStart=/usr/bin/python3 -m http.server 8080\\n[Install]\\nWantedBy=multi-user.target\\n' >/etc/systemd/system/standin.service && "+
			"systemctl daemon-reload && systemctl enable --now standin && "+
			"for i in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1")
	require.NoError(t, err)
	out, err := c.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// play runs a playbook on the lab and returns the total of changed tasks.
func play(t *testing.T, ctx context.Context, opts runner.Options, playbook string) int {
	t.Helper()
	changed, _ := labtest.Play(t, ctx, opts, playbook)
	return labtest.Total(changed)
}

// TestLBTierOnLab plays the fil-rouge's LB tier (labs/filrouge/lb.yml: the
// haproxy and keepalived roles) in front of two stand-in backends
// (python3 -m http.server until the app tier is played in this test too), checks
// that a second run changes nothing, then measures with labverify: killing
// each load balancer in turn (the VIP moves within 10 s) and a rolling update
// of the backends with drain (no failed request).
func TestLBTierOnLab(t *testing.T) {
	dir, vip := lbLab(t)
	labtest.Dir(t, dir)
	for _, h := range []string{"node1", "node2"} {
		standIn(t, dir, h)
	}
	opts := labtest.PlayOptions(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	start := time.Now()
	assert.Positive(t, play(t, ctx, opts, filepath.Join(dir, "lb.yml")), "first run configures")
	t.Logf("LB tier played in %.1fs", time.Since(start).Seconds())
	assert.Zero(t, play(t, ctx, opts, filepath.Join(dir, "lb.yml")), "second run changes nothing")

	cfg, err := labverify.ParseConfig([]byte(fmt.Sprintf(`
target: http://%s/
client: {interval: 50ms, timeout: 1s}
defaults: {before: 1s, after: 3s, observe: 8s, recovery_timeout: 30s}
scenarios:
  - name: kill
    fault: kill
    group: lb
    max_recovery: 10s
  - name: rolling update
    playbook: rolling-update.yml
    extra_vars: {app_update_command: systemctl restart standin}
    max_failed: 0
`, vip)))
	require.NoError(t, err)
	steps, err := cfg.Steps(map[string][]string{"lb": {"infra01", "infra02"}})
	require.NoError(t, err)
	var log bytes.Buffer
	r := &labverify.Runner{Config: cfg, Steps: steps, Env: &labverify.LabEnv{Dir: dir, Run: opts, PlaybookDir: dir, Output: &log}, Log: &log}
	results, err := r.Run(ctx)
	t.Log(log.String())
	require.NoError(t, err)
	var table bytes.Buffer
	require.NoError(t, labverify.WriteTable(&table, results, false))
	t.Logf("\n%s", table.String())
	require.Len(t, results, 3)

	failed := 0
	for _, res := range results[:2] {
		assert.Empty(t, res.Misses, res.Step.Name)
		assert.True(t, res.Outcome.Recovered, res.Step.Name)
		assert.LessOrEqual(t, res.Outcome.Outage, 10*time.Second, res.Step.Name)
		failed += res.Outcome.Failed
	}
	assert.Positive(t, failed, "killing the VIP holder fails some requests: the client sees the fault")
	roll := results[2]
	assert.Empty(t, roll.Misses)
	assert.Zero(t, roll.Outcome.Failed, "rolling update with drain")
	assert.Greater(t, roll.Outcome.Requests, 50)
	assert.True(t, strings.Contains(table.String(), "rolling update"))
}
