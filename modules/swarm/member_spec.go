package swarm

import "github.com/hactl/hactl/pkg/module"

// Member is the swarm_member module.
type Member struct{}

func init() { module.Register(Member{}) }

// Spec describes swarm_member.
func (Member) Spec() module.Spec {
	return module.Spec{
		Name:    "swarm_member",
		Aliases: []string{"hactl.swarm_member"},
		Short:   "Join this host to the right swarm with the right role, or take it out cleanly",
		Doc: `Runs on each joining host and connects itself to a manager (manager: an inventory host, or a list of them tried in order so that one manager being down does not stop a join; each is reached with its connection variables from hostvars) to check and act.

state present: the host is in the manager's swarm with the declared role. "In a swarm" is not enough — the module asks the manager whether it knows this host's node ID, so a host that is in another swarm is detected and the task fails (force_leave_foreign: true makes it leave that swarm and join this one). cluster_id, when given (e.g. registered from swarm_cluster), must be the manager's cluster ID. A host stuck pending or in error leaves (--force) and joins again. A member with the wrong role is promoted or demoted on the manager; availability, when given, is set there too.

The join token is fetched from the manager at run time (docker swarm join-token -q) unless join_token is given; it goes to the joining host on standard input, never into output, diffs or the command line hactl sends. After a join the module waits until the manager reports the node ready (and, for a manager, reachable).

Joining a second manager leaves a swarm with two managers: Raft then needs both, and losing either stops all management — the task warns; add a third manager.

state absent: a manager is demoted first, then the host leaves, then the manager removes the node once it is down. The last manager cannot leave this way (swarm_cluster state absent).

Check mode asks the manager and reports what would change; if the manager is not reachable or not yet a manager (its init was only predicted), the task reports a change with predicted: unknown-dependency instead of failing.`,
		Params: []module.Param{
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "present or absent."},
			{Name: "role", Type: module.Str, Default: "worker", Choices: []any{"worker", "manager"}, Doc: "The role in the swarm."},
			{Name: "manager", Type: module.List, Elements: module.Str, Aliases: []string{"managers"}, Doc: "Inventory hostname of a manager of the swarm, or several: the first that answers as a manager with control is used (required for present)."},
			{Name: "manager_addr", Type: module.Str, Doc: "ADDR:PORT to join at (default: the manager's ansible_host:2377)."},
			{Name: "cluster_id", Type: module.Str, Doc: "The cluster ID the manager must have."},
			{Name: "join_token", Type: module.Str, Secret: true, Doc: "A join token to use instead of fetching one."},
			{Name: "advertise_addr", Type: module.Str, Doc: "Address this node advertises."},
			{Name: "listen_addr", Type: module.Str, Doc: "Listen address for the cluster API."},
			{Name: "data_path_addr", Type: module.Str, Doc: "Address for data traffic."},
			{Name: "availability", Type: module.Str, Choices: []any{"active", "pause", "drain"}, Doc: "Availability to set on the node."},
			{Name: "force_leave_foreign", Type: module.Bool, Default: false, Doc: "Leave another swarm this host is in, then join."},
			{Name: "connect_timeout", Type: module.Int, Default: 15, Doc: "Seconds to connect to the manager."},
			{Name: "timeout", Type: module.Int, Default: 90, Doc: "Seconds to wait for the node to be ready after a change."},
		},
		RequiredIf: []module.RequiredIf{{Param: "state", Value: "present", Requires: []string{"manager"}}},
		CheckMode:  true,
		Examples: `- name: Managers and workers join the swarm of the first manager
  swarm_member:
    manager: "{{ groups.managers[0] }}"
    role: "{{ 'manager' if inventory_hostname in groups.managers else 'worker' }}"
    advertise_addr: "{{ ansible_host }}"
  when: inventory_hostname != groups.managers[0]`,
		Returns: []module.ReturnValue{
			{Name: "node_id", Type: module.Str, Doc: "This node's ID."},
			{Name: "cluster_id", Type: module.Str, Doc: "The manager's cluster ID."},
			{Name: "role", Type: module.Str, Doc: "The role after the task."},
			{Name: "actions", Type: module.List, Doc: "What was done (or would be)."},
			{Name: "warnings", Type: module.List, Doc: "Layout warnings (an even number of managers)."},
			{Name: "predicted", Type: module.Str, Doc: "unknown-dependency when check mode could not ask the manager."},
		},
	}
}
