package pacemaker

import "fmt"

// Placement says where a primitive lives: in a group, in a clone (of the
// primitive, or of its group), or at the top level.
type Placement struct {
	Group string
	// Clone is the clone's id ("" for none).
	Clone      string
	Promotable bool
	// CloneMeta are meta attributes set on the clone (others are kept).
	CloneMeta map[string]string
}

// containers returns the group and clone ids enclosing el in resources.
func containers(resources, parent *Node) (group, clone string) {
	if parent == nil {
		return "", ""
	}
	switch parent.Name() {
	case "group":
		group = parent.Attr("id")
		if _, gp := resources.FindID(group); gp != nil && (gp.Name() == "clone" || gp.Name() == "master") {
			clone = gp.Attr("id")
		}
	case "clone", "master":
		clone = parent.Attr("id")
	}
	return group, clone
}

// PlacePrimitive puts prim (replacing the element with its id) where pl
// says, moving it out of its old group or clone when they differ and
// removing containers left empty.
func PlacePrimitive(resources, prim *Node, pl Placement) error {
	id := prim.Attr("id")
	old, parent := resources.FindID(id)
	if old != nil && old.Name() != "primitive" {
		return fmt.Errorf("id %q is a %s in the CIB, not a primitive", id, old.Name())
	}
	for _, cid := range []string{pl.Group, pl.Clone} {
		if cid == "" {
			continue
		}
		if el, _ := resources.FindID(cid); el != nil && el.Name() != "group" && el.Name() != "clone" && el.Name() != "master" {
			return fmt.Errorf("id %q is a %s in the CIB, not a group or clone", cid, el.Name())
		}
	}
	if old != nil {
		g, c := containers(resources, parent)
		if g == pl.Group && c == pl.Clone {
			parent.Replace(old, prim)
			return setCloneMeta(resources, pl)
		}
		detach(resources, old, parent)
	}
	var holder *Node // where prim or its group goes
	if pl.Clone != "" {
		cl, _ := resources.FindID(pl.Clone)
		if cl == nil {
			cl = NewNode("clone", "id", pl.Clone)
			resources.Nodes = append(resources.Nodes, cl)
		}
		holder = cl
	} else {
		holder = resources
	}
	target := holder
	if pl.Group != "" {
		g, _ := resources.FindID(pl.Group)
		if g == nil {
			g = NewNode("group", "id", pl.Group)
			holder.Nodes = append(holder.Nodes, g)
		}
		target = g
	}
	if target.Name() == "clone" {
		for _, k := range target.Nodes {
			if k.Name() == "primitive" || k.Name() == "group" {
				return fmt.Errorf("clone %q already holds %q", pl.Clone, k.Attr("id"))
			}
		}
	}
	// Keep meta_attributes of a container after its members, as pcs does
	// not care but people reading the CIB do.
	target.Nodes = append(target.Nodes, prim)
	return setCloneMeta(resources, pl)
}

// setCloneMeta sets the clone's managed meta attributes.
func setCloneMeta(resources *Node, pl Placement) error {
	if pl.Clone == "" {
		return nil
	}
	cl, _ := resources.FindID(pl.Clone)
	if cl == nil {
		return fmt.Errorf("clone %q vanished", pl.Clone)
	}
	meta := map[string]string{}
	for k, v := range pl.CloneMeta {
		meta[k] = v
	}
	var del []string
	if pl.Promotable {
		meta["promotable"] = "true"
	} else if cl.Name() == "clone" {
		del = append(del, "promotable")
	}
	setNVs(cl, "meta_attributes", pl.Clone+"-meta_attributes", meta, del)
	return nil
}

// detach removes el from parent and drops groups and clones left empty.
func detach(resources, el, parent *Node) {
	for parent != nil && parent != resources {
		parent.Remove(el)
		if hasMembers(parent) {
			return
		}
		el = parent
		_, parent = resources.FindID(parent.Attr("id"))
	}
	if parent == resources {
		resources.Remove(el)
	}
}

func hasMembers(n *Node) bool {
	for _, k := range n.Nodes {
		switch k.Name() {
		case "primitive", "group", "clone", "master", "bundle":
			return true
		}
	}
	return false
}

// RemoveResource deletes the element with id from resources (cleaning up
// empty containers) and every constraint naming it or a container removed
// with it. It reports whether anything was there.
func RemoveResource(c *CIB, id string) bool {
	resources := c.Section("resources")
	el, parent := resources.FindID(id)
	if el == nil {
		return false
	}
	gone := map[string]bool{id: true}
	// Containers dropped because they became empty go too.
	before := map[string]bool{}
	resources.Walk(func(e, _ *Node) bool {
		if e.Attr("id") != "" {
			before[e.Attr("id")] = true
		}
		return true
	})
	detach(resources, el, parent)
	for bid := range before {
		if x, _ := resources.FindID(bid); x == nil {
			gone[bid] = true
		}
	}
	removeConstraintsOn(c.Section("constraints"), gone)
	return true
}

// removeConstraintsOn drops constraints referring to any id in gone.
func removeConstraintsOn(cons *Node, gone map[string]bool) {
	refs := []string{"rsc", "with-rsc", "first", "then"}
	for _, k := range append([]*Node(nil), cons.Nodes...) {
		hit := false
		for _, r := range refs {
			if gone[k.Attr(r)] {
				hit = true
			}
		}
		k.Walk(func(e, _ *Node) bool {
			if e.Name() == "resource_ref" && gone[e.Attr("id")] {
				hit = true
			}
			return !hit
		})
		if hit {
			cons.Remove(k)
		}
	}
}
