package todo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/runner"
)

// filrougeDir writes a lab directory with the fil-rouge's LB, database,
// registry and app tiers (no NFS tier) on addresses reserved for it, the
// front VIP reserved too, with copies of labs/filrouge's tier
// playbooks and group_vars (lb_vip rewritten to the reserved VIP).
func filrougeDir(t *testing.T) (dir, vip string) {
	t.Helper()
	if err := lab.CheckHost(); err != nil {
		t.Skipf("local lab unavailable, skipping: %v (CI runs these tests as root)", err)
	}
	name := fmt.Sprintf("t%x", time.Now().UnixNano()&0xffffffffff)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hosts := []string{"infra01", "infra02", "node1", "node2", "db01", "db02", "db03"}
	addrs, err := lab.ReserveAddresses(ctx, name, len(hosts))
	require.NoError(t, err)
	// The VIP is reserved under its own name: lab.Up replaces the lab's
	// reservations with its hosts' addresses, which would free it.
	vips, err := lab.ReserveAddresses(ctx, name+"-vip", 1)
	require.NoError(t, err)
	vip = vips[0].String()

	dir = t.TempDir()
	src := filepath.Join("..", "..", "labs", "filrouge")
	inv := "[lb]\ninfra01 vrrp_priority=101\ninfra02 vrrp_priority=51\n\n[registry]\ninfra01\n\n" +
		"[app]\nnode1\nnode2\n\n[galera]\ndb01\ndb02\ndb03\n\n[docker:children]\nregistry\napp\n"
	cfg := "name: " + name + "\nhosts:\n"
	for i, h := range hosts {
		docker := h == "infra01" || strings.HasPrefix(h, "node")
		cfg += fmt.Sprintf("  %s: {address: %s, docker: %t}\n", h, addrs[i], docker)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte(inv), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, lab.ConfigFile), []byte(cfg), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "files"), 0o755))
	for _, f := range []string{"lb.yml", "db.yml", "docker.yml", "app.yml",
		"group_vars/all.yml", "group_vars/app.yml", "group_vars/docker.yml",
		"group_vars/galera.yml", "group_vars/lb.yml", "group_vars/registry.yml"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		require.NoError(t, err)
		if f == "group_vars/all.yml" {
			re := regexp.MustCompile(`(?m)^lb_vip: .*$`)
			require.True(t, re.Match(data), "group_vars/all.yml defines lb_vip")
			data = re.ReplaceAll(data, []byte("lb_vip: "+vip))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir, vip
}

// playChanged runs a playbook and returns its number of changed tasks.
func playChanged(t *testing.T, ctx context.Context, opts runner.Options, playbook string) int {
	t.Helper()
	changed, _ := labtest.Play(t, ctx, opts, playbook)
	return labtest.Total(changed)
}

// TestFilrougeTiersOnLab deploys the fil-rouge's tiers from bare lab hosts
// with the roles (haproxy, keepalived, galera, docker, registry, app),
// checks that a second run changes nothing, then uses the app through the
// front VIP: writes are acknowledged and read back, a session is known to
// both app instances and survives the loss of one, and the database
// access point survives the loss of the active Galera member.
func TestFilrougeTiersOnLab(t *testing.T) {
	dir, vip := filrougeDir(t)
	labtest.Dir(t, dir)
	t.Cleanup(func() { // before the lab goes (cleanups run last-in first-out)
		if t.Failed() {
			diagnose(t, dir)
		}
	})
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	opts := labtest.PlayOptions(t, dir)
	opts.ExtraVars = map[string]any{"todo_src": repo}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tiers := []string{"lb.yml", "db.yml", "docker.yml", "app.yml"}

	start := time.Now()
	for _, p := range tiers {
		assert.Positive(t, playChanged(t, ctx, opts, filepath.Join(dir, p)), "first run of %s configures", p)
	}
	t.Logf("tiers played from bare hosts in %.1fs", time.Since(start).Seconds())
	start = time.Now()
	for _, p := range tiers {
		assert.Zero(t, playChanged(t, ctx, opts, filepath.Join(dir, p)), "second run of %s changes nothing", p)
	}
	t.Logf("second run in %.1fs", time.Since(start).Seconds())

	base := "http://" + vip
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 3 * time.Second}
	post := func(path, body string) (int, map[string]any) {
		resp, err := c.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, nil
		}
		defer func() { _ = resp.Body.Close() }()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	get := func(path string) (int, map[string]any) {
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, nil
		}
		defer func() { _ = resp.Body.Close() }()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}

	code, out := post("/login", `{"user": "springuser"}`)
	require.Equal(t, http.StatusOK, code)
	instances := map[string]bool{}
	for range 6 {
		code, out = get("/session")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, "springuser", out["user"])
		instances[fmt.Sprint(out["instance"])] = true
	}
	assert.Equal(t, map[string]bool{"node1": true, "node2": true}, instances, "both instances know the session")
	code, out = post("/items", `{"title": "before the faults"}`)
	require.Equal(t, http.StatusCreated, code)
	first := fmt.Sprint(out["id"])

	// An app node dies: the other serves the same session.
	require.NoError(t, lab.Kill(ctx, dir, "node1", lab.Options{}))
	assert.Eventually(t, func() bool {
		code, out := get("/session")
		return code == http.StatusOK && out["user"] == "springuser" && out["instance"] == "node2"
	}, 15*time.Second, 200*time.Millisecond, "the session survives node1")

	// The active Galera member dies: HAProxy moves the connections.
	require.NoError(t, lab.Kill(ctx, dir, "db01", lab.Options{}))
	killed := time.Now()
	var id string
	require.Eventually(t, func() bool {
		code, out := post("/items", `{"title": "after db01"}`)
		id = fmt.Sprint(out["id"])
		return code == http.StatusCreated
	}, 30*time.Second, 200*time.Millisecond, "writes resume without db01")
	t.Logf("writes resumed %.1fs after db01 was killed", time.Since(killed).Seconds())
	code, out = get("/items/" + first)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "before the faults", out["title"], "the write acknowledged before the fault is there")
	code, out = get("/items/" + id)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "after db01", out["title"])
	assert.Equal(t, "springuser", out["owner"])
}

// diagnose logs what explains a failed deployment: the app's logs, the
// load balancers' view of their servers, the Galera members' state.
func diagnose(t *testing.T, dir string) {
	for host, script := range map[string]string{
		"node1":   "docker ps -a; docker logs --tail 30 eni-todo",
		"infra01": "ip -br addr; echo 'show stat' | socat - /run/haproxy/admin.sock | cut -d, -f1,2,18,37,38,57",
		"infra02": "ip -br addr; echo 'show stat' | socat - /run/haproxy/admin.sock | cut -d, -f1,2,18,37,38,57",
		"db01":    "mariadb -e \"SHOW STATUS LIKE 'wsrep_cluster_s%'; SELECT user, host FROM mysql.user\"; ss -ltn",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd, err := lab.Command(ctx, dir, host, "sh", "-c", script+" 2>&1")
		if err == nil {
			var out []byte
			out, err = cmd.CombinedOutput()
			t.Logf("%s: %s\n%s", host, script, out)
		}
		if err != nil {
			t.Logf("%s: %v", host, err)
		}
		cancel()
	}
}
