package swarm

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// Cluster is the swarm_cluster module.
type Cluster struct{}

func init() { module.Register(Cluster{}) }

// Spec describes swarm_cluster.
func (Cluster) Spec() module.Spec {
	return module.Spec{
		Name:    "swarm_cluster",
		Aliases: []string{"hactl.swarm_cluster"},
		Short:   "Create a Docker Swarm on its first manager, keep its spec, or recover it with force-new-cluster",
		Doc: `Runs on the first manager. state present: a host in no swarm is initialised (docker swarm init with advertise_addr, listen_addr, data_path_addr, data_path_port, default_addr_pool, subnet_size); on an existing manager the spec options given (task_history_retention_limit, snapshot_interval, dispatcher_heartbeat, cert_expiry, autolock) are compared with the cluster's and only those that differ are changed with docker swarm update — options not given are left as they are. Init-only options that differ on an existing swarm (default_addr_pool, subnet_size, data_path_port) are reported as warnings: Docker cannot change them without a new cluster. A host that is a worker, or stuck pending, fails the task with what it is.

state absent: the host leaves its swarm (docker swarm leave --force). When other nodes are still in the swarm this is refused unless force is true: a manager leaving can cost the cluster its quorum, and the last manager leaving destroys it. Use swarm_member state absent to remove one member cleanly.

state recovered: the Raft quorum is lost (a majority of managers is gone for good) and this manager must become the only manager of a new cluster keeping the services, networks and secrets: docker swarm init --force-new-cluster. This is destructive for the other managers (they must leave and rejoin) and is refused unless confirm_force_new_cluster is true. A manager that still has quorum (docker node ls answers) is not touched: nothing to recover.

Returns cluster_id and node_id; join tokens are not returned (swarm_member fetches them itself; swarm_info returns them when asked).

Check mode reads the state and reports what would change.`,
		Params: []module.Param{
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent", "recovered"}, Doc: "present, absent or recovered."},
			{Name: "advertise_addr", Type: module.Str, Doc: "Address (or interface) other nodes reach this manager at."},
			{Name: "listen_addr", Type: module.Str, Doc: "Listen address for the cluster API (default 0.0.0.0:2377)."},
			{Name: "data_path_addr", Type: module.Str, Doc: "Address for data traffic (VXLAN)."},
			{Name: "data_path_port", Type: module.Int, Doc: "UDP port for VXLAN (init only; default 4789)."},
			{Name: "default_addr_pool", Type: module.List, Elements: module.Str, Doc: "CIDR pools for overlay networks (init only)."},
			{Name: "subnet_size", Type: module.Int, Doc: "Subnet size carved from the pools (init only)."},
			{Name: "task_history_retention_limit", Type: module.Int, Doc: "Task history kept per service."},
			{Name: "snapshot_interval", Type: module.Int, Doc: "Raft log entries between snapshots."},
			{Name: "dispatcher_heartbeat", Type: module.Str, Doc: "Node heartbeat period (Go duration, e.g. 5s)."},
			{Name: "cert_expiry", Type: module.Str, Doc: "Node certificate validity (Go duration, e.g. 2160h)."},
			{Name: "autolock", Type: module.Bool, Doc: "Lock managers' keys at rest (the unlock key is then needed after a restart)."},
			{Name: "confirm_force_new_cluster", Type: module.Bool, Default: false, Doc: "Required for state recovered."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "state absent: leave even when other nodes remain."},
		},
		CheckMode: true,
		Examples: `- name: Swarm on the first manager
  swarm_cluster:
    advertise_addr: "{{ ansible_host }}"
    task_history_retention_limit: 3
  when: inventory_hostname == groups.managers[0]

- name: Disaster recovery on the surviving manager (quorum lost for good)
  swarm_cluster:
    state: recovered
    advertise_addr: "{{ ansible_host }}"
    confirm_force_new_cluster: true`,
		Returns: []module.ReturnValue{
			{Name: "cluster_id", Type: module.Str, Doc: "The swarm's cluster ID."},
			{Name: "node_id", Type: module.Str, Doc: "This node's ID."},
			{Name: "warnings", Type: module.List, Doc: "Init-only options that differ on the existing swarm."},
		},
	}
}

