package haproxy

import "github.com/hactl/hactl/pkg/module"

// Spec describes haproxy_config.
func (Config) Spec() module.Spec {
	return module.Spec{
		Name:    "haproxy_config",
		Aliases: []string{"hactl.haproxy_config"},
		Short:   "Manage haproxy.cfg: validate, install atomically, reload without restart",
		Doc: `Owns the whole HAProxy configuration file. The text comes from content, from a src template (rendered with the host's variables, looked up in the role's templates/ then files/), or from fragments.

Fragments are assembled on the controller into the one live file, sorted by order (default 500) and then name, each under a comment naming it. There is deliberately no conf.d directory on the host: the playbook is the single source of truth, haproxy -c checks exactly the bytes haproxy will load, a stale file left in a directory can never creep into the live configuration, and the stock systemd unit is kept. When haproxy rejects an assembled file, its error names the fragment and the line within it.

Before the live file is replaced, the candidate is checked with "haproxy -c -f" on a temporary file beside it; if haproxy rejects it, the task fails with haproxy's message and neither the live file nor the running proxy is touched. The file is then renamed into place atomically and haproxy is reloaded (systemctl reload: the master re-executes itself and starts new workers; established connections finish on the old ones). The module proves the reload: the master PID must be unchanged and a worker that did not exist before must be running; when the configuration has a unix stats socket, every backend and listen section must appear in "show stat". A stopped haproxy is started instead (state: started), and enabled at boot (enabled: true).

A live file newer than the running workers (a previous run wrote it but the reload failed or was interrupted) is detected and reloaded even though the content matches.

Runtime states set with haproxy_server (drain, maint, weights) are lost on reload unless the configuration declares "server-state-file PATH" in global and "load-server-state-from-file global" in defaults; then the module saves "show servers state" through the stats socket to that file right before each reload. Give server_state_file to require that setup.

A stats socket reachable from the network (stats socket ipv4@0.0.0.0:9999, the book's setup) is refused: the runtime API has no authentication. Use a unix path or 127.0.0.1, or set allow_remote_stats_socket.

Check mode builds the candidate, validates it in a temporary file under /tmp that is removed at once, and reports the diff; nothing is written, reloaded or started. Userlist passwords are masked in --diff output. The second run of the same task changes nothing and does not reload.`,
		Params: []module.Param{
			{Name: "path", Type: module.Path, Default: "/etc/haproxy/haproxy.cfg", Aliases: []string{"dest"}, Doc: "The live configuration file."},
			{Name: "content", Type: module.Str, Doc: "The whole configuration as text."},
			{Name: "src", Type: module.Path, Doc: "A controller-side template of the whole configuration, rendered with the host's variables."},
			{Name: "fragments", Type: module.List, Elements: module.Dict, Doc: "Pieces assembled into the file: each {name, content or src, order}. Sorted by order (default 500) then name."},
			{Name: "validate", Type: module.Bool, Default: true, Doc: "Check the candidate with haproxy -c before installing it."},
			{Name: "state", Type: module.Str, Default: "started", Choices: []any{"started", "present"}, Doc: "started: haproxy runs with this configuration (started if stopped, reloaded on change). present: only the file is managed."},
			{Name: "enabled", Type: module.Bool, Default: true, Doc: "With state started, also enable the unit at boot."},
			{Name: "service", Type: module.Str, Default: "haproxy", Doc: "The systemd unit running haproxy in master-worker mode."},
			{Name: "server_state_file", Type: module.Path, Doc: "Require the configuration to keep runtime server states across reloads in this file (see above); the states are saved before each reload."},
			{Name: "allow_remote_stats_socket", Type: module.Bool, Default: false, Doc: "Accept a stats socket bound to a non-loopback TCP address."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a timestamped copy of the previous file."},
			{Name: "reload_timeout", Type: module.Int, Default: 15, Doc: "Seconds to wait for the new workers (and backends) after a reload or start."},
		},
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"content", "src", "fragments"}},
		RequiredOneOf:     [][]string{{"content", "src", "fragments"}},
		Examples: `- name: Load balancer configuration from fragments
  haproxy_config:
    server_state_file: /var/lib/haproxy/server-state
    fragments:
      - name: global
        order: 10
        content: |
          global
              log /dev/log local0
              stats socket /run/haproxy/admin.sock mode 660 level admin
              server-state-file /var/lib/haproxy/server-state
          defaults
              mode http
              load-server-state-from-file global
              timeout connect 5s
              timeout client 30s
              timeout server 30s
      - name: web
        src: web.cfg.j2

- name: Whole file from a template, reviewed with --check --diff
  haproxy_config:
    src: haproxy.cfg.j2
    backup: true`,
		Returns: []module.ReturnValue{
			{Name: "path", Type: module.Str, Doc: "The live file."},
			{Name: "file_changed", Type: module.Bool, Doc: "Whether the file's content changed (or would)."},
			{Name: "reloaded", Type: module.Bool, Doc: "Whether haproxy was reloaded."},
			{Name: "started", Type: module.Bool, Doc: "Whether haproxy was started."},
			{Name: "master_pid", Type: module.Int, Doc: "The master process, unchanged by a reload."},
			{Name: "worker_pid", Type: module.Int, Doc: "A worker started by the reload."},
			{Name: "reload_seconds", Type: module.Float, Doc: "Time from the reload request to a new worker running."},
			{Name: "server_state_saved", Type: module.Str, Doc: "The file the server states were saved to before the reload."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup copy, when backup was asked and the file changed."},
			{Name: "warnings", Type: module.List, Doc: "Things worth knowing that did not fail the task."},
		},
	}
}
