package pacemaker

import "github.com/hactl/hactl/pkg/module"

// Spec describes pcs_cluster.
func (Cluster) Spec() module.Spec {
	return module.Spec{
		Name:  "pcs_cluster",
		Short: "Create, grow, shrink, start and configure a Pacemaker/Corosync cluster with pcs",
		Doc: `Brings a Pacemaker/Corosync cluster to the declared shape from one host, the leader (cluster_leader, default the first of nodes): the leader connects to every node with its inventory connection variables, gathers corosync.conf (parsed), the pcsd/corosync/pacemaker unit states, pcs's known hosts and whether the hacluster password already matches, and then acts only where something differs:

1. hacluster's password is set with chpasswd (fed on stdin) where the shadow hash does not match;
2. pcsd is started and enabled where it is not;
3. Debian's placeholder corosync.conf (cluster "debian", one node on 127.0.0.1) is removed with pcs cluster destroy --force, only on nodes that hold it (never on a node of a real cluster);
4. pcs host auth authenticates the nodes the leader does not know (the password goes on stdin, never on a command line);
5. without any node in a cluster of that name, pcs cluster setup creates it (two_node is set by pcs for two nodes); nodes missing from an existing cluster are added with pcs cluster node add, extra ones removed with pcs cluster node remove;
6. stopped nodes are started, and corosync/pacemaker enabled or disabled at boot per start_on_boot;
7. cluster properties, resource defaults and operation defaults are set in the CIB with one patch (only the keys given; others are left alone).

A node that belongs to a cluster of another name, or a cluster with another transport, makes the task fail: re-creating it destroys that cluster, so it happens only with force_recreate: true. Check mode gathers and reports the plan, changing nothing. After a change, and on every run, the leader waits up to verify_timeout for crm_mon to show every node online, a DC elected and quorum. Other hosts running the task do nothing and say which host leads.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Aliases: []string{"cluster_name"}, Doc: "The cluster name."},
			{Name: "nodes", Type: module.List, Required: true, Doc: "Nodes: inventory hostnames, or dicts {name, addrs: [ip, …]} (default address: the host's ansible_host)."},
			{Name: "hacluster_password", Type: module.Str, Secret: true, Doc: "The password of the hacluster user pcsd authenticates with. Required to authenticate or create."},
			{Name: "transport", Type: module.Str, Default: "knet", Choices: []any{"knet", "udp", "udpu"}, Doc: "Corosync transport."},
			{Name: "totem", Type: module.Dict, Doc: "Totem options for pcs cluster setup (token, consensus, …); used at creation only."},
			{Name: "quorum", Type: module.Dict, Doc: "Quorum options for pcs cluster setup (wait_for_all, auto_tie_breaker, …); used at creation only."},
			{Name: "properties", Type: module.Dict, Default: map[string]any{}, Doc: "Cluster properties (stonith-enabled, no-quorum-policy, …)."},
			{Name: "resource_defaults", Type: module.Dict, Default: map[string]any{}, Doc: "Resource defaults (resource-stickiness, migration-threshold, …)."},
			{Name: "op_defaults", Type: module.Dict, Default: map[string]any{}, Doc: "Operation defaults (timeout, …)."},
			{Name: "start_on_boot", Type: module.Bool, Default: true, Doc: "Enable corosync and pacemaker at boot."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "absent destroys the cluster configuration on every node that holds one of this name."},
			{Name: "force_recreate", Type: module.Bool, Default: false, Doc: "Destroy and re-create a cluster of another name or transport found on the nodes."},
			{Name: "cluster_leader", Type: module.Str, Doc: "The inventory host that drives the change; default the first node."},
			{Name: "verify", Type: module.Bool, Default: true, Doc: "Wait for all nodes online, a DC and quorum."},
			{Name: "verify_timeout", Type: module.Int, Default: 180, Doc: "Seconds to wait for that."},
		},
		CheckMode: true,
		Examples: `- name: Two-node cluster
  pcs_cluster:
    name: nfsha
    nodes: [nfsha01, nfsha02]
    hacluster_password: "{{ vault_hacluster_password }}"
    properties:
      stonith-enabled: "false"
      no-quorum-policy: stop
    resource_defaults:
      resource-stickiness: 100
      migration-threshold: 3`,
		Returns: []module.ReturnValue{
			{Name: "plan", Type: module.List, Doc: "The steps taken (or, in check mode, that would be)."},
			{Name: "dc", Type: module.Str, Doc: "The designated controller after the run."},
		},
	}
}