// Run implements module.Module.
func (Cluster) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	l, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	res := module.Result{Data: map[string]any{"cluster_id": l.clusterID(), "node_id": l.NodeID, "warnings": []any{}}}
	switch a.String("state") {
	case "absent":
		return clusterAbsent(ctx, t, a, l, res)
	case "recovered":
		return clusterRecovered(ctx, t, a, l, res)
	}
	switch {
	case l.LocalNodeState == "inactive":
		res.Changed, res.Msg = true, "initialised a new swarm"
		if t.Check {
			return res, nil
		}
		if _, err := docker(ctx, t.Conn, "docker swarm init", transport.QuoteArgs(initArgs(a, false)), transport.RunOpts{Timeout: 2 * time.Minute}); err != nil {
			return module.Result{}, err
		}
		return afterInit(ctx, t, res)
	case !l.active():
		return module.Failf("this node's swarm state is %q (%s): leave it (swarm_cluster state absent with force) before initialising", l.LocalNodeState, l.Error), nil
	case l.Cluster == nil || !l.ControlAvailable:
		return module.Failf("this node is a worker of a swarm (managers: %d); run swarm_cluster on a manager", l.Managers), nil
	}
	flags, changes := updateFlags(a, l.Cluster)
	warnings := initOnlyWarnings(a, l.Cluster)
	res.Data["warnings"] = toAny(warnings)
	if len(flags) == 0 {
		return res, nil
	}
	res.Changed, res.Msg = true, "updated the swarm spec: "+strings.Join(changes, ", ")
	if t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "swarm " + l.clusterID(), AfterHeader: "swarm " + l.clusterID(),
			Before: "", After: strings.Join(changes, "\n") + "\n"}}
	}
	if t.Check {
		return res, nil
	}
	if _, err := docker(ctx, t.Conn, "docker swarm update", transport.QuoteArgs(append([]string{"docker", "swarm", "update"}, flags...)), transport.RunOpts{}); err != nil {
		return module.Result{}, err
	}
	l2, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	if rest, _ := updateFlags(a, l2.Cluster); len(rest) > 0 {
		return module.Result{}, fmt.Errorf("docker swarm update did not take: still different: %s", strings.Join(rest, " "))
	}
	return res, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// initArgs builds docker swarm init.
func initArgs(a module.Args, forceNew bool) []string {
	args := []string{"docker", "swarm", "init"}
	if forceNew {
		args = append(args, "--force-new-cluster")
	}
	for _, f := range [][2]string{{"advertise_addr", "--advertise-addr"}, {"listen_addr", "--listen-addr"}, {"data_path_addr", "--data-path-addr"}, {"dispatcher_heartbeat", "--dispatcher-heartbeat"}, {"cert_expiry", "--cert-expiry"}} {
		if v := a.String(f[0]); v != "" {
			args = append(args, f[1], v)
		}
	}
	if forceNew {
		return args
	}
	for _, p := range a.Strings("default_addr_pool") {
		args = append(args, "--default-addr-pool", p)
	}
	for _, f := range [][2]string{{"data_path_port", "--data-path-port"}, {"subnet_size", "--default-addr-pool-mask-length"}, {"task_history_retention_limit", "--task-history-limit"}} {
		if a.Has(f[0]) {
			args = append(args, f[1], strconv.Itoa(a.Int(f[0])))
		}
	}
	if a.Has("autolock") {
		args = append(args, "--autolock="+strconv.FormatBool(a.Bool("autolock")))
	}
	return args
}

// updateFlags compares the given spec options with the cluster's and
// returns the docker swarm update flags for those that differ.
func updateFlags(a module.Args, c *cluster) (flags, changes []string) {
	if c == nil {
		return nil, nil
	}
	add := func(flag, what string) { flags = append(flags, flag); changes = append(changes, what) }
	if a.Has("task_history_retention_limit") {
		want := int64(a.Int("task_history_retention_limit"))
		cur := c.Spec.Orchestration.TaskHistoryRetentionLimit
		if cur == nil || *cur != want {
			add("--task-history-limit="+strconv.FormatInt(want, 10), fmt.Sprintf("task_history_retention_limit: %d", want))
		}
	}
	if a.Has("snapshot_interval") && c.Spec.Raft.SnapshotInterval != uint64(a.Int("snapshot_interval")) {
		add("--snapshot-interval="+strconv.Itoa(a.Int("snapshot_interval")), fmt.Sprintf("snapshot_interval: %d", a.Int("snapshot_interval")))
	}
	if d, err := time.ParseDuration(a.String("dispatcher_heartbeat")); err == nil && int64(d) != c.Spec.Dispatcher.HeartbeatPeriod {
		add("--dispatcher-heartbeat="+d.String(), "dispatcher_heartbeat: "+d.String())
	}
	if d, err := time.ParseDuration(a.String("cert_expiry")); err == nil && int64(d) != c.Spec.CAConfig.NodeCertExpiry {
		add("--cert-expiry="+d.String(), "cert_expiry: "+d.String())
	}
	if a.Has("autolock") && a.Bool("autolock") != c.Spec.EncryptionConfig.AutoLockManagers {
		add("--autolock="+strconv.FormatBool(a.Bool("autolock")), fmt.Sprintf("autolock: %t", a.Bool("autolock")))
	}
	return flags, changes
}

