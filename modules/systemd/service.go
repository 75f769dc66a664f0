package systemd

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Service{}) }

// Service is the service module: the init-system-neutral front-end. hactl's
// targets run systemd, so it drives the systemd module's code.
type Service struct{}

// Spec describes the service module.
func (Service) Spec() module.Spec {
	return module.Spec{
		Name:  "service",
		Short: "Manage services (through systemd)",
		Doc: `Starts, stops, restarts or reloads a service and sets whether it starts at boot. With use: auto (the default) or use: systemd the work is done exactly as by the systemd module, and the result is the systemd module's. Other service managers (sysvinit, openrc, upstart) are not supported: the task fails and says so.

pattern, runlevel and arguments only matter to other service managers and are accepted but unused, as Ansible does on systemd hosts. sleep pauses between stop and start when restarting.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The service name."},
			{Name: "state", Type: module.Str, Choices: []any{"reloaded", "restarted", "started", "stopped"}, Doc: "started and stopped act only when needed; restarted and reloaded always act and report changed."},
			{Name: "enabled", Type: module.Bool, Doc: "Whether the service starts at boot."},
			{Name: "sleep", Type: module.Int, Doc: "Seconds to wait between stopping and starting when restarting."},
			{Name: "pattern", Type: module.Str, Doc: "A process name pattern for init scripts without status; unused with systemd."},
			{Name: "runlevel", Type: module.Str, Default: "default", Doc: "The runlevel for OpenRC; unused with systemd."},
			{Name: "arguments", Type: module.Str, Default: "", Aliases: []string{"args"}, Doc: "Extra arguments for init scripts; unused with systemd."},
			{Name: "use", Type: module.Str, Default: "auto", Doc: "The service manager: auto detects it (always systemd on hactl's targets); systemd forces it."},
		},
		CheckMode:     true,
		RequiredOneOf: [][]string{{"state", "enabled"}},
		Examples: `- name: Start keepalived and enable it at boot
  service:
    name: keepalived
    state: started
    enabled: true

- name: Restart corosync, pausing 2 seconds between stop and start
  service:
    name: corosync
    state: restarted
    sleep: 2`,
		Returns: returns,
	}
}

// Run delegates to the systemd implementation.
func (Service) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	switch use := a.String("use"); use {
	case "auto", "systemd", "ansible.builtin.systemd", "ansible.legacy.systemd":
	default:
		return module.Failf("service: use=%s is not supported; hactl drives services through systemd (use: auto or systemd)", use), nil
	}
	if mgr, ok := t.Vars["ansible_service_mgr"].(string); ok && mgr != "" && mgr != "systemd" {
		return module.Failf("service: the host's service manager is %s; hactl only drives systemd", mgr), nil
	}
	if s := a.Int("sleep"); s < 0 {
		return module.Failf("service: sleep must not be negative, got %d", s), nil
	}
	res, err := run(ctx, t, request{
		name:    a.String("name"),
		state:   a.String("state"),
		enabled: optBool(a, "enabled"),
		scope:   "system",
		sleep:   a.Int("sleep"),
	})
	if err != nil {
		return res, fmt.Errorf("service: %w", err)
	}
	return res, nil
}
