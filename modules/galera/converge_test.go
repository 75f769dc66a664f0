package galera

import (
	"context"
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
