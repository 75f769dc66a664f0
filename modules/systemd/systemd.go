// Package systemd implements the systemd module (also registered as
// systemd_service) and the service module, which delegates to it on hosts
// run by systemd.
//
// One script gathers the unit's state (`systemctl show` key=value
// properties plus `systemctl is-enabled`), the module computes which
// systemctl actions the arguments need, and one more script applies them.
package systemd

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Systemd{}) }

// Systemd is the systemd module: start, stop, restart, reload, enable,
// disable, mask and unmask systemd units.
type Systemd struct{}

var returns = []module.ReturnValue{
	{Name: "name", Type: module.Str, Doc: "The unit name as given."},
	{Name: "status", Type: module.Dict, Doc: "Properties of the unit read with `systemctl show` before any change (ActiveState, SubState, LoadState, UnitFileState, MainPID, …)."},
	{Name: "state", Type: module.Str, Doc: "The state asked for (restarted and reloaded report started); only when state was given."},
	{Name: "enabled", Type: module.Bool, Doc: "Whether the unit starts at boot after the task; only when enabled was given."},
}

func unitParams() []module.Param {
	return []module.Param{
		{Name: "name", Type: module.Str, Aliases: []string{"service", "unit"}, Doc: "The unit to manage, such as haproxy or haproxy.service; without a suffix systemd assumes .service."},
		{Name: "state", Type: module.Str, Choices: []any{"reloaded", "restarted", "started", "stopped"}, Doc: "started and stopped act only when needed. restarted always restarts (and starts a stopped unit); reloaded always reloads a running unit and starts a stopped one; both always report changed."},
		{Name: "enabled", Type: module.Bool, Doc: "Whether the unit starts at boot."},
		{Name: "masked", Type: module.Bool, Doc: "Whether the unit is masked (cannot be started at all)."},
		{Name: "daemon_reload", Type: module.Bool, Default: false, Aliases: []string{"daemon-reload"}, Doc: "Run `systemctl daemon-reload` first, so changed unit files are read. Can be used without name."},
		{Name: "daemon_reexec", Type: module.Bool, Default: false, Aliases: []string{"daemon-reexec"}, Doc: "Run `systemctl daemon-reexec` first (re-execute the service manager). Can be used without name."},
		{Name: "force", Type: module.Bool, Doc: "Pass --force to enable and mask, replacing conflicting symlinks."},
		{Name: "no_block", Type: module.Bool, Default: false, Doc: "Queue start, stop, restart and reload jobs without waiting for them to finish (--no-block)."},
		{Name: "scope", Type: module.Str, Default: "system", Choices: []any{"system", "user", "global"}, Doc: "Which service manager: the system's, the connecting user's (--user; needs a user session), or the default for all users (--global; only enabled and masked make sense there)."},
	}
}

// Spec describes the systemd module.
func (Systemd) Spec() module.Spec {
	return module.Spec{
		Name:    "systemd",
		Aliases: []string{"systemd_service"},
		Short:   "Manage systemd units",
		Doc: `Controls a systemd unit on the host: its running state, whether it starts at boot and whether it is masked, and can reload the service manager's configuration.

The unit's state is read from ` + "`systemctl show`" + ` (machine-readable properties) and ` + "`systemctl is-enabled`" + `; only the systemctl actions needed to reach the requested state are run. Order: daemon-reexec, daemon-reload, mask/unmask, enable/disable, then the running state. A unit whose state is indirect or alias counts as not enabled; static, generated and transient units count as enabled, as in Ansible.

Check mode reports what would change without running any action (restarted and reloaded always predict a change).`,
		Params:        unitParams(),
		CheckMode:     true,
		RequiredOneOf: [][]string{{"state", "enabled", "masked", "daemon_reload", "daemon_reexec"}},
		Examples: `- name: Make sure HAProxy runs and starts at boot
  systemd:
    name: haproxy
    state: started
    enabled: true

- name: Pick up a changed unit file and restart
  systemd:
    name: myapp.service
    state: restarted
    daemon_reload: true

- name: Keep a unit from ever starting
  systemd:
    name: apt-daily.timer
    masked: true

- name: Only reload systemd's configuration
  systemd:
    daemon_reload: true`,
		Returns: returns,
	}
}

// Run brings the unit to the requested state.
func (Systemd) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	return run(ctx, t, request{
		name:    a.String("name"),
		state:   a.String("state"),
		enabled: optBool(a, "enabled"),
		masked:  optBool(a, "masked"),
		reload:  a.Bool("daemon_reload"),
		reexec:  a.Bool("daemon_reexec"),
		force:   a.Bool("force"),
		noBlock: a.Bool("no_block"),
		scope:   a.String("scope"),
	})
}

// optBool returns a pointer to a bool argument, nil when absent.
func optBool(a module.Args, name string) *bool {
	if !a.Has(name) {
		return nil
	}
	b := a.Bool(name)
	return &b
}

// request is what the task asks of one unit.
type request struct {
	name            string
	state           string
	enabled, masked *bool
	reload, reexec  bool
	force, noBlock  bool
	scope           string
	sleep           int // seconds between stop and start for restarted (service module)
}

func (r request) validate() error {
	if r.name == "" && (r.state != "" || r.enabled != nil || r.masked != nil) {
		return fmt.Errorf("name is required when state, enabled or masked is given")
	}
	if r.scope == "global" && r.state != "" {
		return fmt.Errorf("state cannot be used with scope global: there is no global service manager to start units in")
	}
	if strings.ContainsAny(r.name, "\n\x00") {
		return fmt.Errorf("unit name %q holds a newline or NUL", r.name)
	}
	return nil
}
