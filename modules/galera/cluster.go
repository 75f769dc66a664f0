package galera

import (
	"context"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Cluster{}) }

// Cluster is the galera_cluster module.
type Cluster struct{}

// connParams are the parameters both galera modules share.
func connParams() []module.Param {
	return []module.Param{
		{Name: "members", Type: module.List, Elements: module.Str, Required: true, Aliases: []string{"nodes"},
			Doc: "Inventory hostnames of every cluster member, in order. The module connects to each itself with its connection variables from hostvars."},
		{Name: "addresses", Type: module.Dict, Doc: "Cluster address per member (inventory name → address). Default: the member's galera_node_address, else ansible_host, else its name."},
		{Name: "config_file", Type: module.Path, Default: "/etc/mysql/mariadb.conf.d/99-hactl-galera.cnf", Doc: "The option file the module owns on every member."},
		{Name: "datadir", Type: module.Path, Default: "/var/lib/mysql", Doc: "Data directory holding grastate.dat."},
		{Name: "service", Type: module.Str, Default: "mariadb", Doc: "The systemd unit of the server."},
		{Name: "connect_timeout", Type: module.Int, Default: 15, Doc: "Seconds to wait for a member's SSH connection before calling it unreachable."},
	}
}

// Spec describes galera_cluster.
func (Cluster) Spec() module.Spec {
	return module.Spec{
		Name:    "galera_cluster",
		Aliases: []string{"hactl.galera_cluster"},
		Short:   "Configure, bootstrap, join, restart and recover a MariaDB Galera cluster",
		Doc: `Manages a whole Galera cluster from one task: run it once (run_once: true) with every member listed in members.

It gathers every member (service state, wsrep status, grastate.dat, the option file it owns) and then:
- writes the Galera option file on each member (wsrep_on, provider, cluster name and address, node name and address, SST method, binlog_format=ROW, innodb_autoinc_lock_mode=2, default storage engine, extra options from config);
- when some member runs in a Primary component, starts stopped members one at a time, each waited on until Synced, and applies configuration drift with a rolling restart, one member at a time, never restarting the last Synced member;
- when no member runs, bootstraps: a brand-new cluster from bootstrap_node (default: the first member); after a clean shutdown of every member, from the member whose grastate.dat says safe_to_bootstrap: 1 (Galera writes it on the last member to leave), then the others join one at a time.

After a crash of the whole cluster (SIGKILL, out-of-memory kill, power loss) no member has safe_to_bootstrap: 1. The module then finds every member's position — grastate.dat, and mysqld --wsrep-recover where seqno is -1 — and refuses: the message holds the election table (member, uuid, grastate seqno, recovered seqno, safe_to_bootstrap) and names the member it would bootstrap. With allow_unsafe_bootstrap: true it bootstraps that member: the highest (recovered) seqno wins; on a tie a member with safe_to_bootstrap: 1, then the earlier member. safe_to_bootstrap is set on the winner only, then the others join one at a time.

Members running outside a Primary component while no member is Primary (after a partition) make it stop and say so: stop them, and the next run elects among all members.

It refuses to bootstrap whenever it cannot prove the choice safe — no member has safe_to_bootstrap: 1, a member is ahead of the one marked safe, a member is unreachable, members have different cluster UUIDs, or a position is unknown — and shows the election table; allow_unsafe_bootstrap: true overrides that (the result's candidate names the member that would bootstrap).

At the end every reachable member must be Primary, Synced, wsrep_ready=ON, share one wsrep_cluster_state_uuid, and wsrep_cluster_size must equal the number of members.

Check mode gathers and reports the plan (register: plan) and changes nothing; mysqld --wsrep-recover is not run, so unknown positions are reported as such, and a crash of the whole cluster is predicted to be refused unless allow_unsafe_bootstrap is set. A healthy cluster with the desired configuration reports no change and restarts nothing.`,
		Params: append([]module.Param{
			{Name: "cluster_name", Type: module.Str, Default: "galera", Aliases: []string{"name"}, Doc: "wsrep_cluster_name."},
			{Name: "bootstrap_node", Type: module.Str, Doc: "Member that bootstraps a brand-new cluster (default: the first member). Ignored when any member has cluster state."},
			{Name: "provider", Type: module.Path, Default: "/usr/lib/galera/libgalera_smm.so", Doc: "wsrep_provider."},
			{Name: "sst_method", Type: module.Str, Default: "rsync", Choices: []any{"rsync", "mariabackup", "mysqldump"}, Doc: "wsrep_sst_method."},
			{Name: "default_storage_engine", Type: module.Str, Default: "InnoDB", Doc: "default_storage_engine."},
			{Name: "config", Type: module.Dict, Doc: "Extra server options written to the option file (name: value; null writes a bare option). They may override the fixed ones."},
			{Name: "allow_unsafe_bootstrap", Type: module.Bool, Default: false, Doc: "Bootstrap even when the choice cannot be proved safe: after a crash of every member (no safe_to_bootstrap: 1; the highest recovered seqno bootstraps), or with members unreachable, different UUIDs or unknown positions."},
			{Name: "rolling_restart", Type: module.Bool, Default: true, Doc: "Restart running members one at a time to apply configuration changes. When false the file is written and the restart is left to you."},
			{Name: "timeout", Type: module.Int, Default: 300, Doc: "Seconds allowed for each member to start (or restart) and reach Synced."},
			{Name: "verify_timeout", Type: module.Int, Default: 120, Doc: "Seconds to wait for the final cluster-wide verification."},
		}, connParams()...),
		CheckMode: true,
		Examples: `- name: Galera cluster of the db group
  galera_cluster:
    members: "{{ groups['db'] }}"
    cluster_name: todo
    config:
      innodb_buffer_pool_size: 256M
      bind_address: 0.0.0.0
  run_once: true

- name: Recover after a full outage even though db03 is gone for good
  galera_cluster:
    members: [db01, db02, db03]
    allow_unsafe_bootstrap: true
  run_once: true`,
		Returns: []module.ReturnValue{
			{Name: "members", Type: module.Dict, Doc: "Per member as gathered before acting: reachable, active, pid, address, grastate, position, status, primary, synced."},
			{Name: "plan", Type: module.List, Doc: "The steps taken (or, in check mode, that would be taken), in order."},
			{Name: "election", Type: module.List, Doc: "The election table when a bootstrap after an outage was considered."},
			{Name: "bootstrapped", Type: module.Str, Doc: "The member that bootstrapped the cluster, if any."},
			{Name: "candidate", Type: module.Str, Doc: "After an outage, the member the election chose (set also when the bootstrap is refused)."},
			{Name: "cluster", Type: module.Dict, Doc: "The verified cluster: uuid, size, members' states."},
		},
	}
}

