package galera_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// noRestart is a runtime drop-in that keeps systemd from restarting a
// killed server by itself (the unit says Restart=on-abort), so a SIGKILL
// leaves the member down as a crash or power loss would.
const noRestart = "mkdir -p /run/systemd/system/mariadb.service.d && " +
	"printf '[Service]\\nRestart=no\\n' > /run/systemd/system/mariadb.service.d/lab-no-restart.conf && systemctl daemon-reload"

// TestGaleraCrashRecovery kills every mysqld with SIGKILL: the bootstrap is
// refused without allow_unsafe_bootstrap and, with it, done from the
// member with the highest recovered seqno, losing no committed row. Then
// a crash with one member cut off is refused and recovered with the flag.
func TestGaleraCrashRecovery(t *testing.T) {
	c := newCluster(t)
	start := time.Now()
	res := c.run(c.args(nil), false)
	require.False(t, res.Failed, res.Msg)
	t.Logf("bootstrap + 2 joins: %s", time.Since(start).Round(100*time.Millisecond))
	h1, h2, h3 := c.hosts[0], c.hosts[1], c.hosts[2]
	sql(t, h1, "CREATE DATABASE lab; CREATE TABLE lab.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(20))")
	for _, h := range c.hosts {
		h.Sh(t, noRestart)
	}
	grastate := "/var/lib/mysql/grastate.dat"
	probe := "systemctl is-active mariadb || true"

	ok := t.Run("SIGKILL of every mysqld", func(t *testing.T) {
		insertRows(t, h1, "all", 20)
		// h3 dies first; h1 and h2 keep a Primary majority and take more
		// rows, so they are ahead of h3 when they are killed too.
		killMysqld(t, h3)
		waitStatus(t, h1, "wsrep_cluster_size", "2")
		insertRows(t, h1, "h1h2", 20)
		want := sql(t, h1, "SELECT COUNT(*) FROM lab.t")
		require.Equal(t, "40", want)
		killMysqld(t, h1, h2)
		snaps := make([]string, 3)
		for i, h := range c.hosts {
			assert.Contains(t, h.Sh(t, "cat "+grastate), "safe_to_bootstrap: 0", h.Name)
			require.Regexp(t, `(?m)^seqno:\s+-1$`, h.Sh(t, "cat "+grastate), "%s crashed: position unknown", h.Name)
			snaps[i] = h.Snapshot(t, []string{grastate}, probe)
		}

		res := c.run(c.args(nil), true)
		assert.True(t, res.Failed, "check mode predicts the refusal")
		assert.Contains(t, res.Msg, "would refuse to bootstrap")
		assert.Contains(t, res.Msg, "did not shut down cleanly")

		start := time.Now()
		res = c.run(c.args(nil), false)
		t.Logf("refused recovery (positions recovered): %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
		require.True(t, res.Failed, "a crash of every member is refused without allow_unsafe_bootstrap")
		assert.Contains(t, res.Msg, "refusing to bootstrap")
		assert.Contains(t, res.Msg, "did not shut down cleanly")
		assert.Contains(t, res.Msg, "allow_unsafe_bootstrap: true")
		assert.Contains(t, res.Msg, "recovered seqno", "the election table is in the message")
		cand := fmt.Sprint(res.Data["candidate"])
		assert.Contains(t, res.Msg, "the member that would bootstrap is "+cand)
		rec := recovered(t, res)
		for _, n := range []string{"h1", "h2", "h3"} {
			assert.LessOrEqual(t, rec[n], rec[cand], "the candidate has the highest recovered seqno")
		}
		assert.Less(t, rec["h3"], rec[cand], "h3 died first and is behind")
		assert.Contains(t, []string{"h1", "h2"}, cand)
		for i, h := range c.hosts {
			assert.Equal(t, snaps[i], h.Snapshot(t, []string{grastate}, probe), "%s: refused run changed grastate or started the server", h.Name)
		}

		start = time.Now()
		res = c.run(c.args(map[string]any{"allow_unsafe_bootstrap": true}), false)
		require.False(t, res.Failed, res.Msg)
		t.Logf("recovery after SIGKILL of every mysqld: %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
		assert.Equal(t, cand, res.Data["bootstrapped"], "the highest recovered seqno bootstraps")
		for _, h := range c.hosts {
			assert.Equal(t, "3", status(t, h, "wsrep_cluster_size"), h.Name)
			assert.Equal(t, "Synced", status(t, h, "wsrep_local_state_comment"), h.Name)
			assert.Equal(t, want, sql(t, h, "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM lab.t"), "no committed row lost on %s", h.Name)
		}
	})
	if !ok {
		return
	}

	t.Run("crash with a member cut off", func(t *testing.T) {
		insertRows(t, h2, "cut", 5)
		want := sql(t, h2, "SELECT COUNT(*) FROM lab.t")
		killMysqld(t, h1, h2, h3)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		require.NoError(t, lab.Cut(ctx, c.lab[2].LabDir, "h3"))
		healed := false
		t.Cleanup(func() {
			if !healed {
				_ = lab.Heal(context.Background(), c.lab[2].LabDir, "h3")
			}
		})
		res := c.run(c.args(nil), true)
		assert.True(t, res.Failed, "check mode predicts the refusal")
		assert.Contains(t, res.Msg, "h3 is unreachable")
		res = c.run(c.args(nil), false)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "refusing to bootstrap")
		assert.Contains(t, res.Msg, "h3 is unreachable")
		assert.Contains(t, res.Msg, "safe_to_bootstrap", "the election table is in the message")
		assert.Equal(t, "failed", strings.TrimSpace(c.hosts[0].Sh(t, "systemctl is-active mariadb || true")))

		start := time.Now()
		res = c.run(c.args(map[string]any{"allow_unsafe_bootstrap": true}), false)
		require.False(t, res.Failed, res.Msg)
		t.Logf("unsafe recovery with h3 cut off: %s\n%s", time.Since(start).Round(100*time.Millisecond), res.Msg)
		assert.Equal(t, "2", status(t, c.hosts[0], "wsrep_cluster_size"))

		require.NoError(t, lab.Heal(ctx, c.lab[2].LabDir, "h3"))
		healed = true
		c.reconnect()
		res = c.run(c.args(nil), false)
		require.False(t, res.Failed, res.Msg)
		assert.Contains(t, fmt.Sprint(res.Data["plan"]), "join h3")
		assert.Equal(t, "3", status(t, c.hosts[2], "wsrep_cluster_size"))
		assert.Equal(t, want, sql(t, c.hosts[2], "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM lab.t"))
	})
}

// insertRows commits n rows, one autocommitted INSERT each; the client
// fails on the first one not acknowledged.
func insertRows(t *testing.T, h *modtest.Host, tag string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "INSERT INTO lab.t (v) VALUES ('%s-%d');", tag, i)
	}
	sql(t, h, b.String())
}

