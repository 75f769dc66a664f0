// Package apt implements the Debian package modules: apt, package (the
// generic front-end, dispatching to apt) and dpkg_selections.
//
// apt reads the package database with dpkg-query and the candidates with
// apt-cache show (both machine-readable deb822/tab-separated output) in
// one script, decides what to install or remove exactly as Ansible's apt
// module does, and runs one apt-get command for the difference.
package apt

import (
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Apt{}) }

// Apt is the apt module.
type Apt struct{}

// Spec describes the apt module.
func (Apt) Spec() module.Spec {
	return module.Spec{
		Name:  "apt",
		Short: "Manage packages with apt (Debian, Ubuntu)",
		Doc: `Installs, upgrades and removes Debian packages with apt-get, refreshes the package lists and upgrades the whole system.

Package names may carry a version: name=1.2-3 (fnmatch patterns such as name=1.2* allowed) installs that version, name>=1.2 accepts any installed version at least that high. The installed state comes from dpkg-query and the candidate versions from apt-cache show; a package counts as installed only when dpkg says "install ok installed". Packages are marked as manually installed after installation, as Ansible does.

Commands run non-interactively (DEBIAN_FRONTEND=noninteractive) and wait up to lock_timeout seconds for the dpkg lock. Check mode decides from the current state and runs apt-get with --simulate to make sure the change is possible.`,
		Params: []module.Param{
			{Name: "name", Type: module.List, Elements: module.Str, Aliases: []string{"package", "pkg"}, Doc: "Packages to manage, as a list or a comma-separated string; name=version and name>=version are accepted. With state latest, \"*\" upgrades every installed package."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "build-dep", "latest", "present", "fixed"}, Doc: "present installs missing packages; latest also upgrades installed ones to the candidate; absent removes them; build-dep installs what is needed to build them; fixed is present with --fix-broken."},
			{Name: "update_cache", Type: module.Bool, Aliases: []string{"update-cache"}, Doc: "Run apt-get update first (alone or before the other actions)."},
			{Name: "update_cache_retries", Type: module.Int, Default: 5, Doc: "How many times to try apt-get update."},
			{Name: "update_cache_retry_max_delay", Type: module.Int, Default: 12, Doc: "The longest pause, in seconds, between two update attempts (the pause doubles each time)."},
			{Name: "cache_valid_time", Type: module.Int, Default: 0, Doc: "Skip the update when the lists are younger than this many seconds (the age of /var/lib/apt/periodic/update-success-stamp, else of /var/lib/apt/lists). Setting it implies update_cache."},
			{Name: "purge", Type: module.Bool, Default: false, Doc: "With state absent, remove configuration files too (--purge); a package left with only its configuration files is then purged."},
			{Name: "autoremove", Type: module.Bool, Default: false, Doc: "Remove dependencies nobody needs any more (--auto-remove; alone, apt-get autoremove)."},
			{Name: "autoclean", Type: module.Bool, Default: false, Doc: "Delete package files that can no longer be downloaded from the local cache."},
			{Name: "clean", Type: module.Bool, Default: false, Doc: "Empty the local package file cache (apt-get clean)."},
			{Name: "fail_on_autoremove", Type: module.Bool, Default: false, Doc: "Fail instead of removing packages to satisfy dependencies (--no-remove)."},
			{Name: "install_recommends", Type: module.Bool, Aliases: []string{"install-recommends"}, Doc: "Install recommended packages too (true) or not (false); unset keeps the host's default."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Pass --force-yes to apt-get (or --force-all to dpkg for deb); dangerous."},
			{Name: "allow_unauthenticated", Type: module.Bool, Default: false, Aliases: []string{"allow-unauthenticated"}, Doc: "Install packages that cannot be authenticated."},
			{Name: "allow_downgrade", Type: module.Bool, Default: false, Aliases: []string{"allow-downgrade", "allow_downgrades", "allow-downgrades"}, Doc: "Allow installing a lower version than the installed one (name=version)."},
			{Name: "allow_change_held_packages", Type: module.Bool, Default: false, Doc: "Allow changing packages that are on hold."},
			{Name: "only_upgrade", Type: module.Bool, Default: false, Doc: "Only upgrade packages that are installed; never install new ones."},
			{Name: "default_release", Type: module.Str, Aliases: []string{"default-release"}, Doc: "Prefer this release (apt-get -t), e.g. bookworm-backports."},
			{Name: "dpkg_options", Type: module.Str, Default: "force-confdef,force-confold", Doc: "Comma-separated dpkg options, each passed as -o Dpkg::Options::=--OPTION."},
			{Name: "deb", Type: module.Path, Doc: "A .deb file on the host, or an http(s) URL downloaded on the host, to install with its dependencies. Only with state present."},
			{Name: "upgrade", Type: module.Str, Default: "no", Choices: []any{"dist", "full", "no", "safe", "yes"}, Doc: "Upgrade the system: yes/safe is apt-get upgrade --with-new-pkgs, dist and full are apt-get dist-upgrade. When given, name is ignored."},
			{Name: "lock_timeout", Type: module.Int, Default: 60, Doc: "Seconds to wait for the dpkg lock (DPkg::Lock::Timeout)."},
			{Name: "policy_rc_d", Type: module.Int, Doc: "While the packages are installed, put a policy-rc.d in place that exits with this code (101 keeps services from starting); the previous one is restored."},
			{Name: "force_apt_get", Type: module.Bool, Default: false, Doc: "Accepted for compatibility; hactl always uses apt-get."},
		},
		CheckMode:         true,
		RequiredOneOf:     [][]string{{"name", "deb", "upgrade", "update_cache", "autoremove", "autoclean", "clean"}},
		MutuallyExclusive: [][]string{{"deb", "name"}, {"deb", "upgrade"}},
		Examples: `- name: Install HAProxy
  apt:
    name: haproxy
    state: present

- name: Refresh the lists at most once an hour, then install a pinned version
  apt:
    name: [keepalived=1:2.2.7-1+b2, socat]
    update_cache: true
    cache_valid_time: 3600

- name: Remove a package and its configuration
  apt:
    name: nginx
    state: absent
    purge: true

- name: Install a .deb already copied to the host
  apt:
    deb: /tmp/mypkg_1.0_amd64.deb

- name: Upgrade everything
  apt:
    upgrade: dist
    update_cache: true`,
		Returns: []module.ReturnValue{
			{Name: "cache_updated", Type: module.Bool, Doc: "Whether the package lists were refreshed."},
			{Name: "cache_update_time", Type: module.Int, Doc: "When the lists were last refreshed (Unix time)."},
			{Name: "stdout", Type: module.Str, Doc: "apt-get's output, when it ran."},
			{Name: "stderr", Type: module.Str, Doc: "apt-get's error output, when it ran."},
		},
	}
}