// options are the validated arguments.
type options struct {
	members    []string
	addrs      map[string]any
	cfg        clusterConfig
	bootstrap  string
	allow      bool
	rolling    bool
	act        actor
	verifyWait time.Duration
	dialWait   time.Duration
}

func parseOptions(a module.Args) (options, error) {
	o := options{
		members:   a.Strings("members"),
		addrs:     a.Dict("addresses"),
		bootstrap: a.String("bootstrap_node"),
		allow:     a.Bool("allow_unsafe_bootstrap"),
		rolling:   a.Bool("rolling_restart"),
		cfg: clusterConfig{
			Name: a.String("cluster_name"), Provider: a.String("provider"), SSTMethod: a.String("sst_method"),
			StorageEngine: a.String("default_storage_engine"), Extra: a.Dict("config"),
		},
		act: actor{
			p:       paths{Config: a.String("config_file"), Datadir: a.String("datadir"), Service: a.String("service")},
			timeout: seconds(a.Int("timeout"), 300),
			poll:    time.Second,
		},
		verifyWait: seconds(a.Int("verify_timeout"), 120),
		dialWait:   seconds(a.Int("connect_timeout"), 15),
	}
	if len(o.members) == 0 {
		return o, fmt.Errorf("members is empty")
	}
	seen := map[string]bool{}
	for _, m := range o.members {
		if m == "" || seen[m] {
			return o, fmt.Errorf("members: %q is empty or listed twice", m)
		}
		seen[m] = true
	}
	if o.bootstrap != "" && !seen[o.bootstrap] {
		return o, fmt.Errorf("bootstrap_node %q is not in members", o.bootstrap)
	}
	if o.act.p.Config == "" || o.act.p.Config[0] != '/' {
		return o, fmt.Errorf("config_file must be an absolute path")
	}
	return o, nil
}

func seconds(n, def int) time.Duration {
	if n <= 0 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// Run converges the cluster.
func (Cluster) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	o, err := parseOptions(a)
	if err != nil {
		return module.Failf("galera_cluster: %v", err), nil
	}
	ms, err := connect(ctx, t, o.members, o.addrs, o.dialWait)
	if err != nil {
		return module.Failf("galera_cluster: %v", err), nil
	}
	defer closeAll(ms)
	gatherAll(ctx, ms, o.act.p)
	r := &run{o: o, t: t, ms: ms, data: map[string]any{}}
	return r.converge(ctx)
}
