// Package haproxy provides the haproxy_config and haproxy_server modules.
//
// haproxy_config owns the whole configuration file. It is built on the
// controller from one text (content or a src template) or from ordered
// fragments, checked with `haproxy -c` before it may replace the live file,
// installed atomically, and applied by a reload of the running master
// process (never a restart); the module then proves the master PID is
// unchanged and that a worker started after the reload is serving.
//
// haproxy_server drives the runtime API over the stats socket (through
// socat on the target): it reads `show stat` and `show servers state`,
// changes only what differs, drains before maintenance when asked, and
// reads the state back.
//
// Files: config.go (haproxy_config), assemble.go (building and inspecting
// the candidate), service.go (the systemd unit, reload and its proof),
// runtime.go (the socket and its CSV), server.go (haproxy_server).
package haproxy
