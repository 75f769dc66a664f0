package swarm

import (
	"context"
	"fmt"
	peers "github.com/hactl/hactl/modules/internal/cluster"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// Info is the swarm_info module.
type Info struct{}

func init() { module.Register(Info{}) }

// Spec describes swarm_info.
func (Info) Spec() module.Spec {
	return module.Spec{
		Name:    "swarm_info",
		Aliases: []string{"hactl.swarm_info"},
		Short:   "Report a swarm's nodes, managers, leader and quorum, and lint its manager layout",
		Doc: `Reads the host's swarm state (docker info) and, on a manager, every node (docker node inspect): role, availability, state, address, labels, manager reachability and leadership. It counts managers and reachable managers, names the leader and says whether Raft has quorum.

The lint returns warnings (fail_on_warnings: true fails the task instead): an even number of managers (no more fault tolerance than one less), fewer than three managers (no fault tolerance at all — the two-manager layout of a two-hypervisor site), quorum lost or no leader, unreachable managers, and failure domains: all managers in one domain, or one domain holding enough managers that losing it loses quorum. A node's failure domain is the host variable failure_domain of the inventory host whose name (or ansible_host) matches the node's hostname (or address); failure_domains overrides it per hostname.

join_tokens: true also returns the worker and manager join tokens (secrets: only when asked, for plays that hand them to other tools). Never changes anything.`,
		Params: []module.Param{
			{Name: "nodes", Type: module.Bool, Default: true, Doc: "List the nodes (on a manager)."},
			{Name: "join_tokens", Type: module.Bool, Default: false, Doc: "Return the join tokens (secrets)."},
			{Name: "failure_domains", Type: module.Dict, Doc: "Node hostname → failure domain, over the failure_domain host variables."},
			{Name: "fail_on_warnings", Type: module.Bool, Default: false, Doc: "Fail the task when the lint finds anything."},
		},
		CheckMode: true,
		Examples: `- name: Check the swarm layout
  swarm_info:
    fail_on_warnings: true
  register: swarm
  run_once: true`,
		Returns: []module.ReturnValue{
			{Name: "docker_swarm_active", Type: module.Bool, Doc: "The host is an active swarm member."},
			{Name: "docker_swarm_manager", Type: module.Bool, Doc: "The host is a manager with control."},
			{Name: "local_node_state", Type: module.Str, Doc: "inactive, pending, active, error or locked."},
			{Name: "node_id", Type: module.Str, Doc: "This node's ID."},
			{Name: "cluster_id", Type: module.Str, Doc: "The cluster ID (managers only)."},
			{Name: "nodes", Type: module.List, Doc: "Nodes: id, hostname, role, availability, state, addr, labels, leader, reachability."},
			{Name: "managers", Type: module.Int, Doc: "Number of managers."},
			{Name: "reachable_managers", Type: module.Int, Doc: "Managers reachable."},
			{Name: "leader", Type: module.Str, Doc: "The leader's hostname."},
			{Name: "quorum", Type: module.Bool, Doc: "A majority of managers is reachable."},
			{Name: "warnings", Type: module.List, Doc: "Lint findings."},
			{Name: "join_tokens", Type: module.Dict, Doc: "worker and manager tokens, when asked."},
		},
	}
}

// Run implements module.Module.
func (Info) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	l, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	data := map[string]any{
		"docker_swarm_active": l.active(), "docker_swarm_manager": l.active() && l.ControlAvailable,
		"local_node_state": l.LocalNodeState, "node_id": l.NodeID, "cluster_id": l.clusterID(),
		"nodes": []any{}, "managers": l.Managers, "reachable_managers": 0, "leader": "", "quorum": false, "warnings": []any{},
	}
	res := module.Result{Data: data}
	if !l.active() || !l.ControlAvailable {
		res.Msg = "not a swarm manager: local state " + l.LocalNodeState
		return res, nil
	}
	nodes, err := inspectNodes(ctx, t.Conn)
	if err != nil {
		// A manager without quorum cannot list nodes: that is the
		// answer, not a failure to get one.
		data["warnings"] = []any{fmt.Sprintf("quorum lost: this manager cannot list the nodes (%v); if the lost managers are gone for good, recover with swarm_cluster state recovered", err)}
		res.Msg = "swarm manager without quorum"
		if a.Bool("fail_on_warnings") {
			res.Failed = true
		}
		return res, nil
	}
	var list []any
	managers, reachable := managerCounts(nodes)
	for _, n := range nodes {
		if a.Bool("nodes") {
			list = append(list, nodeSummary(n))
		}
		if n.ManagerStatus != nil && n.ManagerStatus.Leader {
			data["leader"] = n.Description.Hostname
		}
	}
	if list != nil {
		data["nodes"] = list
	}
	data["managers"], data["reachable_managers"], data["quorum"] = managers, reachable, reachable > managers/2
	warnings := lint(nodes, failureDomains(t, a, nodes))
	data["warnings"] = toAny(warnings)
	if a.Bool("join_tokens") {
		out, err := docker(ctx, t.Conn, "docker swarm join-token", "docker swarm join-token -q worker && docker swarm join-token -q manager", transport.RunOpts{})
		if err != nil {
			return module.Result{}, err
		}
		f := strings.Fields(out)
		if len(f) != 2 {
			return module.Result{}, fmt.Errorf("docker swarm join-token: expected two tokens")
		}
		data["join_tokens"] = map[string]any{"worker": f[0], "manager": f[1]}
	}
	res.Msg = fmt.Sprintf("%d nodes, %d/%d managers reachable, leader %v", len(nodes), reachable, managers, data["leader"])
	if len(warnings) > 0 && a.Bool("fail_on_warnings") {
		res.Failed = true
		res.Msg = "swarm layout: " + strings.Join(warnings, "; ")
	}
	return res, nil
}

// failureDomains maps node hostnames to failure domains from the
// failure_domains argument and the failure_domain host variables.
func failureDomains(t *module.Target, a module.Args, nodes []node) map[string]string {
	out := map[string]string{}
	hv, _ := t.Vars["hostvars"].(map[string]any)
	hosts := map[string]map[string]any{t.Host: t.Vars}
	for name, v := range hv {
		if m, ok := v.(map[string]any); ok {
			hosts[name] = m
		}
	}
	names := make([]string, 0, len(hosts))
	for name := range hosts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, n := range nodes {
		hn := n.Description.Hostname
		for _, name := range names {
			vars := hosts[name]
			d, ok := vars["failure_domain"].(string)
			if !ok || d == "" || module.IsTemplate(d) {
				continue
			}
			if name == hn || peers.Address(vars, name) == n.Status.Addr || fmt.Sprint(vars["ansible_hostname"]) == hn {
				out[hn] = d
				break
			}
		}
	}
	for k, v := range a.Dict("failure_domains") {
		out[k] = fmt.Sprint(v)
	}
	return out
}
