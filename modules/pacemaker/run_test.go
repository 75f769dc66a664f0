package pacemaker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

const smallCIB = `<cib epoch="3" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources>
<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="vip-ia"><nvpair id="vip-ia-ip" name="ip" value="10.0.0.9"/></instance_attributes></primitive>
</resources><constraints/></configuration><status/></cib>`

// fakeCluster answers cibadmin, mktemp and the patch script.
func fakeCluster() *fakeconn.Conn {
	c := fakeconn.New()
	c.Handler = func(call fakeconn.Call) (transport.Result, error) {
		switch {
		case call.Cmd == "cibadmin --query":
			return transport.Result{Stdout: []byte(smallCIB)}, nil
		case strings.HasPrefix(call.Cmd, "mktemp"):
			return transport.Result{Stdout: []byte("/tmp/hactl-cib.x1\n")}, nil
		case strings.Contains(call.Cmd, "crm_diff"):
			return transport.Result{Stdout: []byte("patched\n")}, nil
		}
		return transport.Result{}, nil
	}
	return c
}

func runOn(t *testing.T, host string, conn *fakeconn.Conn, check bool, args map[string]any) module.Result {
	t.Helper()
	m, a, err := modtest.Validate("pacemaker_resource", args)
	require.NoError(t, err)
	vars := map[string]any{"ansible_play_hosts": []any{"n1", "n2"}}
	res, err := m.Run(context.Background(), &module.Target{Host: host, Conn: conn, Check: check, Diff: true, Vars: vars}, a)
	require.NoError(t, err)
	return res
}

func TestResourceIsPushedOnceByTheLeader(t *testing.T) {
	args := map[string]any{"id": "vip", "agent": "ocf:heartbeat:IPaddr2", "params": map[string]any{"ip": "10.0.0.10"}, "verify": false}

	follower := fakeCluster()
	res := runOn(t, "n2", follower, false, args)
	assert.False(t, res.Changed)
	assert.Contains(t, res.Msg, "n1 applies")
	assert.Equal(t, []string{"cibadmin --query"}, follower.Commands(), "a follower only reads")

	checker := fakeCluster()
	res = runOn(t, "n1", checker, true, args)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"cibadmin --query"}, checker.Commands(), "check mode only reads")
	require.Len(t, res.Diff, 1)
	assert.Contains(t, res.Diff[0].Before, `value="10.0.0.9"`)
	assert.Contains(t, res.Diff[0].After, `value="10.0.0.10"`)

	leader := fakeCluster()
	res = runOn(t, "n1", leader, false, args)
	assert.True(t, res.Changed)
	assert.Contains(t, string(leader.Files["/tmp/hactl-cib.x1/new.xml"]), `<nvpair id="vip-ia-ip" name="ip" value="10.0.0.10">`)
	assert.Contains(t, string(leader.Files["/tmp/hactl-cib.x1/old.xml"]), `value="10.0.0.9"`)

	same := fakeCluster()
	res = runOn(t, "n1", same, false, map[string]any{"id": "vip", "agent": "ocf:heartbeat:IPaddr2", "params": map[string]any{"ip": "10.0.0.9"}, "verify": false})
	assert.False(t, res.Changed)
	assert.Equal(t, []string{"cibadmin --query"}, same.Commands())

	bad := fakeCluster()
	res = runOn(t, "n1", bad, false, map[string]any{"id": "x", "agent": "IPaddr2"})
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "class:provider:type")
}

// Without a running cluster (a check-mode play where pcs_cluster would
// create it first) check mode predicts a change; a real run fails.
func TestCheckModeWithoutACluster(t *testing.T) {
	down := func() *fakeconn.Conn {
		c := fakeconn.New()
		c.Handler = func(call fakeconn.Call) (transport.Result, error) {
			if call.Cmd == "cibadmin --query" {
				return transport.Result{RC: 102, Stderr: []byte("Could not connect to the CIB: Transport endpoint is not connected\n")}, nil
			}
			return transport.Result{}, nil
		}
		return c
	}
	args := map[string]any{"id": "vip", "agent": "ocf:heartbeat:IPaddr2", "params": map[string]any{"ip": "10.0.0.10"}}
	checker := down()
	res := runOn(t, "n1", checker, true, args)
	assert.True(t, res.Changed)
	assert.False(t, res.Failed)
	assert.Equal(t, "unknown-dependency", res.Data["predicted"])
	assert.Equal(t, []string{"cibadmin --query"}, checker.Commands(), "check mode only reads")

	m, a, err := modtest.Validate("pacemaker_resource", args)
	require.NoError(t, err)
	_, err = m.Run(context.Background(), &module.Target{Host: "n1", Conn: down(), Vars: map[string]any{"ansible_play_hosts": []any{"n1"}}}, a)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is the cluster running")
}
