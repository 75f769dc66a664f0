package inventory

import "fmt"

// AddHost adds a host at run time, as Ansible's add_host: a new host goes
// into "all", missing groups are created (as children of "all"), and vars
// replace the host's inventory variables of the same name. Its
// host_vars/ and its new groups' group_vars/ files apply too.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) error {
	if name == "" {
		return fmt.Errorf("add host: empty host name")
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, ok := inv.hosts[name]
	if !ok {
		h = inv.addHost(name, "")
		inv.addHostToGroup(h, inv.groups["all"])
	}
	for k, v := range vars {
		h.Vars[k] = v
	}
	for _, gn := range groups {
		if gn == "" {
			return fmt.Errorf("add host %s: empty group name", name)
		}
		inv.addHostToGroup(h, inv.addGroup(gn))
	}
	inv.reconcile()
	inv.changed()
	if err := inv.loadEntityVars(append(append([]*varsDir(nil), inv.invVars...), inv.pbVars...)); err != nil {
		return fmt.Errorf("add host %s: %w", name, err)
	}
	return nil
}
