package galera_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/galera"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// cluster is a 3-host lab with connections that can be renewed after
// a host is killed and booted again.
type cluster struct {
	t     *testing.T
	lab   []labtest.Host
	hosts []*modtest.Host
	extra any // config overriding the default one
}

func newCluster(t *testing.T) *cluster {
	c := &cluster{t: t, lab: labtest.Hosts(t, 3, labtest.Options{})}
	c.reconnect()
	return c
}

// reconnect opens fresh connections and gives the first host the
// hostvars of all three.
func (c *cluster) reconnect() {
	c.hosts = make([]*modtest.Host, len(c.lab))
	hv := map[string]any{}
	for i, h := range c.lab {
		c.hosts[i] = modtest.Connect(c.t, h.Name, h.Vars)
		c.hosts[i].Sh(c.t, "systemctl is-system-running --wait >/dev/null || true")
		hv[h.Name] = h.Vars
	}
	c.hosts[0].Vars["hostvars"] = hv
}

func (c *cluster) args(extra map[string]any) map[string]any {
	a := map[string]any{
		"members":         []any{"h1", "h2", "h3"},
		"cluster_name":    "labtest",
		"connect_timeout": 5,
		"timeout":         180,
		"config": map[string]any{
			"innodb_buffer_pool_size": "32M",
			"wsrep_provider_options":  "gcache.size=16M",
			"performance_schema":      "OFF",
		},
	}
	if c.extra != nil {
		a["config"] = c.extra
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func (c *cluster) run(args map[string]any, check bool) module.Result {
	c.t.Helper()
	res, err := c.hosts[0].Run(c.t, "galera_cluster", args, check, true)
	require.NoError(c.t, err)
	return res
}

func sql(t *testing.T, h *modtest.Host, q string) string {
	t.Helper()
	return strings.TrimSpace(h.Sh(t, "mariadb --batch --raw --skip-column-names -e "+shq(q)))
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func pid(t *testing.T, h *modtest.Host) string {
	return strings.TrimSpace(h.Sh(t, "systemctl show -p MainPID --value mariadb"))
}

func status(t *testing.T, h *modtest.Host, v string) string {
	out := sql(t, h, "SHOW GLOBAL STATUS LIKE '"+v+"'")
	_, val, _ := strings.Cut(out, "\t")
	return val
}

// TestGaleraLifecycle drives one 3-node cluster through bootstrap,
// idempotence, a rolling restart, replication, a full outage with
// recovery from the most advanced member, and a refused unsafe
// bootstrap.
func TestGaleraLifecycle(t *testing.T) {
	c := newCluster(t)
	h1, h2, h3 := c.hosts[0], c.hosts[1], c.hosts[2]
	conf := "/etc/mysql/mariadb.conf.d/99-hactl-galera.cnf"
	probe := "systemctl is-active mariadb || true"

	// Check mode on fresh hosts: a plan, no change.
	before := []string{h1.Snapshot(t, []string{conf}, probe), h2.Snapshot(t, []string{conf}, probe)}
	res := c.run(c.args(nil), true)
	require.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	plan := fmt.Sprint(res.Data["plan"])
	assert.Contains(t, plan, "bootstrap a new cluster on h1")
	assert.Contains(t, plan, "join h2")
	assert.Contains(t, plan, "join h3")
	assert.NotEmpty(t, res.Diff, "diff mode shows the config files")
	assert.Equal(t, before, []string{h1.Snapshot(t, []string{conf}, probe), h2.Snapshot(t, []string{conf}, probe)})

	// Bootstrap.
	start := time.Now()
	res = c.run(c.args(nil), false)
	require.False(t, res.Failed, res.Msg)
	t.Logf("bootstrap + 2 joins: %s", time.Since(start).Round(100*time.Millisecond))
	assert.True(t, res.Changed)
	assert.Equal(t, "h1", res.Data["bootstrapped"])
	for _, h := range c.hosts {
		assert.Equal(t, "3", status(t, h, "wsrep_cluster_size"), h.Name)
		assert.Equal(t, "Synced", status(t, h, "wsrep_local_state_comment"), h.Name)
		assert.Contains(t, h.Sh(t, "cat "+conf), "wsrep_node_name = "+h.Name)
	}

	// Second run: no change, no restart.
	pids := []string{pid(t, h1), pid(t, h2), pid(t, h3)}
	res = c.run(c.args(nil), false)
	require.False(t, res.Failed, res.Msg)
	assert.False(t, res.Changed, res.Msg)
	assert.Equal(t, pids, []string{pid(t, h1), pid(t, h2), pid(t, h3)})
	res = c.run(c.args(nil), true)
	assert.False(t, res.Changed, "check mode on a converged cluster")

	// Replication.
	sql(t, h1, "CREATE DATABASE lab; CREATE TABLE lab.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(20)); INSERT INTO lab.t (v) VALUES ('from-h1')")
	assert.Equal(t, "from-h1", sql(t, h3, "SELECT v FROM lab.t"))

	// Config drift: rolling restart, never fewer than 2 Synced members.
	pollers := []*modtest.Host{}
	for _, h := range c.lab {
		pollers = append(pollers, modtest.Connect(t, h.Name, h.Vars))
	}
	w := watch(t, pollers)
	drift := c.args(nil)
	drift["config"].(map[string]any)["max_connections"] = 77
	c.extra = drift["config"]
	start = time.Now()
	res = c.run(drift, false)
	st := w.stop()
	require.False(t, res.Failed, res.Msg)
	t.Logf("rolling restart of 3 members: %s, %d samples, min Synced %d, min serving %d, %d samples with a Donor/Desynced member, %d inconclusive\n%s\n%s",
		time.Since(start).Round(100*time.Millisecond), st.samples, st.minSynced, st.minServing, st.donor, st.inconclusive, res.Msg,
		h1.Sh(t, "journalctl -u mariadb -o cat | grep -E 'IST|SST' | tail -4"))
	assert.True(t, res.Changed)
	// A member that comes back receives the writesets it missed by IST;
	// its donor shows Donor/Desynced for about a second while serving
	// them, still Primary and accepting queries. So: never fewer than one
	// Synced member and never fewer than two serving (Primary, ready,
	// Synced or donating) members.
	assert.GreaterOrEqual(t, st.minSynced, 1, "the last Synced member must never be restarted")
	assert.GreaterOrEqual(t, st.minServing, 2, "a rolling restart must keep 2 members serving")
	assert.Greater(t, st.samples, 5)
	assert.Less(t, st.inconclusive, st.samples/4+1, "too many failed probes")
	for i, h := range c.hosts {
		assert.NotEqual(t, pids[i], pid(t, h), "%s restarted", h.Name)
		assert.Equal(t, "77", sql(t, h, "SELECT @@max_connections"))
	}

	// Full outage: h2 and h3 leave cleanly, h1 takes more writes, then
	// every host loses power.
	h2.Sh(t, "systemctl stop mariadb")
	h3.Sh(t, "systemctl stop mariadb")
	sql(t, h1, "INSERT INTO lab.t (v) VALUES ('only-h1-a'), ('only-h1-b')")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, h := range c.lab {
		require.NoError(t, lab.Kill(ctx, h.LabDir, h.Name, lab.Options{}))
	}
	for _, h := range c.lab {
		require.NoError(t, lab.Start(ctx, h.LabDir, h.Name, lab.Options{}))
	}
	c.reconnect()
	h1, h2, h3 = c.hosts[0], c.hosts[1], c.hosts[2]
	h1.Sh(t, "grep -Eq '^seqno: +-1' /var/lib/mysql/grastate.dat") // crashed: position unknown

	// Check mode predicts the recovery and changes nothing.
	snap := h1.Snapshot(t, []string{"/var/lib/mysql/grastate.dat", conf}, probe)
	res = c.run(c.args(nil), true)
	require.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	assert.Contains(t, fmt.Sprint(res.Data["plan"]), "recover the position of h1")
	assert.Equal(t, snap, h1.Snapshot(t, []string{"/var/lib/mysql/grastate.dat", conf}, probe))

	start = time.Now()
	res = c.run(c.args(nil), false)
	require.False(t, res.Failed, res.Msg)
	t.Logf("recovery after full outage: %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
	assert.Equal(t, "h1", res.Data["bootstrapped"], "the most advanced member bootstraps")
	for _, h := range c.hosts {
		assert.Equal(t, "3", sql(t, h, "SELECT COUNT(*) FROM lab.t"), h.Name)
		assert.Equal(t, "3", status(t, h, "wsrep_cluster_size"))
	}

	// Second outage, everyone crashes at once; h3 is cut off: refuse.
	for _, h := range c.lab {
		require.NoError(t, lab.Kill(ctx, h.LabDir, h.Name, lab.Options{}))
	}
	for _, h := range c.lab {
		require.NoError(t, lab.Start(ctx, h.LabDir, h.Name, lab.Options{}))
	}
	c.reconnect()
	h1, h2, h3 = c.hosts[0], c.hosts[1], c.hosts[2]
	require.NoError(t, lab.Cut(ctx, c.lab[2].LabDir, "h3"))
	healed := false
	t.Cleanup(func() {
		if !healed {
			_ = lab.Heal(context.Background(), c.lab[2].LabDir, "h3")
		}
	})
	res = c.run(c.args(nil), true)
	assert.True(t, res.Failed, "check mode predicts the refusal")
	assert.Contains(t, res.Msg, "h3 is unreachable")
	res = c.run(c.args(nil), false)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "refusing to bootstrap")
	assert.Contains(t, res.Msg, "h3 is unreachable")
	assert.Contains(t, res.Msg, "safe_to_bootstrap", "the election table is in the message")
	assert.Equal(t, "inactive", strings.TrimSpace(h1.Sh(t, "systemctl is-active mariadb || true")))

	start = time.Now()
	res = c.run(c.args(map[string]any{"allow_unsafe_bootstrap": true}), false)
	require.False(t, res.Failed, res.Msg)
	t.Logf("unsafe recovery with h3 cut off: %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
	assert.Equal(t, "2", status(t, h1, "wsrep_cluster_size"))

	require.NoError(t, lab.Heal(ctx, c.lab[2].LabDir, "h3"))
	healed = true
	c.reconnect()
	h1, h3 = c.hosts[0], c.hosts[2]
	res = c.run(c.args(nil), false)
	require.False(t, res.Failed, res.Msg)
	assert.Contains(t, fmt.Sprint(res.Data["plan"]), "join h3")
	assert.Equal(t, "3", status(t, h3, "wsrep_cluster_size"))
	assert.Equal(t, "3", sql(t, h3, "SELECT COUNT(*) FROM lab.t"))

	info, err := h1.Run(t, "galera_info", map[string]any{"members": []any{"h1", "h2", "h3"}}, true, false)
	require.NoError(t, err)
	assert.Equal(t, true, info.Data["healthy"], info.Msg)
	assert.Len(t, info.Data["synced_members"], 3)
}

// watcher samples every member's wsrep state until stopped.
type watcher struct {
	done chan struct{}
	wg   sync.WaitGroup
	st   watchStats
}

type watchStats struct{ samples, minSynced, minServing, donor, inconclusive int }

// watch polls wsrep_local_state_comment, wsrep_ready and
// wsrep_cluster_status on every host every 300ms.
func watch(t *testing.T, hosts []*modtest.Host) *watcher {
	w := &watcher{done: make(chan struct{}), st: watchStats{minSynced: len(hosts), minServing: len(hosts)}}
	q := "mariadb -N -B --connect-timeout=5 -e \"SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_ready','wsrep_cluster_status')\" 2>/dev/null || echo down"
	w.wg.Go(func() {
		for {
			select {
			case <-w.done:
				return
			case <-time.After(300 * time.Millisecond):
			}
			states := make([]string, len(hosts))
			var inner sync.WaitGroup
			for i, h := range hosts {
				inner.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if r, err := h.Conn.Run(ctx, q, transport.RunOpts{}); err == nil {
						states[i] = strings.Join(strings.Fields(string(r.Stdout)), " ")
					}
				})
			}
			inner.Wait()
			if slices.Contains(states, "") {
				// The probe itself (SSH) failed on a loaded machine: this
				// sample says nothing about the cluster.
				w.st.inconclusive++
				continue
			}
			synced, serving, donor := 0, 0, false
			for _, s := range states {
				ok := strings.Contains(s, "wsrep_cluster_status Primary") && strings.Contains(s, "wsrep_ready ON")
				if ok && strings.Contains(s, "Synced") {
					synced++
				}
				if ok && (strings.Contains(s, "Synced") || strings.Contains(s, "Donor/Desynced")) {
					serving++
				}
				donor = donor || strings.Contains(s, "Donor")
			}
			w.st.samples++
			if donor {
				w.st.donor++
			}
			if synced < 2 {
				t.Logf("sample %d: %q", w.st.samples, states)
			}
			w.st.minSynced = min(w.st.minSynced, synced)
			w.st.minServing = min(w.st.minServing, serving)
		}
	})
	return w
}

func (w *watcher) stop() watchStats {
	close(w.done)
	w.wg.Wait()
	return w.st
}
