package galera

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Info{}) }

// Info is the galera_info module: a read-only report on every member.
type Info struct{}

// Spec describes galera_info.
func (Info) Spec() module.Spec {
	return module.Spec{
		Name:    "galera_info",
		Aliases: []string{"hactl.galera_info"},
		Short:   "Report the state of every member of a Galera cluster (read-only)",
		Doc: `Connects to every member (run it once, like galera_cluster) and reports, per member: whether it answered, whether the service runs, grastate.dat (uuid, seqno, safe_to_bootstrap) and a subset of the wsrep status (cluster status, local state, ready, cluster uuid and size, last committed). Nothing is changed; check mode behaves the same.

Besides the per-member table it returns summary fields roles can assert on: primary_members, synced_members, a common cluster uuid (empty when members disagree), and healthy (every member Synced and Primary in one cluster of the full size).`,
		Params:    connParams(),
		CheckMode: true,
		Examples: `- galera_info:
    members: "{{ groups['db'] }}"
  run_once: true
  register: galera
- assert:
    that: galera.healthy`,
		Returns: []module.ReturnValue{
			{Name: "members", Type: module.Dict, Doc: "Per member: reachable, active, pid, address, grastate{present,uuid,seqno,safe_to_bootstrap}, position, status (wsrep_* values), primary, synced, error."},
			{Name: "primary_members", Type: module.List, Doc: "Members in a Primary component."},
			{Name: "synced_members", Type: module.List, Doc: "Members Synced and ready."},
			{Name: "unreachable_members", Type: module.List, Doc: "Members that did not answer."},
			{Name: "cluster_uuid", Type: module.Str, Doc: "The cluster state uuid all Primary members share (empty if none or they differ)."},
			{Name: "healthy", Type: module.Bool, Doc: "Every member Synced, Primary, one uuid and cluster size equal to the member count."},
		},
	}
}

// Run gathers and reports.
func (Info) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	names := a.Strings("members")
	if len(names) == 0 {
		return module.Failf("galera_info: members is empty"), nil
	}
	p := paths{Config: a.String("config_file"), Datadir: a.String("datadir"), Service: a.String("service")}
	ms, err := connect(ctx, t, names, a.Dict("addresses"), seconds(a.Int("connect_timeout"), 15))
	if err != nil {
		return module.Failf("galera_info: %v", err), nil
	}
	defer closeAll(ms)
	gatherAll(ctx, ms, p)
	members := map[string]any{}
	primary, synced, unreachable := []string{}, []string{}, []string{}
	uuids := map[string]bool{}
	healthy := true
	for _, m := range ms {
		members[m.Name] = m.info()
		if !m.Reachable() {
			unreachable = append(unreachable, m.Name)
			healthy = false
			continue
		}
		if m.Primary() {
			primary = append(primary, m.Name)
			uuids[m.Status["wsrep_cluster_state_uuid"]] = true
		}
		if m.Synced() {
			synced = append(synced, m.Name)
		} else {
			healthy = false
		}
		if m.Status["wsrep_cluster_size"] != fmt.Sprint(len(ms)) {
			healthy = false
		}
	}
	uuid := ""
	if len(uuids) == 1 {
		for u := range uuids {
			uuid = u
		}
	} else {
		healthy = false
	}
	return module.Result{
		Msg: fmt.Sprintf("%d of %d members Synced, %d Primary, %d unreachable", len(synced), len(ms), len(primary), len(unreachable)),
		Data: map[string]any{
			"members": members, "primary_members": primary, "synced_members": synced,
			"unreachable_members": unreachable, "cluster_uuid": uuid, "healthy": healthy,
		},
	}, nil
}
