package apt

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Package{}) }

// Package is the package module: a front-end that runs the host's package
// manager module with the task's arguments.
type Package struct{}

// Spec describes the package module.
func (Package) Spec() module.Spec {
	return module.Spec{
		Name:  "package",
		Short: "Manage packages with the host's package manager",
		Doc:   `Runs the package manager module that fits the host with the task's arguments (all of them but use are passed on unchanged, so manager-specific options work too). The manager comes from use, else from the ansible_pkg_mgr fact when facts were gathered, else it is detected on the host. hactl implements apt; on a host with another manager the task fails and says which.`,
		Params: []module.Param{
			{Name: "name", Type: module.Raw, Required: true, Doc: "Package name(s), with an optional version as the manager allows (name=1.0 for apt)."},
			{Name: "state", Type: module.Str, Required: true, Doc: "present, absent or latest (and whatever else the manager module accepts)."},
			{Name: "use", Type: module.Str, Default: "auto", Doc: "The package manager module to run; auto chooses it from facts or the host."},
		},
		AnyArgs:   true,
		CheckMode: true,
		Examples: `- name: Install ntpdate whatever the distribution
  package:
    name: ntpdate
    state: present

- name: Several packages at once
  package:
    name: [haproxy, keepalived]
    state: latest`,
	}
}

// Run picks the manager and delegates.
func (Package) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	mgr := a.String("use")
	if mgr == "auto" {
		mgr = factPkgMgr(t.Vars)
	}
	if mgr == "auto" || mgr == "" {
		out, err := hostcmd.Run(ctx, t.Conn, "package: detect the package manager",
			"for m in apt-get dnf yum zypper apk pacman; do if command -v $m >/dev/null 2>&1; then echo $m; break; fi; done", transport.RunOpts{})
		if err != nil {
			return module.Result{}, err
		}
		mgr = strings.TrimSpace(out.Stdout)
		if mgr == "apt-get" {
			mgr = "apt"
		}
	}
	switch mgr {
	case "apt", "ansible.builtin.apt", "ansible.legacy.apt":
	case "":
		return module.Failf(`Could not detect which package manager to use. Try gathering facts or setting the "use" option.`), nil
	default:
		return module.Failf("package: the host's package manager is %s; hactl implements only apt", mgr), nil
	}
	raw := maps.Clone(map[string]any(a))
	delete(raw, "use")
	args, err := Apt{}.Spec().Validate(raw, false)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	res, err := Apt{}.Run(ctx, t, args)
	if err != nil {
		return res, fmt.Errorf("package: %w", err)
	}
	return res, nil
}

// factPkgMgr reads ansible_pkg_mgr from the host's facts, if gathered.
func factPkgMgr(vars map[string]any) string {
	if s, ok := vars["ansible_pkg_mgr"].(string); ok {
		return s
	}
	if f, ok := vars["ansible_facts"].(map[string]any); ok {
		if s, ok := f["pkg_mgr"].(string); ok {
			return s
		}
	}
	return ""
}
