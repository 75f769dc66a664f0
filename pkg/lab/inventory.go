package lab

import (
	"net/netip"
)

// invHost is what the lab needs from an inventory host.
type invHost struct {
	Name string
	// AnsibleHost is the host's ansible_host when it is an IP address.
	AnsibleHost netip.Addr
}
