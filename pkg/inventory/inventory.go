package inventory

import (
	"sync"
)

// Options tune loading.
type Options struct {
	// Warn receives warnings (unparsable files skipped in a directory,
	// ignored YAML keys, host patterns matching nothing). Nil discards them.
	Warn func(msg string)
}

// Host is an inventory host. Its fields are read-only for callers; use
// AddHost to change hosts.
type Host struct {
	// Name is the inventory hostname.
	Name string
	// Vars are the variables set on the host in inventory sources (not
	// host_vars/ files, not group variables); see Inventory.HostVars.
	Vars map[string]any
	// Groups names the groups the host was put in directly, in order.
	Groups []string
	// Source is the inventory file where the host first appeared (Ansible's
	// inventory_file), empty for hosts from host lists or AddHost.
	Source string
	// Implicit is true for the implicit localhost, which is not part of
	// the inventory (nor of the group "all").
	Implicit bool

	groups []*Group
	// sorted caches the host's groups (with ancestors, without "all") in
	// variable precedence order; valid while sortedGen == inv.gen.
	sorted    []*Group
	sortedKey string
	sortedGen uint64
}

// Group is an inventory group. Its fields are read-only for callers.
type Group struct {
	// Name is the group name.
	Name string
	// Hosts names the hosts directly in the group, in order.
	Hosts []string
	// Children names the direct child groups, in order.
	Children []string
	// Parents names the direct parent groups, in order.
	Parents []string
	// Vars are the variables set on the group in inventory sources (not
	// group_vars/ files).
	Vars map[string]any
	// Priority is ansible_group_priority (default 1): among groups of the
	// same depth, higher priorities are merged later and so win.
	Priority int

	hosts    []*Host
	children []*Group
	parents  []*Group
	depth    int
}

// Inventory is a loaded inventory. Its methods are safe for concurrent
// use; AddHost changes Host and Group values returned earlier, so do not
// read those while another goroutine calls AddHost.
type Inventory struct {
	opt Options

	mu         sync.Mutex
	hosts      map[string]*Host
	hostOrder  []*Host
	groups     map[string]*Group
	groupOrder []*Group
	localhost  *Host // first localhost-like host, or the implicit one

	// gen changes whenever the structure or the variables change; caches
	// tagged with an older gen are stale.
	gen        uint64
	cacheGen   uint64
	groupHosts map[*Group][]*Host
	groupVars  map[string]map[string]any

	invVars []*varsDir // group_vars/host_vars next to each source, in order
	pbVars  []*varsDir // next to the playbook
	dirs    map[string]*varsDir

	warned map[string]bool // name clashes already reported

	rangeLimit int // hosts one range may expand to; 0 means maxExpandedHosts
}

func newInventory(opt Options) *Inventory {
	inv := &Inventory{
		opt:    opt,
		hosts:  map[string]*Host{},
		groups: map[string]*Group{},
		dirs:   map[string]*varsDir{},
		warned: map[string]bool{},
	}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	_ = inv.addChild(inv.groups["all"], inv.groups["ungrouped"])
	return inv
}

// New returns an empty inventory with only the groups "all" and
// "ungrouped", to be filled with AddHost.
func New(opt Options) *Inventory { return newInventory(opt) }

func (inv *Inventory) warn(format string, a ...any) {
	if inv.opt.Warn != nil {
		inv.opt.Warn(sprintf(format, a...))
	}
}

// Hosts returns every host in the order the inventory defines them, without
// the implicit localhost.
func (inv *Inventory) Hosts() []*Host {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return append([]*Host(nil), inv.hostOrder...)
}

// Host returns the named host. For localhost, 127.0.0.1 and ::1 absent from
// the inventory it returns the implicit localhost, as Ansible does.
func (inv *Inventory) Host(name string) (*Host, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(name)
	return h, h != nil
}

// lookupHost finds a host or the implicit localhost.
func (inv *Inventory) lookupHost(name string) *Host {
	if h, ok := inv.hosts[name]; ok {
		return h
	}
	if isLocalhostName(name) {
		return inv.implicitLocalhost(name)
	}
	return nil
}

// Group returns the named group.
func (inv *Inventory) Group(name string) (*Group, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	g, ok := inv.groups[name]
	return g, ok
}

// Groups returns every group ("all" and "ungrouped" first) in the order
// they were defined.
func (inv *Inventory) Groups() []*Group {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return append([]*Group(nil), inv.groupOrder...)
}

// GroupNames returns Ansible's group_names for a host: every group the host
// belongs to, directly or through children, sorted, without "all" (but
// with "ungrouped" for ungrouped hosts). Unknown hosts give nil.
func (inv *Inventory) GroupNames(host string) []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h := inv.lookupHost(host)
	if h == nil {
		return nil
	}
	names := []string{}
	for _, g := range inv.hostGroups(h) {
		if g.Name != "all" {
			names = append(names, g.Name)
		}
	}
	sortStrings(names)
	return names
}

// GroupsMap returns Ansible's groups variable: every group name (including
// "all" and "ungrouped") mapped to all its hosts, children's included, in
// inventory order. The map and slices are fresh.
func (inv *Inventory) GroupsMap() map[string][]string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := make(map[string][]string, len(inv.groups))
	for _, g := range inv.groupOrder {
		hosts := inv.groupAllHosts(g)
		names := make([]string, len(hosts))
		for i, h := range hosts {
			names[i] = h.Name
		}
		out[g.Name] = names
	}
	return out
}
