package galera

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

const syncedStatus = "active\nwsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\nwsrep_ready\tON\nwsrep_cluster_size\t1\n"

// fakeRun builds a run over fake members whose connections answer status
// queries with status and record everything else.
func fakeRun(check bool, status string, names ...string) (*run, []*fakeconn.Conn) {
	o := options{
		cfg: clusterConfig{Name: "c", Provider: "/p.so", SSTMethod: "rsync", StorageEngine: "InnoDB"},
		act: actor{p: paths{Config: "/etc/mysql/mariadb.conf.d/99-hactl-galera.cnf", Datadir: "/var/lib/mysql", Service: "mariadb"},
			timeout: time.Second, poll: 10 * time.Millisecond},
		verifyWait: time.Second, rolling: true,
	}
	var conns []*fakeconn.Conn
	var ms []*Member
	for _, n := range names {
		c := fakeconn.New()
		c.Handler = func(call fakeconn.Call) (transport.Result, error) {
			if strings.Contains(call.Cmd, "echo active") {
				return transport.Result{Stdout: []byte(status)}, nil
			}
			return transport.Result{}, nil
		}
		conns = append(conns, c)
		ms = append(ms, &Member{Name: n, Address: "10.0.0." + n, Conn: c, Recovered: -1})
	}
	return &run{o: o, t: &module.Target{Check: check}, ms: ms, data: map[string]any{}}, conns
}

func commands(c *fakeconn.Conn) string {
	var out []string
	for _, call := range c.Calls {
		out = append(out, call.Cmd)
	}
	return strings.Join(out, "\n")
}

func TestCheckModePlansAFreshBootstrapAndChangesNothing(t *testing.T) {
	r, conns := fakeRun(true, "inactive\n", "1", "2")
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"write config on 1", "write config on 2", "bootstrap a new cluster on 1 (galera_new_cluster)", "join 2 and wait Synced"}, res.Data["plan"])
	for _, c := range conns {
		assert.Empty(t, c.Files, "check mode wrote a file")
		assert.Empty(t, c.Calls, "check mode ran a command")
	}
}

func TestRollingRestartNeverTakesDownTheLastSyncedMember(t *testing.T) {
	r, conns := fakeRun(false, syncedStatus, "1")
	r.ms[0].Active = true
	r.ms[0].Status = parseStatus(strings.TrimPrefix(syncedStatus, "active\n"))
	r.ms[0].ConfigExists, r.ms[0].Config = true, []byte("old\n")
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "refusing to restart 1: no other member is Synced")
	assert.NotContains(t, commands(conns[0]), "systemctl restart")
}

func TestHealthyClusterIsLeftAlone(t *testing.T) {
	r, conns := fakeRun(false, syncedStatus, "1")
	m := r.ms[0]
	m.Active = true
	m.Status = parseStatus(strings.TrimPrefix(syncedStatus, "active\n"))
	want, err := r.o.cfg.render(r.ms, m)
	require.NoError(t, err)
	m.ConfigExists, m.Config = true, want
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Failed, res.Msg)
	assert.False(t, res.Changed)
	assert.Empty(t, res.Data["plan"])
	cmds := commands(conns[0])
	for _, verb := range []string{"systemctl start", "systemctl restart", "galera_new_cluster", "wsrep-recover"} {
		assert.NotContains(t, cmds, verb)
	}
	assert.Empty(t, conns[0].Files)
}

// crashedRun is a run over three members that all crashed (seqno -1, no
// safe_to_bootstrap) and whose mysqld --wsrep-recover finds the given
// seqnos; once started they report a Synced 3-member cluster.
func crashedRun(allow bool, seqnos ...int64) (*run, []*fakeconn.Conn) {
	synced3 := strings.Replace(syncedStatus, "wsrep_cluster_size\t1", "wsrep_cluster_size\t3", 1)
	r, conns := fakeRun(false, synced3, "a", "b", "c")
	r.o.allow = allow
	for i, m := range r.ms {
		m.Grastate = GraState{Present: true, UUID: uuidA, Seqno: -1}
		want, _ := r.o.cfg.render(r.ms, m)
		m.ConfigExists, m.Config = true, want
		recovered := "WSREP: Recovered position: " + uuidA + ":" + strconv.FormatInt(seqnos[i], 10) + "\n"
		conns[i].Handler = func(call fakeconn.Call) (transport.Result, error) {
			switch {
			case strings.Contains(call.Cmd, "echo active"):
				return transport.Result{Stdout: []byte(synced3)}, nil
			case strings.Contains(call.Cmd, "--wsrep-recover"):
				return transport.Result{Stdout: []byte(recovered)}, nil
			}
			return transport.Result{}, nil
		}
	}
	return r, conns
}

func TestCrashOfAllMembersIsRefusedWithoutTheFlag(t *testing.T) {
	r, conns := crashedRun(false, 7, 9, 8)
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "refusing to bootstrap")
	assert.Contains(t, res.Msg, noSafeMember)
	assert.Contains(t, res.Msg, "the member that would bootstrap is b ("+uuidA+":9)")
	assert.Contains(t, res.Msg, "allow_unsafe_bootstrap: true")
	assert.Contains(t, res.Msg, "safe_to_bootstrap", "the election table is in the message")
	assert.Equal(t, "b", res.Data["candidate"])
	for _, c := range conns {
		cmds := commands(c)
		assert.Contains(t, cmds, "--wsrep-recover", "positions are recovered for the table")
		for _, verb := range []string{"galera_new_cluster", "systemctl start", "safe_to_bootstrap: 1"} {
			assert.NotContains(t, cmds, verb)
		}
	}
}

func TestCrashOfAllMembersBootstrapsTheHighestSeqnoWithTheFlag(t *testing.T) {
	r, conns := crashedRun(true, 7, 9, 8)
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	require.False(t, res.Failed, res.Msg)
	assert.Equal(t, "b", res.Data["bootstrapped"])
	assert.Contains(t, commands(conns[1]), "safe_to_bootstrap: 1", "the flag is set on the winner")
	assert.Contains(t, commands(conns[1]), "galera_new_cluster")
	for _, i := range []int{0, 2} {
		cmds := commands(conns[i])
		assert.NotContains(t, cmds, "safe_to_bootstrap: 1", "the flag is set on the winner only")
		assert.NotContains(t, cmds, "galera_new_cluster")
		assert.Contains(t, cmds, "systemctl start")
	}
}

func TestCheckModePredictsTheRefusalAfterACrash(t *testing.T) {
	r, conns := crashedRun(false, 7, 9, 8)
	r.t.Check = true
	res, err := r.converge(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "would refuse to bootstrap")
	assert.Contains(t, res.Msg, noSafeMember)
	for _, c := range conns {
		assert.Empty(t, c.Calls, "check mode ran a command")
	}

	r, _ = crashedRun(true, 7, 9, 8)
	r.t.Check = true
	res, err = r.converge(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Failed, res.Msg)
	assert.Contains(t, fmt.Sprint(res.Data["plan"]), "recover the position of a")
}
