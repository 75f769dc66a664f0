package galera

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
)

const uuidA = "5ee99582-bb8d-11e2-b8e3-23de375c1d30"

func TestParseGraState(t *testing.T) {
	g := ParseGraState("# GALERA saved state\nversion: 2.1\nuuid:    " + uuidA + "\nseqno:   -1\nsafe_to_bootstrap: 0\n")
	assert.Equal(t, GraState{Present: true, UUID: uuidA, Seqno: -1}, g)
	assert.True(t, g.HasHistory())
	g = ParseGraState("version: 2.1\nuuid: " + zeroUUID + "\nseqno: 12\nsafe_to_bootstrap: 1\n")
	assert.True(t, g.SafeToBootstrap)
	assert.Equal(t, int64(12), g.Seqno)
	assert.False(t, g.HasHistory())
	assert.False(t, ParseGraState("").Present)
}

func TestParseRecovered(t *testing.T) {
	log := "2026-11-22 1:02:03 0 [Note] InnoDB: Starting\n" +
		"2026-11-22 1:02:04 0 [Note] WSREP: Recovered position: " + uuidA + ":1234\n"
	u, s, ok := ParseRecovered(log)
	require.True(t, ok)
	assert.Equal(t, uuidA, u)
	assert.Equal(t, int64(1234), s)
	_, s, ok = ParseRecovered("WSREP: Recovered position " + zeroUUID + ":-1")
	assert.True(t, ok)
	assert.Equal(t, int64(-1), s)
	_, _, ok = ParseRecovered("[ERROR] Aborting")
	assert.False(t, ok)
}

// member builds a reachable gathered member.
func member(name string, g GraState, recovered int64) *Member {
	m := &Member{Name: name, Conn: fakeconn.New(), Grastate: g, Recovered: recovered}
	if recovered >= 0 {
		m.RecoveredUUID = g.UUID
	}
	return m
}

func TestElect(t *testing.T) {
	clean := func(seq int64, safe bool) GraState {
		return GraState{Present: true, UUID: uuidA, Seqno: seq, SafeToBootstrap: safe}
	}
	crashed := GraState{Present: true, UUID: uuidA, Seqno: -1}

	t.Run("the crashed member that recovered the highest seqno wins", func(t *testing.T) {
		ms := []*Member{member("a", clean(10, false), -1), member("b", crashed, 14), member("c", clean(10, false), -1)}
		e := elect(ms, ms[0])
		assert.Equal(t, "b", e.Winner.Name)
		assert.True(t, e.NeedsFlag)
		assert.Contains(t, e.Table, "<==")
		// Nobody saved safe_to_bootstrap: 1, so the cluster crashed: the
		// choice needs allow_unsafe_bootstrap.
		assert.Equal(t, []string{noSafeMember}, e.Unsafe)
	})
	t.Run("after a clean shutdown the member marked safe wins and it is safe", func(t *testing.T) {
		ms := []*Member{member("a", clean(10, false), -1), member("b", clean(12, true), -1), member("c", clean(11, false), -1)}
		e := elect(ms, ms[0])
		assert.Equal(t, "b", e.Winner.Name)
		assert.Empty(t, e.Unsafe)
		assert.False(t, e.NeedsFlag)
	})
	t.Run("a member ahead of the one marked safe makes it unsafe", func(t *testing.T) {
		ms := []*Member{member("a", clean(10, true), -1), member("b", crashed, 14)}
		e := elect(ms, ms[0])
		assert.Equal(t, "b", e.Winner.Name)
		require.Len(t, e.Unsafe, 1)
		assert.Contains(t, e.Unsafe[0], "a has safe_to_bootstrap: 1 but b has a higher position (seqno 14 > 10)")
	})
	t.Run("a tie prefers safe_to_bootstrap", func(t *testing.T) {
		ms := []*Member{member("a", clean(10, false), -1), member("b", clean(10, true), -1)}
		e := elect(ms, ms[0])
		assert.Equal(t, "b", e.Winner.Name)
		assert.False(t, e.NeedsFlag)
	})
	t.Run("a full tie keeps member order", func(t *testing.T) {
		ms := []*Member{member("a", crashed, 7), member("b", crashed, 7)}
		assert.Equal(t, "a", elect(ms, ms[0]).Winner.Name)
	})
	t.Run("an unreachable member makes it unsafe", func(t *testing.T) {
		gone := &Member{Name: "c", Err: errors.New("timeout"), Recovered: -1}
		ms := []*Member{member("a", clean(10, true), -1), member("b", clean(9, false), -1), gone}
		e := elect(ms, ms[0])
		assert.Equal(t, "a", e.Winner.Name)
		require.Len(t, e.Unsafe, 1)
		assert.Contains(t, e.Unsafe[0], "c is unreachable")
	})
	t.Run("different histories are unsafe", func(t *testing.T) {
		other := GraState{Present: true, UUID: "11111111-2222-3333-4444-555555555555", Seqno: 50}
		ms := []*Member{member("a", clean(10, true), -1), member("b", other, -1)}
		e := elect(ms, ms[0])
		assert.Contains(t, e.Unsafe[0], "different cluster histories")
		assert.Equal(t, "b", e.Winner.Name)
	})
	t.Run("an unknown position is unsafe", func(t *testing.T) {
		ms := []*Member{member("a", clean(10, false), -1), member("b", crashed, -1)}
		e := elect(ms, ms[0])
		assert.Contains(t, e.Unsafe[0], "b: position unknown")
	})
	t.Run("no history at all falls back to the bootstrap node", func(t *testing.T) {
		ms := []*Member{member("a", GraState{Seqno: -1}, -1), member("b", GraState{Seqno: -1}, -1)}
		e := elect(ms, ms[1])
		assert.Empty(t, e.Unsafe)
		assert.Equal(t, "b", e.Winner.Name)
		assert.False(t, e.NeedsFlag)
	})
}

func TestRenderConfig(t *testing.T) {
	ms := []*Member{{Name: "db1", Address: "10.0.0.1"}, {Name: "db2", Address: "10.0.0.2"}}
	c := clusterConfig{Name: "todo", Provider: "/usr/lib/galera/libgalera_smm.so", SSTMethod: "rsync", StorageEngine: "InnoDB",
		Extra: map[string]any{"innodb_buffer_pool_size": "32M", "wsrep_sst_method": "mariabackup", "skip_name_resolve": nil, "log_warnings": true}}
	b, err := c.render(ms, ms[1])
	require.NoError(t, err)
	s := string(b)
	assert.Contains(t, s, "wsrep_cluster_address = gcomm://10.0.0.1,10.0.0.2\n")
	assert.Contains(t, s, "wsrep_node_address = 10.0.0.2\nwsrep_node_name = db2\n")
	assert.Contains(t, s, "wsrep_sst_method = mariabackup\n", "extra options override the fixed ones")
	assert.Contains(t, s, "binlog_format = ROW\n")
	assert.Contains(t, s, "innodb_autoinc_lock_mode = 2\n")
	assert.Contains(t, s, "\nskip_name_resolve\n")
	assert.Contains(t, s, "log_warnings = ON\n")
	again, _ := c.render(ms, ms[1])
	assert.Equal(t, b, again, "rendering is deterministic")

	c.Extra = map[string]any{"bad\nkey": 1}
	_, err = c.render(ms, ms[0])
	assert.Error(t, err)
	c.Extra = map[string]any{"k": "a\n[client]"}
	_, err = c.render(ms, ms[0])
	assert.Error(t, err)
}
