package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Subnet is the lab's address range; nothing else is ever routed.
var Subnet = netip.MustParsePrefix("10.77.0.0/24")

// BridgeAddr is the machine's address on the lab bridge.
var BridgeAddr = netip.MustParseAddr("10.77.0.1")

// ConfigFile is the optional per-lab settings file in a lab directory.
const ConfigFile = "lab.yml"

// Config is the content of lab.yml.
type Config struct {
	// Name names the lab; default: the directory's base name.
	Name string `yaml:"name"`
	// Subnet must be 10.77.0.0/24 when given.
	Subnet string `yaml:"subnet"`
	// Image adds packages to the default image.
	Image struct {
		ExtraPackages []string `yaml:"extra_packages"`
	} `yaml:"image"`
	// Hosts tunes inventory hosts by name.
	Hosts map[string]HostConfig `yaml:"hosts"`
}

// HostConfig is one host's entry in lab.yml.
type HostConfig struct {
	// Address is the host's address in the lab subnet.
	Address string `yaml:"address"`
	// Docker prepares the host to run dockerd.
	Docker bool `yaml:"docker"`
	// NFS gives the host a directory on the machine's disk, bound at
	// NFSPath, that nfs-ganesha can export.
	NFS bool `yaml:"nfs"`
	// NFSPath is where that directory appears in the host; default
	// DefaultNFSPath.
	NFSPath string `yaml:"nfs_path"`
}

// DefaultNFSPath is where an NFS host's export directory is bound.
const DefaultNFSPath = "/srv/nfs"

// Lab is a lab directory resolved: its name, hosts and image.
type Lab struct {
	// Name is the lab's name, [a-z0-9-], at most 16 characters.
	Name string
	// Dir is the lab directory, absolute.
	Dir string
	// Inventory is the inventory file or directory inside Dir.
	Inventory string
	// Recipe is the image the hosts boot.
	Recipe Recipe
	// Hosts are the lab's hosts in inventory order.
	Hosts []Host
}

// Host is one lab host as configured.
type Host struct {
	Name    string
	Address netip.Addr
	Docker  bool
	NFS     bool
	NFSPath string
}

// Host returns the host called name, or nil.
func (l *Lab) Host(name string) *Host {
	for i := range l.Hosts {
		if l.Hosts[i].Name == name {
			return &l.Hosts[i]
		}
	}
	return nil
}

var (
	labNameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)
	hostNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// inventoryNames are the inventory files a lab directory may hold, in the
// order they are looked for.
var inventoryNames = []string{"hosts", "hosts.ini", "hosts.yml", "hosts.yaml", "inventory", "inventory.ini", "inventory.yml", "inventory.yaml"}

// FindInventory returns the inventory file (or inventory directory) of the
// lab directory dir.
func FindInventory(dir string) (string, error) {
	for _, n := range inventoryNames {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no inventory (looked for %s)", dir, strings.Join(inventoryNames, ", "))
}

// Load reads the lab directory dir: its inventory and optional lab.yml.
func Load(dir string) (*Lab, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lab dir: %w", err)
	}
	var cfg Config
	data, err := os.ReadFile(filepath.Join(abs, ConfigFile))
	switch {
	case err == nil:
		if err := yaml.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(abs, ConfigFile), err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("lab config: %w", err)
	}
	inv, err := FindInventory(abs)
	if err != nil {
		return nil, err
	}
	hosts, err := inventoryHosts(inv)
	if err != nil {
		return nil, err
	}
	return resolve(abs, inv, cfg, hosts)
}

// resolve checks cfg against the inventory hosts and assigns addresses.
func resolve(dir, inv string, cfg Config, hosts []invHost) (*Lab, error) {
	where := filepath.Join(dir, ConfigFile)
	l := &Lab{Dir: dir, Inventory: inv, Name: cfg.Name}
	if l.Name == "" {
		l.Name = sanitizeName(filepath.Base(dir))
	}
	if !labNameRE.MatchString(l.Name) {
		return nil, fmt.Errorf("%s: lab name %q: use 1-16 characters a-z, 0-9 and -, starting with a letter or digit", where, l.Name)
	}
	if cfg.Subnet != "" && cfg.Subnet != Subnet.String() {
		return nil, fmt.Errorf("%s: subnet %s: the lab range is fixed to %s", where, cfg.Subnet, Subnet)
	}
	l.Recipe = DefaultRecipe().WithExtra(cfg.Image.ExtraPackages)
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%s: the inventory has no hosts", inv)
	}
	known := map[string]bool{}
	for _, h := range hosts {
		known[h.Name] = true
	}
	for name := range cfg.Hosts {
		if !known[name] {
			return nil, fmt.Errorf("%s: host %q is not in the inventory %s", where, name, inv)
		}
	}
	used := map[netip.Addr]string{BridgeAddr: "the bridge"}
	claim := func(a netip.Addr, name string) error {
		if !Subnet.Contains(a) || a == Subnet.Addr() || a == netip.MustParseAddr("10.77.0.255") {
			return fmt.Errorf("%s: host %s: address %s is not a host address in %s", where, name, a, Subnet)
		}
		if other, ok := used[a]; ok {
			return fmt.Errorf("%s: host %s: address %s is already %s's", where, name, a, other)
		}
		used[a] = name
		return nil
	}
	// Explicit and mapped addresses first, then allocation for the rest.
	for _, h := range hosts {
		if !hostNameRE.MatchString(h.Name) {
			return nil, fmt.Errorf("%s: host name %q cannot be a hostname", inv, h.Name)
		}
		if len(machineName(l.Name, h.Name)) > 64 {
			return nil, fmt.Errorf("%s: host name %q is too long for lab %q (lab and host names together: 63 characters at most)", inv, h.Name, l.Name)
		}
		hc := cfg.Hosts[h.Name]
		lh := Host{Name: h.Name, Docker: hc.Docker, NFS: hc.NFS, NFSPath: hc.NFSPath}
		if lh.NFS && lh.NFSPath == "" {
			lh.NFSPath = DefaultNFSPath
		}
		if lh.NFSPath != "" && !filepath.IsAbs(lh.NFSPath) {
			return nil, fmt.Errorf("%s: host %s: nfs_path must be absolute", where, h.Name)
		}
		switch {
		case hc.Address != "":
			a, err := netip.ParseAddr(hc.Address)
			if err != nil {
				return nil, fmt.Errorf("%s: host %s: %w", where, h.Name, err)
			}
			lh.Address = a
		case h.AnsibleHost.Is4():
			last := h.AnsibleHost.As4()[3]
			lh.Address = netip.AddrFrom4([4]byte{10, 77, 0, last})
		}
		if lh.Address.IsValid() {
			if err := claim(lh.Address, h.Name); err != nil {
				return nil, err
			}
		}
		l.Hosts = append(l.Hosts, lh)
	}
	next := netip.MustParseAddr("10.77.0.100")
	for i := range l.Hosts {
		if l.Hosts[i].Address.IsValid() {
			continue
		}
		for used[next] != "" {
			next = next.Next()
		}
		if err := claim(next, l.Hosts[i].Name); err != nil {
			return nil, fmt.Errorf("%s: no free address left for %s: %w", where, l.Hosts[i].Name, err)
		}
		l.Hosts[i].Address = next
	}
	return l, nil
}

// sanitizeName turns a directory name into a lab name.
func sanitizeName(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '_' || r == '.' || r == ' ':
			b.WriteRune('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 16 {
		out = strings.TrimRight(out[:16], "-")
	}
	return out
}
