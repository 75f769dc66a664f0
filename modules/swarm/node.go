package swarm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// Node is the swarm_node module.
type Node struct{}

func init() { module.Register(Node{}) }

// Spec describes swarm_node.
func (Node) Spec() module.Spec {
	return module.Spec{
		Name:    "swarm_node",
		Aliases: []string{"hactl.swarm_node", "docker_node"},
		Short:   "Set a swarm node's role, availability and labels (run on a manager)",
		Doc: `Runs on a manager and manages one node of its swarm, named by hostname or node ID: role (promote or demote), availability (active, pause, drain) and labels (labels_state merge keeps labels not listed, replace removes them; labels_to_remove removes the named ones). The node is read with docker node inspect and only what differs is changed, with one docker node update for availability and labels.

A demotion that would leave the swarm with an even number of managers, or fewer than three, is done but reported in warnings; demoting the last manager is refused by Docker itself.

Check mode reads and compares only.`,
		Params: []module.Param{
			{Name: "hostname", Type: module.Str, Required: true, Aliases: []string{"node"}, Doc: "The node's hostname or ID."},
			{Name: "role", Type: module.Str, Choices: []any{"manager", "worker"}, Doc: "Role to give the node."},
			{Name: "availability", Type: module.Str, Choices: []any{"active", "pause", "drain"}, Doc: "Availability to give the node."},
			{Name: "labels", Type: module.Dict, Doc: "Labels the node must have."},
			{Name: "labels_state", Type: module.Str, Default: "merge", Choices: []any{"merge", "replace"}, Doc: "merge or replace."},
			{Name: "labels_to_remove", Type: module.List, Elements: module.Str, Doc: "Labels to remove."},
			{Name: "timeout", Type: module.Int, Default: 60, Doc: "Seconds to wait for a promotion or demotion to show."},
		},
		CheckMode: true,
		Examples: `- name: Drain a node before maintenance
  swarm_node:
    hostname: node2
    availability: drain
  delegate_to: "{{ groups.managers[0] }}"`,
		Returns: []module.ReturnValue{
			{Name: "node", Type: module.Dict, Doc: "ID, hostname, role, availability, labels after the task."},
			{Name: "warnings", Type: module.List, Doc: "Layout warnings."},
		},
	}
}

// Run implements module.Module.
func (Node) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	l, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	if !l.active() || !l.ControlAvailable {
		return module.Failf("swarm_node runs on a swarm manager; this host is %q (manager: %t)", l.LocalNodeState, l.ControlAvailable), nil
	}
	name := a.String("hostname")
	ns, err := inspectNodes(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	if len(ns) != 1 {
		return module.Failf("the swarm has no node %q", name), nil
	}
	n := ns[0]
	var changes, flags, warnings []string
	if av := a.String("availability"); av != "" && av != n.Spec.Availability {
		changes = append(changes, "availability: "+n.Spec.Availability+" -> "+av)
		flags = append(flags, "--availability", av)
	}
	add, rm := labelChanges(n.Spec.Labels, a.Dict("labels"), a.String("labels_state") == "replace", a.Strings("labels_to_remove"))
	for _, k := range slices.Sorted(maps.Keys(add)) {
		changes = append(changes, "label "+k+"="+add[k])
		flags = append(flags, "--label-add", k+"="+add[k])
	}
	for _, k := range rm {
		changes = append(changes, "label -"+k)
		flags = append(flags, "--label-rm", k)
	}
	role := a.String("role")
	if role != "" && role != n.Spec.Role {
		changes = append(changes, "role: "+n.Spec.Role+" -> "+role)
		after := l.Managers + 1
		if role == "worker" {
			after = l.Managers - 1
		}
		if after%2 == 0 {
			warnings = append(warnings, fmt.Sprintf("the swarm will have %d managers: an even count tolerates no more failures than %d", after, after-1))
		}
		if after < 3 {
			warnings = append(warnings, fmt.Sprintf("the swarm will have %d managers: fewer than three tolerate no manager failure", after))
		}
	}
	res := module.Result{Data: map[string]any{"warnings": toAny(warnings)}}
	if len(changes) > 0 {
		res.Changed, res.Msg = true, strings.Join(changes, "; ")
		if t.Diff {
			res.Diff = []module.FileDiff{{BeforeHeader: "node " + name, AfterHeader: "node " + name, Before: "", After: strings.Join(changes, "\n") + "\n"}}
		}
	}
	if t.Check || len(changes) == 0 {
		res.Data["node"] = nodeSummary(n)
		return res, nil
	}
	if len(flags) > 0 {
		args := append(append([]string{"docker", "node", "update"}, flags...), n.ID)
		if _, err := docker(ctx, t.Conn, "docker node update", transport.QuoteArgs(args), transport.RunOpts{}); err != nil {
			return module.Result{}, err
		}
	}
	if role != "" && role != n.Spec.Role {
		verb := "promote"
		if role == "worker" {
			verb = "demote"
		}
		if _, err := docker(ctx, t.Conn, "docker node "+verb, "docker node "+verb+" "+transport.Quote(n.ID), transport.RunOpts{Timeout: time.Minute}); err != nil {
			return module.Result{}, err
		}
	}
	// Verify.
	deadline := time.Now().Add(time.Duration(a.Int("timeout")) * time.Second)
	for {
		ns, err := inspectNodes(ctx, t.Conn, n.ID)
		if err != nil {
			return module.Result{}, err
		}
		if len(ns) == 1 && nodeMatches(ns[0], a) {
			res.Data["node"] = nodeSummary(ns[0])
			return res, nil
		}
		if time.Now().After(deadline) {
			return module.Result{}, fmt.Errorf("node %s does not show the change after %ds", name, a.Int("timeout"))
		}
		if err := sleep(ctx, time.Second); err != nil {
			return module.Result{}, err
		}
	}
}

func nodeMatches(n node, a module.Args) bool {
	if r := a.String("role"); r != "" && n.Spec.Role != r {
		return false
	}
	if r := a.String("role"); r == "manager" && (n.ManagerStatus == nil || n.ManagerStatus.Reachability != "reachable") {
		return false
	}
	if av := a.String("availability"); av != "" && n.Spec.Availability != av {
		return false
	}
	add, rm := labelChanges(n.Spec.Labels, a.Dict("labels"), a.String("labels_state") == "replace", a.Strings("labels_to_remove"))
	return len(add) == 0 && len(rm) == 0
}

// labelChanges returns the labels to add (or change) and to remove.
func labelChanges(have map[string]string, want map[string]any, replace bool, remove []string) (map[string]string, []string) {
	add := map[string]string{}
	for k, v := range want {
		s := fmt.Sprint(v)
		if hv, ok := have[k]; !ok || hv != s {
			add[k] = s
		}
	}
	var rm []string
	for _, k := range slices.Sorted(maps.Keys(have)) {
		_, wanted := want[k]
		if (replace && !wanted) || (slices.Contains(remove, k) && !wanted) {
			rm = append(rm, k)
		}
	}
	return add, rm
}

func nodeSummary(n node) map[string]any {
	labels := map[string]any{}
	for k, v := range n.Spec.Labels {
		labels[k] = v
	}
	out := map[string]any{
		"id": n.ID, "hostname": n.Description.Hostname, "role": n.Spec.Role, "availability": n.Spec.Availability,
		"state": n.Status.State, "addr": n.Status.Addr, "labels": labels, "leader": false, "reachability": "",
	}
	if n.ManagerStatus != nil {
		out["leader"], out["reachability"] = n.ManagerStatus.Leader, n.ManagerStatus.Reachability
	}
	return out
}
