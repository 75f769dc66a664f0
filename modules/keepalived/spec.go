package keepalived

import "github.com/hactl/hactl/pkg/module"

// Spec describes keepalived_vrrp.
func (VRRP) Spec() module.Spec {
	return module.Spec{
		Name:    "keepalived_vrrp",
		Aliases: []string{"hactl.keepalived_vrrp"},
		Short:   "Render keepalived.conf for VRRP, test it, install it and reload keepalived",
		Doc: `Owns /etc/keepalived/keepalived.conf and renders it from structured arguments: global_defs, vrrp_script blocks (scripts), vrrp_sync_group blocks (sync_groups) and vrrp_instance blocks (instances). The same arguments always give the same bytes (keys in a fixed order, lists in the order given), so a second run changes nothing.

The arguments are checked before anything is sent: VRIDs (1-255, unique per interface), priorities, states (MASTER or BACKUP), VIP addresses, unicast peers, track_script names that exist, sync group members that exist and are in one group only. nopreempt with state MASTER is a warning (keepalived honours nopreempt only in BACKUP: use state BACKUP on every node with different priorities). auth_pass longer than 8 characters is a warning (keepalived keeps 8); auth_pass is masked in --diff output.

The candidate is tested with "keepalived -t -f" on a temporary file before it replaces the live file: a rejected configuration fails the task and leaves the file and the daemon untouched. A change is applied with a reload (SIGHUP through systemctl reload), never a restart — a restart drops and re-adds every VIP. The module proves the reload: same main PID, and keepalived logged "Reload complete" after it. A stopped keepalived is started; enabled: true enables it at boot.

Each instance takes: name, interface, state (default BACKUP), virtual_router_id (or vrid), priority (default 100), advert_int, nopreempt, preempt_delay, authentication {auth_type: PASS|AH, auth_pass}, virtual_ipaddress (or vips: "10.0.0.10/24", "10.0.0.10/24 dev eth0 label eth0:vip", or {address, dev, label, scope}), unicast_src_ip, unicast_peer (or unicast_peers; use unicast where multicast 224.0.0.18 is filtered), track_script and track_interface (names or {name, weight}), notify_master, notify_backup, notify_fault, notify_stop, notify, and extra (raw lines). scripts take name, script, interval, timeout, weight, fall, rise, user. sync_groups take name, group (instance names) and the notify hooks. global_defs takes router_id, enable_script_security, script_user and extra lines.

Each member of a VRRP group runs this module with its own priority; it cannot see the other members. The cluster-wide check (each VIP held by exactly one member) is keepalived_info on every member plus an assert over hostvars — see keepalived_info.

Check mode renders, tests the candidate in a temporary file under /tmp (removed at once) and reports the diff; nothing is written, reloaded or started.`,
		Params: []module.Param{
			{Name: "instances", Type: module.List, Elements: module.Dict, Required: true, Doc: "vrrp_instance blocks (see above)."},
			{Name: "scripts", Type: module.List, Elements: module.Dict, Doc: "vrrp_script blocks: {name, script, interval, timeout, weight, fall, rise, user}."},
			{Name: "sync_groups", Type: module.List, Elements: module.Dict, Doc: "vrrp_sync_group blocks: {name, group: [instances], notify_*}."},
			{Name: "global_defs", Type: module.Dict, Doc: "{router_id, enable_script_security, script_user, extra: [lines]}."},
			{Name: "path", Type: module.Path, Default: "/etc/keepalived/keepalived.conf", Aliases: []string{"dest"}, Doc: "The live configuration file."},
			{Name: "validate", Type: module.Bool, Default: true, Doc: "Test the candidate with keepalived -t before installing it."},
			{Name: "state", Type: module.Str, Default: "started", Choices: []any{"started", "present"}, Doc: "started: keepalived runs this configuration (started if stopped, reloaded on change). present: only the file."},
			{Name: "enabled", Type: module.Bool, Default: true, Doc: "With state started, enable the unit at boot."},
			{Name: "service", Type: module.Str, Default: "keepalived", Doc: "The systemd unit."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a timestamped copy of the previous file."},
			{Name: "reload_timeout", Type: module.Int, Default: 10, Doc: "Seconds to wait for a start or a reload to complete."},
		},
		CheckMode: true,
		Examples: `- name: VIP in front of the load balancers (run on both, priorities differ)
  keepalived_vrrp:
    global_defs:
      router_id: "{{ inventory_hostname }}"
      enable_script_security: true
      script_user: root
    scripts:
      - name: chk_haproxy
        script: /usr/bin/killall -0 haproxy
        interval: 1
        fall: 2
        rise: 2
    instances:
      - name: VI_lan
        interface: eth0
        state: BACKUP
        virtual_router_id: 30
        priority: "{{ vrrp_priority }}"
        advert_int: 1
        nopreempt: true
        authentication:
          auth_pass: "{{ vault_vrrp_pass }}"
        virtual_ipaddress:
          - 192.168.56.16/24 dev eth0
        track_script: [chk_haproxy]`,
		Returns: []module.ReturnValue{
			{Name: "path", Type: module.Str, Doc: "The live file."},
			{Name: "file_changed", Type: module.Bool, Doc: "Whether the file's content changed (or would)."},
			{Name: "reloaded", Type: module.Bool, Doc: "Whether keepalived was reloaded."},
			{Name: "started", Type: module.Bool, Doc: "Whether keepalived was started."},
			{Name: "master_pid", Type: module.Int, Doc: "keepalived's main PID, unchanged by a reload."},
			{Name: "reload_seconds", Type: module.Float, Doc: "Time from the reload request to keepalived reporting it complete."},
			{Name: "vips", Type: module.List, Doc: "The virtual addresses of the rendered configuration."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup copy, when asked."},
			{Name: "warnings", Type: module.List, Doc: "Configuration smells that did not fail the task."},
		},
	}
}
