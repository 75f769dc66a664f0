package pacemaker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Constraint{}) }

// Constraint is the pacemaker_constraint module.
type Constraint struct{}

// Spec describes pacemaker_constraint.
func (Constraint) Spec() module.Spec {
	return module.Spec{
		Name:  "pacemaker_constraint",
		Short: "Manage a Pacemaker location, colocation or order constraint",
		Doc: `Declares one constraint. Existing constraints are matched by meaning, not by id or text: the same type, resources, roles, actions (and node for location) is the same constraint, whatever id another tool gave it, and a different score or kind updates it in place. Without id a new constraint is named <type>-<rsc>-<node|with_rsc> or order-<first>-<then>.

Colocation and location accept roles (Promoted, Unpromoted, Started; the legacy Master/Slave are the same roles): colocate a VIP with the Promoted instance of a promotable clone with with_rsc_role: Promoted.

The change is pushed once per cluster as for pacemaker_resource. After it, crm_mon is polled for up to wait seconds: a location with score INFINITY (-INFINITY) needs the resource on (off) that node; a mandatory colocation needs rsc on a node where with_rsc runs in with_rsc_role.`,
		Params: append([]module.Param{
			{Name: "type", Type: module.Str, Required: true, Choices: []any{"location", "colocation", "order"}, Doc: "The constraint type."},
			{Name: "id", Type: module.Str, Doc: "The constraint's id; default derived from the resources."},
			{Name: "rsc", Type: module.Str, Doc: "location, colocation: the constrained resource."},
			{Name: "node", Type: module.Str, Doc: "location: the node."},
			{Name: "with_rsc", Type: module.Str, Doc: "colocation: the resource rsc is placed with."},
			{Name: "rsc_role", Type: module.Str, Doc: "location, colocation: the role of rsc the constraint applies to."},
			{Name: "with_rsc_role", Type: module.Str, Doc: "colocation: the role of with_rsc (Promoted to follow the promoted instance)."},
			{Name: "first", Type: module.Str, Doc: "order: the resource acted on first."},
			{Name: "then", Type: module.Str, Doc: "order: the resource acted on after."},
			{Name: "first_action", Type: module.Str, Default: "start", Choices: []any{"start", "stop", "promote", "demote"}, Doc: "order: the action on first."},
			{Name: "then_action", Type: module.Str, Default: "start", Choices: []any{"start", "stop", "promote", "demote"}, Doc: "order: the action on then."},
			{Name: "kind", Type: module.Str, Choices: []any{"Mandatory", "Optional", "Serialize"}, Doc: "order: the kind (Pacemaker's default Mandatory when omitted)."},
			{Name: "score", Type: module.Str, Doc: "location, colocation: the score (INFINITY, -INFINITY or an integer); default INFINITY."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "absent removes the matching constraint."},
		}, leaderArgs...),
		CheckMode: true,
		RequiredIf: []module.RequiredIf{
			{Param: "type", Value: "location", Requires: []string{"rsc", "node"}},
			{Param: "type", Value: "colocation", Requires: []string{"rsc", "with_rsc"}},
			{Param: "type", Value: "order", Requires: []string{"first", "then"}},
		},
		Examples: `- name: The VIP follows the promoted DRBD instance
  pacemaker_constraint:
    type: colocation
    rsc: vip
    with_rsc: drbd-clone
    with_rsc_role: Promoted
  run_once: true`,
	}
}

// Run matches the declared constraint against the CIB and pushes the
// change.
func (Constraint) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	want, err := constraintFromArgs(a)
	if err != nil {
		return module.Failf("pacemaker_constraint: %v", err), nil
	}
	absent := a.String("state") == "absent"
	task := cibTask{what: "pacemaker_constraint " + want.Attr("id"), wait: time.Duration(a.Int("wait")) * time.Second}
	task.edit = func(c *CIB) error {
		cons := c.Section("constraints")
		old := matchConstraint(cons, want, a.String("id") != "")
		switch {
		case absent && old != nil:
			cons.Remove(old)
		case absent:
		case old != nil:
			nw := want.Clone()
			nw.SetAttr("id", old.Attr("id"))
			cons.Replace(old, nw)
		default:
			if el, _ := c.Root.Ensure("configuration").FindID(want.Attr("id")); el != nil {
				return fmt.Errorf("id %q is already used by a %s", want.Attr("id"), el.Name())
			}
			cons.Nodes = append(cons.Nodes, want)
		}
		return nil
	}
	if !absent {
		task.verify = func(st *Status) error { return verifyConstraint(st, want) }
	}
	return runCIB(ctx, t, a, task)
}

