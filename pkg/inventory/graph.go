package inventory

import (
	"fmt"
	"sort"
	"strconv"
)

// changed invalidates every cache derived from the structure or variables.
func (inv *Inventory) changed() { inv.gen++ }

// addGroup returns the named group, creating it if needed.
func (inv *Inventory) addGroup(name string) *Group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &Group{Name: name, Vars: map[string]any{}, Priority: 1}
	inv.groups[name] = g
	inv.groupOrder = append(inv.groupOrder, g)
	inv.changed()
	return g
}

// addHost returns the named host, creating it (from source) if needed.
func (inv *Inventory) addHost(name, source string) *Host {
	if h, ok := inv.hosts[name]; ok {
		return h
	}
	h := &Host{Name: name, Vars: map[string]any{}, Source: source}
	inv.hosts[name] = h
	inv.hostOrder = append(inv.hostOrder, h)
	if isLocalhostName(name) && (inv.localhost == nil || inv.localhost.Implicit) {
		inv.localhost = h
	}
	inv.changed()
	return h
}

// placeHost puts the host named name, as a host line of an inventory
// source declares it, in g: a new host comes from source and takes port
// (when not 0) as its ansible_port; a known host keeps its port.
func (inv *Inventory) placeHost(name, source string, port int, g *Group) *Host {
	h, existed := inv.hosts[name], inv.hosts[name] != nil
	if !existed {
		h = inv.addHost(name, source)
		if port != 0 {
			h.Vars["ansible_port"] = port
		}
	}
	inv.addHostToGroup(h, g)
	return h
}

// addHostToGroup puts h directly in g.
func (inv *Inventory) addHostToGroup(h *Host, g *Group) {
	for _, x := range h.groups {
		if x == g {
			return
		}
	}
	h.groups = append(h.groups, g)
	h.Groups = append(h.Groups, g.Name)
	g.hosts = append(g.hosts, h)
	g.Hosts = append(g.Hosts, h.Name)
	inv.changed()
}

// removeHostFromGroup takes h out of g's direct hosts.
func (inv *Inventory) removeHostFromGroup(h *Host, g *Group) {
	for i, x := range h.groups {
		if x == g {
			h.groups = append(h.groups[:i:i], h.groups[i+1:]...)
			h.Groups = append(h.Groups[:i:i], h.Groups[i+1:]...)
			break
		}
	}
	for i, x := range g.hosts {
		if x == h {
			g.hosts = append(g.hosts[:i:i], g.hosts[i+1:]...)
			g.Hosts = append(g.Hosts[:i:i], g.Hosts[i+1:]...)
			break
		}
	}
	inv.changed()
}

// addChild makes child a child group of parent, refusing loops.
func (inv *Inventory) addChild(parent, child *Group) error {
	if parent == child {
		return fmt.Errorf("can't add group %q to itself", parent.Name)
	}
	for _, c := range parent.children {
		if c == child {
			return nil
		}
	}
	for _, a := range ancestors(parent) {
		if a == child {
			return fmt.Errorf("adding group %q as child to %q creates a recursive dependency loop", child.Name, parent.Name)
		}
	}
	parent.children = append(parent.children, child)
	parent.Children = append(parent.Children, child.Name)
	child.parents = append(child.parents, parent)
	child.Parents = append(child.Parents, parent.Name)
	inv.changed()
	return nil
}

// ancestors returns every group above g, nearest first.
func ancestors(g *Group) []*Group {
	var out []*Group
	seen := map[*Group]bool{}
	queue := g.parents
	for len(queue) > 0 {
		var next []*Group
		for _, p := range queue {
			if seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
			next = append(next, p.parents...)
		}
		queue = next
	}
	return out
}

