package haproxy

import "github.com/hactl/hactl/pkg/module"

// Spec describes haproxy_server.
func (Server) Spec() module.Spec {
	return module.Spec{
		Name:    "haproxy_server",
		Aliases: []string{"haproxy", "community.general.haproxy", "hactl.haproxy_server"},
		Short:   "Set a backend server ready, draining or in maintenance through the runtime API",
		Doc: `Changes a server's administrative state and weight in a running HAProxy through its stats socket (the runtime API, reached with socat on the host), in one backend or in every backend that holds a server of that name.

The current state is read from "show servers state" (the admin state bits: forced maintenance, forced drain) and "show stat" CSV (status, current sessions); only what differs is sent, so a second run changes nothing. States: ready (in rotation), drain (no new sessions except persistent ones; current ones finish), maint (out of rotation). The community.general.haproxy names work too: enabled is ready, disabled is maint, host is server.

With state maint (or disabled) and drain: true, the server is first set to drain, the module waits until its current sessions reach zero (checking every wait_interval seconds, at most wait_retries times), then sets maint. A server that health checks already report DOWN is not waited for. When the sessions do not end in time, the task fails and leaves the server draining. shutdown_sessions (without drain) kills the sessions left on a server put in maintenance.

After the change the state is read back and must match; with wait: true the module also waits until the status shows it (UP for ready once checks pass, MAINT, DRAIN).

Check mode reads the socket and reports what would change without sending a command. Runtime states survive haproxy reloads only with a server-state-file (see haproxy_config).`,
		Params: []module.Param{
			{Name: "server", Type: module.Str, Required: true, Aliases: []string{"host"}, Doc: "The server's name in the backend."},
			{Name: "backend", Type: module.Str, Doc: "The backend; empty or '*' means every backend holding the server."},
			{Name: "state", Type: module.Str, Choices: []any{"ready", "drain", "maint", "enabled", "disabled"}, Doc: "The administrative state (enabled = ready, disabled = maint)."},
			{Name: "weight", Type: module.Str, Doc: "The weight, as an integer (0-256) or a percentage of the configured weight (\"50%\")."},
			{Name: "socket", Type: module.Str, Default: "/run/haproxy/admin.sock", Doc: "The stats socket: a unix path (Debian's default here) or host:port for a loopback TCP socket."},
			{Name: "drain", Type: module.Bool, Default: false, Doc: "With maint/disabled: drain first and wait for the sessions to end."},
			{Name: "shutdown_sessions", Type: module.Bool, Default: false, Doc: "With maint/disabled and no drain: kill the sessions left on the server."},
			{Name: "fail_on_not_found", Type: module.Bool, Default: false, Doc: "Fail when no backend holds the server (otherwise report it and change nothing)."},
			{Name: "wait", Type: module.Bool, Default: false, Doc: "Wait until the status reflects the state (UP, DRAIN, MAINT)."},
			{Name: "wait_retries", Type: module.Int, Default: 25, Doc: "How many times to check while waiting (draining or wait)."},
			{Name: "wait_interval", Type: module.Float, Default: 5, Doc: "Seconds between checks."},
		},
		CheckMode:     true,
		RequiredOneOf: [][]string{{"state", "weight"}},
		Examples: `- name: Take web1 out of rotation without cutting a request
  haproxy_server:
    server: web1
    backend: web
    state: maint
    drain: true
    wait_interval: 1
    wait_retries: 60

- name: Put it back
  haproxy_server:
    server: web1
    state: ready
    wait: true

- name: The community module's spelling works as is
  community.general.haproxy:
    host: web1
    state: disabled
    drain: true
    socket: /run/haproxy/admin.sock`,
		Returns: []module.ReturnValue{
			{Name: "server", Type: module.Str, Doc: "The server's name."},
			{Name: "backends", Type: module.List, Doc: "The backends holding it (backend/server)."},
			{Name: "before", Type: module.Dict, Doc: "Per backend/server: state, status, weight, sessions before the task."},
			{Name: "after", Type: module.Dict, Doc: "The same, read back after the change."},
		},
	}
}
