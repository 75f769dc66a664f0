// Package labverify proves a lab's HA claims from the outside: while an
// HTTP client on the controller sends requests through the lab's front VIP
// (one every ~50 ms, optionally writes that must be readable later), it
// runs fault scenarios one after the other — kill, stop or cut a host and
// bring it back, or run a playbook such as a rolling update — and measures,
// per scenario, the failed requests, the longest outage (first failed
// request to the first successful one after it) and the acknowledged writes
// that were lost, against the targets the scenario file sets. A scenario
// may also list checks: commands run over SSH on a surviving host while
// the fault is in place (for example "docker node ls" on another swarm
// manager, proving the swarm is still manageable), retried until they
// pass or the recovery timeout ends; one that never passes misses the
// targets. A scenario with together: true loses all its hosts at once (a
// physical host with its VMs) instead of one after the other.
//
// The scenario file is YAML (see Config); the lab itself is reached
// through the Env interface, which cmd/hactl implements with pkg/lab and
// pkg/runner and tests implement with fakes.
package labverify
