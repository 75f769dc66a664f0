// Package docker holds the modules that manage a Docker engine on a host
// through its command line: docker_image (import, load, pull, tag, push,
// remove), docker_container (create, recreate on drift, start, stop,
// remove) and docker_daemon_config (keys merged into
// /etc/docker/daemon.json, dockerd restarted only when they changed).
//
// Every gather reads machine-readable output (docker image inspect,
// docker inspect, JSON files), never the CLI's tables. Idempotence comes
// from comparing identities the engine reports — image IDs, registry
// manifest digests, a container's inspected configuration — so a second
// run with the same arguments changes nothing.
package docker
