package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hactl/hactl/pkg/inventory"
)

// invHost is what the lab needs from an inventory host.
type invHost struct {
	Name string
	// AnsibleHost is the host's ansible_host when it is an IP address.
	AnsibleHost netip.Addr
}

// inventoryHosts lists the hosts of the inventory at path (a file or a
// directory, with its group_vars and host_vars), in inventory order.
func inventoryHosts(path string) ([]invHost, error) {
	inv, err := inventory.Load([]string{path}, inventory.Options{})
	if err != nil {
		return nil, fmt.Errorf("lab inventory: %w", err)
	}
	var out []invHost
	for _, h := range inv.Hosts() {
		if h.Implicit {
			continue
		}
		ih := invHost{Name: h.Name}
		if v, ok := inv.HostVars(h.Name)["ansible_host"].(string); ok {
			if a, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
				ih.AnsibleHost = a
			}
		}
		out = append(out, ih)
	}
	return out, nil
}
