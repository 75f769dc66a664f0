package pacemaker

import (
	"context"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Resource{}) }

// Resource is the pacemaker_resource module.
type Resource struct{}

// Spec describes pacemaker_resource.
func (Resource) Spec() module.Spec {
	return module.Spec{
		Name:  "pacemaker_resource",
		Short: "Manage a Pacemaker primitive, its group and clone, compared semantically with the live CIB",
		Doc: `Declares one primitive resource: its agent, instance attributes (params), meta attributes and operations, and where it lives (a group, a clone or a promotable clone). The live CIB is read with cibadmin --query and compared after normalisation (generated ids ignored, durations in milliseconds, legacy role names mapped), so a resource whose parameters or operations drifted is updated, not left alone. params, meta and ops are the complete sets: pairs not listed are removed (target-role is kept unless state says started or stopped).

The change is pushed once per cluster, by cluster_leader (default: the first host of the play): the edited CIB and the live one are written to temporary files, crm_diff --no-version builds the patch, cibadmin --patch applies it. Other hosts compare and report. Check mode reads only; with --diff the differing objects are shown as XML. When no cluster runs on the host yet (a check-mode play in which pcs_cluster would create it first), check mode predicts a change (predicted: unknown-dependency) instead of failing; a real run fails.

After a change (and on a run that found nothing to change) crm_mon is polled for up to wait seconds: the resource must be active and not failed (state started/present), or inactive (stopped), or gone (absent).`,
		Params: append([]module.Param{
			{Name: "id", Type: module.Str, Required: true, Aliases: []string{"name"}, Doc: "The primitive's id."},
			{Name: "agent", Type: module.Str, Doc: "class:provider:type (ocf:heartbeat:IPaddr2) or class:type (systemd:nginx). Required unless state is absent."},
			{Name: "params", Type: module.Dict, Default: map[string]any{}, Doc: "Instance attributes."},
			{Name: "meta", Type: module.Dict, Default: map[string]any{}, Doc: "Meta attributes of the primitive."},
			{Name: "ops", Type: module.List, Elements: module.Dict, Default: []any{}, Doc: "Operations: dicts with name, interval (default 0s) and any other op attribute (timeout, role, on-fail)."},
			{Name: "group", Type: module.Str, Doc: "The group the primitive belongs to (created when missing; members keep their order, new ones are appended)."},
			{Name: "clone", Type: module.Dict, Doc: "Clone the primitive (or its group): {id (default <id>-clone or <group>-clone), meta}."},
			{Name: "promotable", Type: module.Dict, Doc: "Like clone, with promotable=true."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent", "started", "stopped"}, Doc: "started and stopped set the target-role meta attribute; absent removes the resource and the constraints naming it."},
		}, leaderArgs...),
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"clone", "promotable"}},
		Examples: `- name: A floating address
  pacemaker_resource:
    id: vip
    agent: ocf:heartbeat:IPaddr2
    params: {ip: 10.77.0.12, cidr_netmask: "24"}
    ops:
      - {name: monitor, interval: 10s}
    group: nfs
  run_once: true`,
		Returns: []module.ReturnValue{{Name: "cib_epoch", Type: module.Str, Doc: "admin_epoch:epoch of the CIB read before the change."}},
	}
}

// Run compares the declared resource with the CIB and pushes the change.
func (Resource) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p, pl, err := resourceFromArgs(a)
	if err != nil {
		return module.Failf("pacemaker_resource: %v", err), nil
	}
	state := a.String("state")
	task := cibTask{what: "pacemaker_resource " + p.ID, wait: time.Duration(a.Int("wait")) * time.Second}
	if state == "absent" {
		task.edit = func(c *CIB) error { RemoveResource(c, p.ID); return nil }
		task.verify = func(st *Status) error {
			if in := st.InstancesOf(p.ID); len(in) > 0 {
				return fmt.Errorf("%s is still known to crm_mon", p.ID)
			}
			return nil
		}
		return runCIB(ctx, t, a, task)
	}
	task.edit = func(c *CIB) error {
		res := c.Section("resources")
		old, _ := res.FindID(p.ID)
		q := p
		q.Meta = map[string]string{}
		for k, v := range p.Meta {
			q.Meta[k] = v
		}
		switch state {
		case "started":
			q.Meta["target-role"] = "Started"
		case "stopped":
			q.Meta["target-role"] = "Stopped"
		default:
			if _, set := q.Meta["target-role"]; !set && old != nil {
				if v, ok := nvMap(old, "meta_attributes")["target-role"]; ok {
					q.Meta["target-role"] = v
				}
			}
		}
		return PlacePrimitive(res, q.Element(old), pl)
	}
	task.verify = func(st *Status) error { return verifyRunning(st, p.ID, state) }
	return runCIB(ctx, t, a, task)
}

// verifyRunning checks a primitive's instances against state.
func verifyRunning(st *Status, id, state string) error {
	ins := st.InstancesOf(id)
	if len(ins) == 0 {
		return fmt.Errorf("%s is not known to crm_mon", id)
	}
	active := 0
	for _, in := range ins {
		if in.Failed {
			return fmt.Errorf("%s failed on %v", id, in.Nodes)
		}
		if in.Active && (in.Role == "Started" || in.Role == "Promoted" || in.Role == "Unpromoted") {
			active++
		}
	}
	if state == "stopped" {
		if active > 0 {
			return fmt.Errorf("%s is still active", id)
		}
		return nil
	}
	if active == 0 {
		return fmt.Errorf("%s is not started", id)
	}
	return nil
}

// resourceFromArgs builds the desired primitive and its placement.
func resourceFromArgs(a module.Args) (Primitive, Placement, error) {
	p := Primitive{ID: a.String("id"), Params: strMap(a.Dict("params")), Meta: strMap(a.Dict("meta"))}
	if p.ID == "" {
		return p, Placement{}, fmt.Errorf("id must not be empty")
	}
	if a.String("state") != "absent" {
		if a.String("agent") == "" {
			return p, Placement{}, fmt.Errorf("agent is required unless state is absent")
		}
		var err error
		if p.Class, p.Provider, p.Type, err = ParseAgent(a.String("agent")); err != nil {
			return p, Placement{}, err
		}
	}
	for i, raw := range a.List("ops") {
		m, ok := raw.(map[string]any)
		if !ok {
			return p, Placement{}, fmt.Errorf("ops[%d]: want a dict, got %T", i, raw)
		}
		kv := strMap(m)
		op := Op{Name: kv["name"], Interval: kv["interval"], Attrs: kv}
		delete(kv, "name")
		delete(kv, "interval")
		if op.Name == "" {
			return p, Placement{}, fmt.Errorf("ops[%d]: name is required", i)
		}
		if op.Interval == "" {
			op.Interval = "0s"
		}
		p.Ops = append(p.Ops, op)
	}
	pl := Placement{Group: a.String("group")}
	cl, promo := a.Dict("clone"), a.Dict("promotable")
	if promo != nil {
		cl, pl.Promotable = promo, true
	}
	if cl != nil {
		base := p.ID
		if pl.Group != "" {
			base = pl.Group
		}
		pl.Clone = base + "-clone"
		if id, ok := cl["id"].(string); ok && id != "" {
			pl.Clone = id
		}
		if m, ok := cl["meta"].(map[string]any); ok {
			pl.CloneMeta = strMap(m)
		}
	}
	return p, pl, nil
}

// strMap turns a dict of scalars into strings the way YAML users expect
// (true → "true", 24 → "24").
func strMap(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = x
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}
