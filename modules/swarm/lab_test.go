package swarm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/swarm"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

const stateProbe = "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}'"

// TestSwarmInTheLab builds a swarm of three lab hosts: init on h1, h2
// joins as a manager (the two-manager layout the lint flags), h3 is in a
// foreign swarm and is caught, then joins as a worker and is promoted;
// with three managers one of them is stopped and the swarm stays
// manageable.
func TestSwarmInTheLab(t *testing.T) {
	labHosts := labtest.Hosts(t, 3, labtest.Options{Docker: true})
	hv := map[string]any{}
	hs := make([]*modtest.Host, len(labHosts))
	domains := []string{"hv1", "hv2", "proxy"}
	for i, h := range labHosts {
		hs[i] = modtest.Connect(t, h.Name, h.Vars)
		v := map[string]any{"failure_domain": domains[i]}
		for k, x := range h.Vars {
			v[k] = x
		}
		hv[h.Name] = v
	}
	for _, h := range hs {
		h.Vars["hostvars"] = hv
		h.Sh(t, "systemctl start docker")
	}
	addr := func(i int) string { return labHosts[i].Address }

	// Before any swarm exists, check mode cannot ask the manager.
	res := hs[1].MustRun(t, "swarm_member", map[string]any{"manager": "h1", "role": "manager"}, true, false)
	assert.True(t, res.Changed)
	assert.Equal(t, "unknown-dependency", res.Data["predicted"])

	res = hs[0].Converge(t, "swarm_cluster", map[string]any{"advertise_addr": addr(0), "task_history_retention_limit": 3}, nil, stateProbe)
	clusterID := fmt.Sprint(res.Data["cluster_id"])
	require.NotEmpty(t, clusterID)
	res = hs[0].MustRun(t, "swarm_cluster", map[string]any{"advertise_addr": addr(0), "task_history_retention_limit": 2}, false, true)
	assert.True(t, res.Changed, "a spec option that differs is updated")
	res, err := hs[0].Run(t, "swarm_cluster", map[string]any{"state": "recovered"}, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed, "force-new-cluster needs its confirmation")

	// h3 is in a swarm of its own: joining h1's swarm must notice.
	hs[2].Sh(t, "docker swarm init --advertise-addr "+addr(2)+" >/dev/null")
	worker := map[string]any{"manager": "h1", "role": "worker", "advertise_addr": addr(2), "cluster_id": clusterID}
	res, err = hs[2].Run(t, "swarm_member", worker, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "another swarm")

	// h2 joins as a manager: two managers, flagged.
	manager := map[string]any{"manager": "h1", "role": "manager", "advertise_addr": addr(1), "cluster_id": clusterID}
	res = hs[1].Converge(t, "swarm_member", manager, nil, stateProbe)
	assert.NotEmpty(t, res.Data["warnings"])
	assert.NotContains(t, fmt.Sprint(res), "SWMTKN", "no join token in the result")
	wrong := map[string]any{"manager": "h1", "role": "manager", "cluster_id": "not-this-cluster"}
	res, err = hs[1].Run(t, "swarm_member", wrong, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "not the expected")

	info := hs[0].MustRun(t, "swarm_info", map[string]any{}, false, false)
	assert.Equal(t, 2, info.Data["managers"])
	assert.Equal(t, true, info.Data["quorum"])
	assert.Equal(t, "h1", info.Data["leader"])
	w := fmt.Sprint(info.Data["warnings"])
	assert.Contains(t, w, "2 managers: an even count")
	assert.Contains(t, w, "no fault tolerance")
	res, err = hs[0].Run(t, "swarm_info", map[string]any{"fail_on_warnings": true}, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed)

	// h3 leaves its foreign swarm when told to, joins as a worker.
	worker["force_leave_foreign"] = true
	res = hs[2].MustRun(t, "swarm_member", worker, false, false)
	assert.True(t, res.Changed)
	res = hs[2].MustRun(t, "swarm_member", worker, false, false)
	assert.False(t, res.Changed, res.Msg)

	// Promote h3 from a manager: three managers in three domains.
	hs[0].Converge(t, "swarm_node", map[string]any{"hostname": "h3", "role": "manager", "labels": map[string]any{"zone": "proxy"}},
		nil, "docker node inspect --format '{{.Spec.Role}} {{.Spec.Labels}}' h3")
	info = hs[0].MustRun(t, "swarm_info", map[string]any{"fail_on_warnings": true}, false, false)
	assert.Equal(t, 3, info.Data["managers"])
	assert.Empty(t, info.Data["warnings"])
	// swarm_member agrees h3 is now a manager of this cluster.
	worker["role"] = "manager"
	res = hs[2].MustRun(t, "swarm_member", worker, false, false)
	assert.False(t, res.Changed, res.Msg)

	// A manager leaves cleanly (demoted, left, removed) and comes back.
	gone := map[string]any{"manager": "h1", "state": "absent"}
	res = hs[2].MustRun(t, "swarm_member", gone, false, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []any{"demoted", "left the swarm", "removed node " + fmt.Sprint(res.Data["node_id"])}, res.Data["actions"])
	assert.Contains(t, hs[2].Sh(t, stateProbe), "inactive")
	assert.NotContains(t, hs[0].Sh(t, "docker node ls --format '{{.Hostname}}'"), "h3")
	res = hs[2].MustRun(t, "swarm_member", gone, false, false)
	assert.False(t, res.Changed)
	res = hs[2].MustRun(t, "swarm_member", worker, false, false)
	assert.True(t, res.Changed)
	hs[0].MustRun(t, "swarm_info", map[string]any{"fail_on_warnings": true}, false, false)

	// Stop one manager of three: the other two keep quorum.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, lab.Stop(ctx, labHosts[1].LabDir, "h2", lab.Options{HaltTimeout: 30 * time.Second}))
	hs[0].Sh(t, "timeout 60 docker node ls --format '{{json .}}' >/dev/null")
	deadline := time.Now().Add(90 * time.Second)
	for {
		info = hs[0].MustRun(t, "swarm_info", map[string]any{}, false, false)
		if info.Data["reachable_managers"] == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	assert.Equal(t, 2, info.Data["reachable_managers"])
	assert.Equal(t, true, info.Data["quorum"])
	assert.Contains(t, fmt.Sprint(info.Data["warnings"]), "manager h2 is unreachable")
	// A join task naming the stopped manager first still finds one.
	res = hs[2].MustRun(t, "swarm_member", map[string]any{"manager": []any{"h2", "h1"}, "role": "manager", "connect_timeout": 5}, false, false)
	assert.False(t, res.Changed, res.Msg)
	res = hs[2].MustRun(t, "swarm_node", map[string]any{"hostname": "h1", "availability": "drain"}, false, false)
	assert.True(t, res.Changed, "the swarm is still manageable from h3")

	hs[2].MustRun(t, "swarm_node", map[string]any{"hostname": "h1", "availability": "active"}, false, false)

	// Stop a second one: h1 alone has no quorum, and says so; recovery
	// needs its confirmation, then makes h1 the only manager.
	require.NoError(t, lab.Stop(ctx, labHosts[2].LabDir, "h3", lab.Options{HaltTimeout: 30 * time.Second}))
	deadline = time.Now().Add(90 * time.Second)
	for {
		info = hs[0].MustRun(t, "swarm_info", map[string]any{}, false, false)
		if info.Data["quorum"] == false || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	assert.Equal(t, false, info.Data["quorum"])
	assert.Contains(t, fmt.Sprint(info.Data["warnings"]), "quorum lost")
	recovery := map[string]any{"state": "recovered", "advertise_addr": addr(0), "confirm_force_new_cluster": true}
	res = hs[0].MustRun(t, "swarm_cluster", recovery, true, false)
	assert.True(t, res.Changed)
	assert.Contains(t, hs[0].Sh(t, stateProbe), "active true")
	res = hs[0].MustRun(t, "swarm_cluster", recovery, false, false)
	assert.True(t, res.Changed)
	hs[0].Sh(t, "timeout 60 docker node ls >/dev/null")
	info = hs[0].MustRun(t, "swarm_info", map[string]any{}, false, false)
	assert.Equal(t, true, info.Data["quorum"], "%v", info.Data)
	assert.Equal(t, 1, info.Data["managers"])
	assert.Equal(t, clusterID, info.Data["cluster_id"], "force-new-cluster keeps the cluster's identity")
	res = hs[0].MustRun(t, "swarm_cluster", recovery, false, false)
	assert.False(t, res.Changed, "with quorum there is nothing to recover")

	// Leaving a swarm that still lists other nodes needs force.
	res, err = hs[0].Run(t, "swarm_cluster", map[string]any{"state": "absent"}, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "nodes")
	hs[0].Converge(t, "swarm_cluster", map[string]any{"state": "absent", "force": true}, nil, stateProbe)
	assert.Contains(t, hs[0].Sh(t, stateProbe), "inactive")
}