// hostGroups returns the groups h belongs to directly and through child
// groups, including "all" (except for the implicit localhost).
func (inv *Inventory) hostGroups(h *Host) []*Group {
	out := make([]*Group, 0, len(h.groups)+2)
	seen := make(map[*Group]bool, len(h.groups)+2)
	for _, g := range h.groups {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
		for _, a := range ancestors(g) {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// reconcile applies Ansible's rules after loading or changing hosts: groups
// without parents become children of "all"; hosts in no group but "all"
// go to "ungrouped"; hosts in another group leave "ungrouped".
func (inv *Inventory) reconcile() {
	all, ungrouped := inv.groups["all"], inv.groups["ungrouped"]
	for _, g := range inv.groupOrder {
		if g != all && len(g.parents) == 0 {
			_ = inv.addChild(all, g) // cannot loop: g has no parents
		}
	}
	for _, h := range inv.hostOrder {
		groups := inv.hostGroups(h)
		inUngrouped, other := false, false
		for _, g := range groups {
			switch g {
			case ungrouped:
				inUngrouped = true
			case all:
			default:
				other = true
			}
		}
		switch {
		case inUngrouped && other:
			inv.removeHostFromGroup(h, ungrouped)
		case !inUngrouped && !other:
			inv.addHostToGroup(h, ungrouped)
		}
	}
	for _, g := range inv.groupOrder {
		if _, ok := inv.hosts[g.Name]; ok && !inv.warned[g.Name] {
			inv.warned[g.Name] = true
			inv.warn("found both group and host with same name: %s", g.Name)
		}
	}
}

// freshCaches drops caches computed for an older generation and
// recomputes group depths.
func (inv *Inventory) freshCaches() {
	if inv.cacheGen == inv.gen && inv.groupHosts != nil {
		return
	}
	inv.cacheGen = inv.gen
	inv.groupHosts = map[*Group][]*Host{}
	inv.groupVars = map[string]map[string]any{}
	memo := map[*Group]int{}
	var depth func(g *Group, guard int) int
	depth = func(g *Group, guard int) int {
		if d, ok := memo[g]; ok {
			return d
		}
		d := 0
		if guard < len(inv.groups) {
			for _, p := range g.parents {
				if pd := depth(p, guard+1) + 1; pd > d {
					d = pd
				}
			}
		}
		memo[g] = d
		return d
	}
	for _, g := range inv.groupOrder {
		g.depth = depth(g, 0)
	}
}

// groupAllHosts returns the hosts of g and of all its descendants, walking
// the groups breadth first (children in order), as Ansible's get_hosts.
func (inv *Inventory) groupAllHosts(g *Group) []*Host {
	inv.freshCaches()
	if hs, ok := inv.groupHosts[g]; ok {
		return hs
	}
	var hosts []*Host
	seenHost := map[*Host]bool{}
	seenGroup := map[*Group]bool{g: true}
	level := []*Group{g}
	for len(level) > 0 {
		var next []*Group
		for _, x := range level {
			for _, h := range x.hosts {
				if !seenHost[h] && !h.Implicit {
					seenHost[h] = true
					hosts = append(hosts, h)
				}
			}
			for _, c := range x.children {
				if !seenGroup[c] {
					seenGroup[c] = true
					next = append(next, c)
				}
			}
		}
		level = next
	}
	inv.groupHosts[g] = hosts
	return hosts
}

// setGroupVar sets a variable on a group as an inventory source does:
// ansible_group_priority sets the priority and is not kept as a variable.
func (inv *Inventory) setGroupVar(g *Group, key string, value any) error {
	inv.changed()
	if key == "ansible_group_priority" {
		p, err := pyInt(value)
		if err != nil {
			return fmt.Errorf("group %s: ansible_group_priority: %w", g.Name, err)
		}
		g.Priority = p
		return nil
	}
	g.Vars[key] = value
	return nil
}

// pyInt converts a value as Python's int() would for the types inventories hold.
func pyInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case float64:
		return int(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("invalid integer %q", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("invalid integer %v", v)
}

func sortStrings(s []string) { sort.Strings(s) }

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
