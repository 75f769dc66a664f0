package inventory

import (
	"sort"
	"strings"
)

// HostVars returns the variables of a host merged in Ansible's precedence
// order, lowest first:
//
//  1. inventory-source vars of "all"
//  2. inventory-source vars of the host's other groups, by depth (parents
//     before children), then ansible_group_priority, then name
//  3. the inventory's group_vars/all
//  4. the playbook's group_vars/all
//  5. the inventory's group_vars/<group>, groups in the order of 2
//  6. the playbook's group_vars/<group>
//  7. inventory-source vars of the host
//  8. the inventory's host_vars/<host>
//  9. the playbook's host_vars/<host>
//
// A later level replaces a variable as a whole (dicts are not merged, as
// with Ansible's default hash_behaviour=replace). The map is fresh; the
// values are shared and must be copied before being modified. Unknown
// hosts give nil.
func (inv *Inventory) HostVars(host string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(host)
	if h == nil {
		return nil
	}
	inv.freshCaches()
	groups, key := inv.sortedGroups(h)
	base, ok := inv.groupVars[key]
	if !ok {
		base = inv.mergeGroupVars(groups)
		inv.groupVars[key] = base
	}
	out := make(map[string]any, len(base)+len(h.Vars)+4)
	for k, v := range base {
		out[k] = v
	}
	for k, v := range h.Vars {
		out[k] = v
	}
	for _, dirs := range [][]*varsDir{inv.invVars, inv.pbVars} {
		for _, d := range dirs {
			m, err := d.kinds["host_vars"].vars(h.Name)
			if err != nil {
				// Only hosts added after loading can get here; AddHost
				// reports the same error.
				inv.warn("%v", err)
			}
			for k, v := range m {
				out[k] = v
			}
		}
	}
	return out
}

// sortedGroups returns the host's groups without "all" in precedence order
// and a key identifying that list.
func (inv *Inventory) sortedGroups(h *Host) ([]*Group, string) {
	if h.sortedGen == inv.gen && h.sorted != nil {
		return h.sorted, h.sortedKey
	}
	var groups []*Group
	for _, g := range inv.hostGroups(h) {
		if g.Name != "all" {
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		if a.depth != b.depth {
			return a.depth < b.depth
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.Name < b.Name
	})
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	h.sorted, h.sortedKey, h.sortedGen = groups, "\x00"+strings.Join(names, "\x00"), inv.gen
	if h.sorted == nil {
		h.sorted = []*Group{}
	}
	return h.sorted, h.sortedKey
}

// mergeGroupVars merges levels 1 to 6 of HostVars for one list of groups.
func (inv *Inventory) mergeGroupVars(groups []*Group) map[string]any {
	out := map[string]any{}
	put := func(m map[string]any) {
		for k, v := range m {
			out[k] = v
		}
	}
	put(inv.groups["all"].Vars)
	for _, g := range groups {
		put(g.Vars)
	}
	fromDirs := func(dirs []*varsDir, name string) {
		for _, d := range dirs {
			m, err := d.kinds["group_vars"].vars(name)
			if err != nil {
				inv.warn("%v", err)
			}
			put(m)
		}
	}
	fromDirs(inv.invVars, "all")
	fromDirs(inv.pbVars, "all")
	for _, dirs := range [][]*varsDir{inv.invVars, inv.pbVars} {
		for _, d := range dirs {
			for _, g := range groups {
				fromDirs([]*varsDir{d}, g.Name)
			}
		}
	}
	return out
}

// GroupVars returns a group's own variables: those set in inventory
// sources, then its group_vars/ files (inventory's, then the playbook's).
// It does not include parent groups. The map is fresh; unknown groups give
// nil.
func (inv *Inventory) GroupVars(group string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	g, ok := inv.groups[group]
	if !ok {
		return nil
	}
	out := make(map[string]any, len(g.Vars))
	for k, v := range g.Vars {
		out[k] = v
	}
	inv.putDirVars(out, "group_vars", group)
	return out
}

// HostOwnVars returns a host's own variables: those set in inventory
// sources, then its host_vars/ files, without any group variables. The
// map is fresh; unknown hosts give nil.
func (inv *Inventory) HostOwnVars(host string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(host)
	if h == nil {
		return nil
	}
	out := make(map[string]any, len(h.Vars))
	for k, v := range h.Vars {
		out[k] = v
	}
	inv.putDirVars(out, "host_vars", h.Name)
	return out
}

// putDirVars copies the vars of one entity from every vars directory
// (inventory's, then the playbook's) into out.
func (inv *Inventory) putDirVars(out map[string]any, kind, name string) {
	for _, dirs := range [][]*varsDir{inv.invVars, inv.pbVars} {
		for _, d := range dirs {
			m, err := d.kinds[kind].vars(name)
			if err != nil {
				inv.warn("%v", err)
			}
			for k, v := range m {
				out[k] = v
			}
		}
	}
}
