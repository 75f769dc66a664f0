// Package lab runs the local lab: several real Debian hosts on one Linux
// machine, for tests and demos.
//
// Each host is a systemd-nspawn container booted with its own init, sshd and
// the HA software baked into a cached image. Hosts live in their own network
// namespace joined to the lab bridge (hactl0, 10.77.0.1/24) by a veth pair,
// with an address in 10.77.0.0/24 and no default route, so nothing leaves the
// lab. Every host writes to its own overlay over the shared, read-only image
// tree.
//
// The pieces, one file each:
//
//   - recipe.go, mirror.go, image.go: build and cache the Debian image;
//   - config.go, inventory.go: a lab directory (inventory + lab.yml);
//   - netns.go: the bridge, namespaces and veth pairs;
//   - root.go: a host's overlay root and fresh identity;
//   - host.go: booting and halting a host with systemd-nspawn;
//   - state.go, registry.go: what a running lab made, on disk;
//   - keys.go, ssh.go: the lab key, host keys, known_hosts and readiness;
//   - up.go, down.go, fault.go: the lab's life cycle and fault injection;
//   - conn.go: connection variables for hactl play and ansible-playbook.
//
// Everything here needs root on Linux; CheckHost says so clearly otherwise.
package lab
