package galera_test

import (
	"context"
	dbsql "database/sql"
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
	_ "github.com/hactl/hactl/modules/mysql"
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
			"bind_address":            "0.0.0.0",
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
// idempotence, replication, a rolling restart on configuration drift
// while a client keeps writing, and a clean stop of every member brought
// back from the member that stopped last.
func TestGaleraLifecycle(t *testing.T) {
	c := newCluster(t)
	h1, h2, h3 := c.hosts[0], c.hosts[1], c.hosts[2]
	conf := "/etc/mysql/mariadb.conf.d/99-hactl-galera.cnf"
	probe := "systemctl is-active mariadb || true"

	ok := t.Run("bootstrap", func(t *testing.T) {
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

		sql(t, h1, "CREATE DATABASE lab; CREATE TABLE lab.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(20)); INSERT INTO lab.t (v) VALUES ('from-h1')")
		assert.Equal(t, "from-h1", sql(t, h3, "SELECT v FROM lab.t"), "replicated")
	})
	if !ok {
		return
	}

	ok = t.Run("rolling restart while a client writes", func(t *testing.T) {
		dbs := c.writerDBs(t)
		sql(t, h1, "CREATE TABLE lab.w (k INT PRIMARY KEY, member VARCHAR(8), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))")
		pids := []string{pid(t, h1), pid(t, h2), pid(t, h3)}
		pollers := []*modtest.Host{}
		for _, h := range c.lab {
			pollers = append(pollers, modtest.Connect(t, h.Name, h.Vars))
		}
		// The writer starts on h3, which the module restarts last.
		wr := startWriter(t, []string{"h1", "h2", "h3"}, dbs, 2, 100*time.Millisecond)
		w := watch(t, pollers)
		time.Sleep(2 * time.Second)
		drift := c.args(nil)
		drift["config"].(map[string]any)["max_connections"] = 77
		c.extra = drift["config"]
		start := time.Now()
		res := c.run(drift, false)
		took := time.Since(start)
		time.Sleep(2 * time.Second)
		acked, failed, failover, maxWait := wr.stop()
		st := w.stop()
		require.False(t, res.Failed, res.Msg)
		t.Logf("rolling restart of 3 members: %s; writes: %d acknowledged, %d failed, %d fail-overs to another member, slowest write %s; watcher: %d samples, min Synced %d, min serving %d, %d with a Donor/Desynced member, %d inconclusive\n%s",
			took.Round(100*time.Millisecond), len(acked), len(failed), failover, maxWait.Round(time.Millisecond),
			st.samples, st.minSynced, st.minServing, st.donor, st.inconclusive, res.Msg)
		assert.True(t, res.Changed)
		assert.Empty(t, failed, "writes without an acknowledgement")
		assert.Greater(t, len(acked), int(took/(time.Second)), "the writer kept writing (about one row per 100ms)")
		for i, db := range dbs {
			got, err := rowsOn(db)
			require.NoError(t, err, c.lab[i].Name)
			missing := 0
			for _, k := range acked {
				if !got[k] {
					missing++
				}
			}
			assert.Zero(t, missing, "acknowledged rows missing on %s (of %d)", c.lab[i].Name, len(acked))
			assert.Len(t, got, len(acked), "rows on %s", c.lab[i].Name)
		}
		// A member that comes back receives the writesets it missed by IST;
		// its donor shows Donor/Desynced while serving them and then Joined
		// while it applies what it queued meanwhile (longer under write
		// load), still Primary with wsrep_ready=ON, accepting queries. So:
		// never fewer than one Synced member and never fewer than two
		// serving (Primary and ready, whatever the local state) members.
		assert.GreaterOrEqual(t, st.minSynced, 1, "the last Synced member must never be restarted")
		assert.GreaterOrEqual(t, st.minServing, 2, "a rolling restart must keep 2 members serving")
		assert.Greater(t, st.samples, 5)
		assert.Less(t, st.inconclusive, st.samples/4+1, "too many failed probes")
		for i, h := range c.hosts {
			assert.NotEqual(t, pids[i], pid(t, h), "%s restarted", h.Name)
			assert.Equal(t, "77", sql(t, h, "SELECT @@max_connections"))
		}
	})
	if !ok {
		return
	}

	t.Run("clean stop of all, back from the last one stopped", func(t *testing.T) {
		sql(t, h2, "INSERT INTO lab.t (v) VALUES ('before-stop-1'), ('before-stop-2')")
		want := sql(t, h2, "SELECT COUNT(*) FROM lab.t")
		// h2 stops last, so it holds safe_to_bootstrap: 1 — not the first
		// member, which a fresh bootstrap would pick.
		for _, h := range []*modtest.Host{h1, h3, h2} {
			h.Sh(t, "systemctl stop mariadb")
		}
		grastate := func(h *modtest.Host) string {
			return strings.TrimSpace(h.Sh(t, "sed -n 's/^safe_to_bootstrap: *//p' /var/lib/mysql/grastate.dat"))
		}
		require.Equal(t, []string{"0", "1", "0"}, []string{grastate(h1), grastate(h2), grastate(h3)}, "safe_to_bootstrap after a clean stop")

		snap := h2.Snapshot(t, []string{"/var/lib/mysql/grastate.dat"}, probe)
		res := c.run(c.args(nil), true)
		require.False(t, res.Failed, res.Msg)
		assert.Contains(t, fmt.Sprint(res.Data["plan"]), "from the most advanced member h2")
		assert.Equal(t, snap, h2.Snapshot(t, []string{"/var/lib/mysql/grastate.dat"}, probe), "check mode changed nothing")

		start := time.Now()
		res = c.run(c.args(nil), false)
		require.False(t, res.Failed, res.Msg)
		t.Logf("restart after a clean stop of all: %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
		assert.Equal(t, "h2", res.Data["bootstrapped"], "the member that stopped last bootstraps")
		uuid := status(t, h2, "wsrep_cluster_state_uuid")
		assert.NotEmpty(t, uuid)
		for _, h := range c.hosts {
			assert.Equal(t, "3", status(t, h, "wsrep_cluster_size"), h.Name)
			assert.Equal(t, "Synced", status(t, h, "wsrep_local_state_comment"), h.Name)
			assert.Equal(t, uuid, status(t, h, "wsrep_cluster_state_uuid"), h.Name)
			assert.Equal(t, want, sql(t, h, "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM lab.t"), h.Name)
		}
		// Galera has now rewritten grastate.dat in place (space padded):
		// the next run still reads every member.
		res = c.run(c.args(nil), false)
		require.False(t, res.Failed, res.Msg)
		assert.False(t, res.Changed, "converged: %s", res.Msg)

		info, err := h1.Run(t, "galera_info", map[string]any{"members": []any{"h1", "h2", "h3"}}, true, false)
		require.NoError(t, err)
		assert.Equal(t, true, info.Data["healthy"], "%s: %v", info.Msg, info.Data["members"])
		assert.Len(t, info.Data["synced_members"], 3)
	})
}

// writerDBs creates the writer account with mysql_user on the first
// member (checking that the result never shows its password or hash) and
// opens one pool per member.
func (c *cluster) writerDBs(t *testing.T) []*dbsql.DB {
	const pw = "Wr1ter-s3cret-pw"
	h := c.hosts[0]
	res := h.MustRun(t, "mysql_user", map[string]any{"name": "writer", "host": "%", "password": pw, "priv": "lab.*:ALL"}, false, true)
	require.True(t, res.Changed)
	hash := sql(t, h, "SELECT authentication_string FROM mysql.user WHERE user = 'writer'")
	require.True(t, strings.HasPrefix(hash, "*"), hash)
	shown := fmt.Sprintf("%+v", res)
	assert.NotContains(t, shown, pw, "password in the mysql_user result")
	assert.NotContains(t, shown, hash, "password hash in the mysql_user result")
	addrs := make([]string, len(c.lab))
	for i, l := range c.lab {
		addrs[i] = l.Address
	}
	return writerDBs(t, addrs, "writer", pw)
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
				if ok {
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
