package swarm

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mgr(host string, leader bool, reach string) node {
	var n node
	n.Spec.Role = "manager"
	n.Description.Hostname = host
	n.ManagerStatus = &struct {
		Leader       bool   `json:"Leader"`
		Reachability string `json:"Reachability"`
		Addr         string `json:"Addr"`
	}{Leader: leader, Reachability: reach}
	return n
}

func worker(host string) node {
	var n node
	n.Spec.Role = "worker"
	n.Description.Hostname = host
	return n
}

func joined(w []string) string { return strings.Join(w, "\n") }

func TestLintTwoManagersOnTwoHypervisors(t *testing.T) {
	nodes := []node{mgr("mgr1", true, "reachable"), mgr("mgr2", false, "reachable"), worker("wrk1"), worker("wrk3")}
	w := lint(nodes, map[string]string{"mgr1": "hv1", "mgr2": "hv2"})
	require.Len(t, w, 4, joined(w))
	assert.Contains(t, w[0], "2 managers: an even count")
	assert.Contains(t, w[1], "no fault tolerance")
	assert.Contains(t, w[2], "failure domain hv1 holds 1 of 2")
	assert.Contains(t, w[3], "failure domain hv2 holds 1 of 2")
}

func TestLintThreeManagers(t *testing.T) {
	three := []node{mgr("m1", true, "reachable"), mgr("m2", false, "reachable"), mgr("m3", false, "reachable")}
	assert.Empty(t, lint(three, map[string]string{"m1": "hv1", "m2": "hv2", "m3": "proxy"}))
	assert.Empty(t, lint(three, nil), "unknown domains are not guessed")
	w := lint(three, map[string]string{"m1": "hv1", "m2": "hv1", "m3": "hv2"})
	assert.Equal(t, []string{"failure domain hv1 holds 2 of 3 managers: losing it loses quorum; put a manager in a third domain"}, w)
	w = lint(three, map[string]string{"m1": "a", "m2": "a", "m3": "a"})
	assert.Contains(t, joined(w), "all 3 managers are in failure domain a")
	w = lint(three, map[string]string{"m1": "a"})
	assert.Contains(t, joined(w), "failure_domain unknown for managers m2, m3")

	down := []node{mgr("m1", true, "reachable"), mgr("m2", false, "unreachable"), mgr("m3", false, "reachable")}
	assert.Equal(t, []string{"manager m2 is unreachable"}, lint(down, nil))
	orphan := mgr("m4", false, "")
	orphan.ManagerStatus = nil
	w = lint([]node{mgr("m1", true, "reachable"), orphan}, nil)
	assert.Contains(t, joined(w), "node m4 has the manager role but is not a Raft member")
	m, r := managerCounts([]node{mgr("m1", true, "reachable"), orphan, worker("w")})
	assert.Equal(t, []int{1, 1}, []int{m, r})
	lost := []node{mgr("m1", false, "reachable"), mgr("m2", false, "unreachable"), mgr("m3", false, "unreachable")}
	assert.Contains(t, joined(lint(lost, nil)), "quorum lost: 1 of 3")
}

func TestLabelChanges(t *testing.T) {
	add, rm := labelChanges(map[string]string{"a": "1", "b": "2"}, map[string]any{"a": 1, "c": "3"}, false, []string{"b"})
	assert.Equal(t, map[string]string{"c": "3"}, add)
	assert.Equal(t, []string{"b"}, rm)
	_, rm = labelChanges(map[string]string{"a": "1", "b": "2"}, map[string]any{"a": "1"}, true, nil)
	assert.Equal(t, []string{"b"}, rm)
}

func TestClusterFlags(t *testing.T) {
	a, err := Cluster{}.Spec().Validate(map[string]any{"advertise_addr": "10.0.0.1", "task_history_retention_limit": 3, "default_addr_pool": []any{"10.20.0.0/16"}, "subnet_size": 24, "autolock": false}, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"docker", "swarm", "init", "--advertise-addr", "10.0.0.1", "--default-addr-pool", "10.20.0.0/16",
		"--default-addr-pool-mask-length", "24", "--task-history-limit", "3", "--autolock=false"}, initArgs(a, false))
	assert.Equal(t, []string{"docker", "swarm", "init", "--force-new-cluster", "--advertise-addr", "10.0.0.1"}, initArgs(a, true))
	c := &cluster{DefaultAddrPool: []string{"10.0.0.0/8"}, SubnetSize: 24}
	five := int64(5)
	c.Spec.Orchestration.TaskHistoryRetentionLimit = &five
	flags, _ := updateFlags(a, c)
	assert.Equal(t, []string{"--task-history-limit=3"}, flags)
	three := int64(3)
	c.Spec.Orchestration.TaskHistoryRetentionLimit = &three
	flags, _ = updateFlags(a, c)
	assert.Empty(t, flags)
	w := initOnlyWarnings(a, c)
	require.Len(t, w, 1)
	assert.Contains(t, w[0], "default_addr_pool")
}