func initOnlyWarnings(a module.Args, c *cluster) []string {
	var w []string
	if p := a.Strings("default_addr_pool"); len(p) > 0 && !slices.Equal(p, c.DefaultAddrPool) {
		w = append(w, fmt.Sprintf("default_addr_pool %v differs from the swarm's %v; it is set at init only", p, c.DefaultAddrPool))
	}
	if a.Has("subnet_size") && a.Int("subnet_size") != c.SubnetSize {
		w = append(w, fmt.Sprintf("subnet_size %d differs from the swarm's %d; it is set at init only", a.Int("subnet_size"), c.SubnetSize))
	}
	if a.Has("data_path_port") && a.Int("data_path_port") != c.DataPathPort {
		w = append(w, fmt.Sprintf("data_path_port %d differs from the swarm's %d; it is set at init only", a.Int("data_path_port"), c.DataPathPort))
	}
	return w
}

// afterInit verifies the node is an active manager with control and
// records the IDs.
func afterInit(ctx context.Context, t *module.Target, res module.Result) (module.Result, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := gatherLocal(ctx, t.Conn)
		if err != nil {
			return module.Result{}, err
		}
		if l.active() && l.ControlAvailable && l.clusterID() != "" {
			res.Data["cluster_id"], res.Data["node_id"] = l.clusterID(), l.NodeID
			return res, nil
		}
		if time.Now().After(deadline) {
			return module.Result{}, fmt.Errorf("after init the node is %q without control (%s)", l.LocalNodeState, l.Error)
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return module.Result{}, err
		}
	}
}

func clusterAbsent(ctx context.Context, t *module.Target, a module.Args, l local, res module.Result) (module.Result, error) {
	if l.LocalNodeState == "inactive" {
		return res, nil
	}
	if l.active() && l.Nodes > 1 && !a.Bool("force") {
		return module.Failf("the swarm still has %d nodes; leaving from here can break it. Use swarm_member state absent for one member, or force: true", l.Nodes), nil
	}
	res.Changed, res.Msg = true, "left the swarm"
	if t.Check {
		return res, nil
	}
	if _, err := docker(ctx, t.Conn, "docker swarm leave", "docker swarm leave --force", transport.RunOpts{Timeout: time.Minute}); err != nil {
		return module.Result{}, err
	}
	res.Data["cluster_id"], res.Data["node_id"] = "", ""
	return res, nil
}

func clusterRecovered(ctx context.Context, t *module.Target, a module.Args, l local, res module.Result) (module.Result, error) {
	if !a.Bool("confirm_force_new_cluster") {
		return module.Failf("state recovered runs docker swarm init --force-new-cluster: this manager becomes the only manager and the others must rejoin. Set confirm_force_new_cluster: true to do it"), nil
	}
	if l.LocalNodeState == "inactive" {
		return module.Failf("this node is in no swarm: nothing to recover from here"), nil
	}
	if l.ControlAvailable {
		// A leader keeps answering node ls for a while after losing its
		// majority: judge by the managers' reachability, not by an answer.
		nodes, err := inspectNodes(ctx, t.Conn)
		if err == nil {
			if m, r := managerCounts(nodes); r > m/2 {
				res.Msg = fmt.Sprintf("the swarm has quorum (%d of %d managers reachable): nothing to recover", r, m)
				return res, nil
			}
		}
	}
	if !l.ControlAvailable {
		return module.Failf("this node is a worker: recover on a manager"), nil
	}
	res.Changed, res.Msg = true, "forced a new cluster from this manager's state"
	if t.Check {
		return res, nil
	}
	if _, err := docker(ctx, t.Conn, "docker swarm init --force-new-cluster", transport.QuoteArgs(initArgs(a, true)), transport.RunOpts{Timeout: 2 * time.Minute}); err != nil {
		return module.Result{}, err
	}
	return afterInit(ctx, t, res)
}