// constraintFromArgs builds the constraint element.
func constraintFromArgs(a module.Args) (*Node, error) {
	score := a.String("score")
	if score == "" {
		score = "INFINITY"
	}
	var n *Node
	switch a.String("type") {
	case "location":
		n = NewNode("rsc_location", "id", a.String("id"), "rsc", a.String("rsc"), "role", a.String("rsc_role"), "node", a.String("node"), "score", score)
		if n.Attr("id") == "" {
			n.SetAttr("id", "location-"+a.String("rsc")+"-"+a.String("node"))
		}
	case "colocation":
		n = NewNode("rsc_colocation", "id", a.String("id"), "rsc", a.String("rsc"), "rsc-role", a.String("rsc_role"),
			"with-rsc", a.String("with_rsc"), "with-rsc-role", a.String("with_rsc_role"), "score", score)
		if n.Attr("id") == "" {
			n.SetAttr("id", "colocation-"+a.String("rsc")+"-"+a.String("with_rsc"))
		}
	case "order":
		n = NewNode("rsc_order", "id", a.String("id"), "first", a.String("first"), "first-action", a.String("first_action"),
			"then", a.String("then"), "then-action", a.String("then_action"), "kind", a.String("kind"))
		if n.Attr("id") == "" {
			n.SetAttr("id", "order-"+a.String("first")+"-"+a.String("then"))
		}
	default:
		return nil, fmt.Errorf("unknown type %q", a.String("type"))
	}
	if strings.ContainsAny(n.Attr("id"), " \t\n:") {
		return nil, fmt.Errorf("constraint id %q is not a valid XML id", n.Attr("id"))
	}
	return n, nil
}

// identityAttrs are the attributes that make two constraints the same
// constraint; the others (score, kind) are its settings.
var identityAttrs = map[string][]string{
	"rsc_location":   {"rsc", "node", "role"},
	"rsc_colocation": {"rsc", "with-rsc", "rsc-role", "with-rsc-role"},
	"rsc_order":      {"first", "then", "first-action", "then-action"},
}

// defaults are the values Pacemaker assumes for absent attributes.
var defaults = map[string]string{"first-action": "start", "then-action": "start", "role": "Started", "rsc-role": "Started", "with-rsc-role": "Started"}

// matchConstraint finds the constraint that is the same as want: by id
// when byID, else by type and identity attributes.
func matchConstraint(cons, want *Node, byID bool) *Node {
	for _, k := range cons.Nodes {
		if byID {
			if k.Attr("id") == want.Attr("id") {
				return k
			}
			continue
		}
		if k.Name() != want.Name() {
			continue
		}
		if slices.IndexFunc(k.Nodes, func(c *Node) bool { return c.Name() == "rule" || c.Name() == "resource_set" }) >= 0 {
			continue
		}
		same := true
		for _, at := range identityAttrs[want.Name()] {
			if identity(k, at) != identity(want, at) {
				same = false
			}
		}
		if same {
			return k
		}
	}
	return nil
}

func identity(n *Node, at string) string {
	v := n.Attr(at)
	if v == "" {
		v = defaults[at]
	}
	if strings.HasSuffix(at, "role") {
		return normRole(v)
	}
	return v
}

// verifyConstraint checks that crm_mon shows resources where a mandatory
// constraint puts them.
func verifyConstraint(st *Status, c *Node) error {
	score := c.Attr("score")
	switch c.Name() {
	case "rsc_location":
		on := slices.Contains(st.NodesOf(c.Attr("rsc"), c.Attr("role")), c.Attr("node"))
		nodeUp := st.Nodes[c.Attr("node")].Online && !st.Nodes[c.Attr("node")].Standby
		switch {
		case score == "INFINITY" && nodeUp && !on:
			return fmt.Errorf("%s is not running on %s", c.Attr("rsc"), c.Attr("node"))
		case score == "-INFINITY" && on:
			return fmt.Errorf("%s is running on %s", c.Attr("rsc"), c.Attr("node"))
		}
	case "rsc_colocation":
		if score != "INFINITY" {
			return nil
		}
		where := st.NodesOf(c.Attr("with-rsc"), c.Attr("with-rsc-role"))
		for _, n := range st.NodesOf(c.Attr("rsc"), c.Attr("rsc-role")) {
			if !slices.Contains(where, n) {
				return fmt.Errorf("%s runs on %s, where %s is not %s", c.Attr("rsc"), n, c.Attr("with-rsc"), identity(c, "with-rsc-role"))
			}
		}
	}
	return nil
}
