package pacemaker

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Primitive is a desired primitive resource.
type Primitive struct {
	ID, Class, Provider, Type string
	Params, Meta              map[string]string
	Ops                       []Op
}

// Op is one operation of a primitive.
type Op struct {
	Name, Interval string
	// Attrs are the other op attributes (timeout, role, on-fail, …).
	Attrs map[string]string
}

// ParseAgent splits class:provider:type (ocf needs a provider; systemd,
// lsb, service and stonith do not).
func ParseAgent(s string) (class, provider, typ string, err error) {
	parts := strings.Split(s, ":")
	switch {
	case len(parts) == 3 && parts[0] == "ocf" && parts[1] != "" && parts[2] != "":
		return parts[0], parts[1], parts[2], nil
	case len(parts) == 2 && parts[0] != "ocf" && parts[0] != "" && parts[1] != "":
		return parts[0], "", parts[1], nil
	}
	return "", "", "", fmt.Errorf("agent %q: want class:provider:type (ocf:heartbeat:IPaddr2) or class:type (systemd:nginx)", s)
}

// Element builds the primitive's XML, reusing the ids of old's name/value
// pairs and operations where they match so the patch stays small.
func (p Primitive) Element(old *Node) *Node {
	n := NewNode("primitive", "id", p.ID, "class", p.Class, "provider", p.Provider, "type", p.Type)
	if len(p.Params) > 0 {
		n.Nodes = append(n.Nodes, nvSet("instance_attributes", p.ID+"-instance_attributes", p.Params, child(old, "instance_attributes")))
	}
	if len(p.Meta) > 0 {
		n.Nodes = append(n.Nodes, nvSet("meta_attributes", p.ID+"-meta_attributes", p.Meta, child(old, "meta_attributes")))
	}
	if len(p.Ops) > 0 {
		ops := NewNode("operations")
		oldOps := map[string]string{}
		if o := child(old, "operations"); o != nil {
			for _, op := range o.Children("op") {
				oldOps[opKey(op.Attr("name"), op.Attr("interval"), op.Attr("role"))] = op.Attr("id")
			}
		}
		for _, op := range p.Ops {
			id := oldOps[opKey(op.Name, op.Interval, op.Attrs["role"])]
			if id == "" {
				id = p.ID + "-" + op.Name + "-interval-" + op.Interval
			}
			e := NewNode("op", "id", id, "name", op.Name, "interval", op.Interval)
			for _, k := range slices.Sorted(maps.Keys(op.Attrs)) {
				e.SetAttr(k, op.Attrs[k])
			}
			ops.Nodes = append(ops.Nodes, e)
		}
		n.Nodes = append(n.Nodes, ops)
	}
	return n
}

func opKey(name, interval, role string) string {
	return name + "/" + normDuration(interval) + "/" + normRole(role)
}

// child returns n's first child called name; nil-safe.
func child(n *Node, name string) *Node {
	if n == nil {
		return nil
	}
	return n.Child(name)
}

// nvSet builds an attribute set with the given pairs, keeping the ids of
// old (when given) for the set and for pairs of the same name.
func nvSet(kind, id string, kv map[string]string, old *Node) *Node {
	ids := map[string]string{}
	if old != nil {
		if oid := old.Attr("id"); oid != "" {
			id = oid
		}
		for _, p := range old.Children("nvpair") {
			ids[p.Attr("name")] = p.Attr("id")
		}
	}
	set := NewNode(kind, "id", id)
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		pid := ids[k]
		if pid == "" {
			pid = id + "-" + k
		}
		nv := NewNode("nvpair", "id", pid, "name", k)
		nv.SetAttr("value", kv[k])
		set.Nodes = append(set.Nodes, nv)
	}
	return set
}

// setNVs sets (or with an empty-string value in del, removes) pairs in the
// first attribute set of kind under parent, creating it with id when
// missing; other pairs are kept.
func setNVs(parent *Node, kind, id string, kv map[string]string, del []string) {
	set := parent.Child(kind)
	if set == nil {
		if len(kv) == 0 {
			return
		}
		set = NewNode(kind, "id", id)
		parent.Nodes = append(parent.Nodes, set)
	}
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		found := false
		for _, p := range set.Children("nvpair") {
			if p.Attr("name") == k {
				p.SetAttr("value", kv[k])
				found = true
			}
		}
		if !found {
			nv := NewNode("nvpair", "id", set.Attr("id")+"-"+k, "name", k)
			nv.SetAttr("value", kv[k])
			set.Nodes = append(set.Nodes, nv)
		}
	}
	for _, k := range del {
		for _, p := range set.Children("nvpair") {
			if p.Attr("name") == k {
				set.Remove(p)
			}
		}
	}
}

// nvMap reads the pairs of the first attribute set of kind under n.
func nvMap(n *Node, kind string) map[string]string {
	out := map[string]string{}
	if set := child(n, kind); set != nil {
		for _, p := range set.Children("nvpair") {
			out[p.Attr("name")] = p.Attr("value")
		}
	}
	return out
}
