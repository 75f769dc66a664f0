package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// recipeVersion changes whenever the way an image is built changes in a way
// the package lists do not show, so that old caches are not reused.
const recipeVersion = 2

// Recipe describes an image: everything that decides its content. Two equal
// recipes give the same image, so the recipe's hash names the cache entry.
type Recipe struct {
	// Suite is the Debian release, e.g. "bookworm".
	Suite string `json:"suite"`
	// Layers are package lists installed one after the other.
	Layers [][]string `json:"layers"`
	// Disable lists the units disabled after installing, so that the
	// playbooks under test are what enables them.
	Disable []string `json:"disable"`
	// Mask lists the units masked after installing.
	Mask []string `json:"mask"`
	// Extra are a lab's additional packages, installed on top of the
	// recipe without them (its parent image).
	Extra []string `json:"extra,omitempty"`
	// Version is recipeVersion when the recipe was made.
	Version int `json:"version"`
}

// basePackages make a bootable, reachable host that ansible-playbook can
// drive too.
var basePackages = []string{
	"systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "procps",
	"python3", "python3-apt", "sudo", "ca-certificates", "curl", "netcat-openbsd",
	"iputils-ping", "less", "vim-tiny", "gnupg", "lsb-release", "apt-transport-https",
}

// haPackages is the software the HA labs configure.
var haPackages = []string{
	"haproxy", "mariadb-server", "mariadb-client", "galera-4", "rsync", "socat",
	"keepalived", "pacemaker", "corosync", "pcs", "resource-agents", "crmsh",
	"docker-registry", "nfs-ganesha", "nfs-ganesha-vfs", "docker.io", "containerd",
	"runc", "iptables", "kmod", "ufw", "cron", "psmisc", "lsof", "xz-utils",
}

// haServices are disabled in the image: a playbook enables what it needs.
var haServices = []string{
	"haproxy.service", "keepalived.service", "mariadb.service", "mariadb.socket",
	"pacemaker.service", "logd.service", "pcsd-ruby.service",
	"corosync.service", "pcsd.service", "docker.service", "docker.socket",
	"containerd.service", "docker-registry.service", "nfs-ganesha.service",
	"nfs-ganesha-lock.service", "rpcbind.service", "rpcbind.socket", "ufw.service",
}

// DefaultRecipe is the image every lab uses unless it asks for extra
// packages.
func DefaultRecipe() Recipe {
	return Recipe{
		Suite:   "bookworm",
		Layers:  [][]string{slices.Clone(basePackages), slices.Clone(haPackages)},
		Disable: slices.Clone(haServices),
		// rpc_pipefs cannot be mounted in a container (the host would boot
		// degraded); a container must not load kernel modules; exim4
		// (pulled in as the default MTA) would double a host's memory.
		Mask:    []string{"run-rpc_pipefs.mount", "systemd-modules-load.service", "exim4.service"},
		Version: recipeVersion,
	}
}

// WithExtra returns the recipe with extra packages on top. The list is
// sorted and deduplicated so that order does not change the hash.
func (r Recipe) WithExtra(pkgs []string) Recipe {
	out := r
	out.Extra = nil
	for _, p := range append(slices.Clone(r.Extra), pkgs...) {
		if p != "" && !slices.Contains(out.Extra, p) {
			out.Extra = append(out.Extra, p)
		}
	}
	slices.Sort(out.Extra)
	return out
}

// Parent is the recipe without its extra packages: the image an extended
// image starts from.
func (r Recipe) Parent() Recipe {
	out := r
	out.Extra = nil
	return out
}

// Hash names the image: the first 16 hex digits of the SHA-256 of the
// recipe's JSON form.
func (r Recipe) Hash() string {
	data, err := json.Marshal(r)
	if err != nil { // a struct of strings always marshals
		panic(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:16]
}
