package inventory

// isLocalhostName reports whether name is one Ansible treats as the
// controller itself.
func isLocalhostName(name string) bool {
	return name == "localhost" || name == "127.0.0.1" || name == "::1"
}

// implicitLocalhost returns the inventory's first localhost-like host, or
// creates the implicit localhost (ansible_connection=local), which belongs
// to no group and is not part of "all".
func (inv *Inventory) implicitLocalhost(name string) *Host {
	if inv.localhost != nil {
		return inv.localhost
	}
	inv.localhost = &Host{
		Name:     name,
		Vars:     map[string]any{"ansible_connection": "local"},
		Implicit: true,
	}
	inv.changed()
	return inv.localhost
}