// killMysqld sends SIGKILL to the server on every host at once and waits
// until it is gone.
func killMysqld(t *testing.T, hs ...*modtest.Host) {
	t.Helper()
	script := `p=$(systemctl show -p MainPID --value mariadb); [ "$p" -gt 0 ] || exit 3; kill -9 "$p"; ` +
		`for i in $(seq 100); do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.1; done; exit 4`
	errs := make([]error, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r, err := h.Conn.Run(ctx, script, transport.RunOpts{})
			if err == nil && r.RC != 0 {
				err = fmt.Errorf("exit status %d: %s", r.RC, r.Stderr)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "SIGKILL mysqld on %s", hs[i].Name)
	}
}

// waitStatus polls a wsrep status variable until it has the value.
func waitStatus(t *testing.T, h *modtest.Host, name, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for got := ""; ; time.Sleep(500 * time.Millisecond) {
		if got = status(t, h, name); got == want {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s on %s is %q, want %q", name, h.Name, got, want)
	}
}

// recovered reads each member's recovered seqno from the election table.
func recovered(t *testing.T, res module.Result) map[string]int64 {
	t.Helper()
	b, err := json.Marshal(res.Data["election"])
	require.NoError(t, err)
	var rows []struct {
		Member    string `json:"member"`
		Recovered int64  `json:"recovered_seqno"`
	}
	require.NoError(t, json.Unmarshal(b, &rows))
	require.Len(t, rows, 3, string(b))
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Member] = r.Recovered
	}
	return out
}
