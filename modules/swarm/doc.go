// Package swarm holds the Docker Swarm modules: swarm_cluster (init,
// spec updates, gated force-new-cluster recovery), swarm_member (join or
// leave, checked against the right cluster and role), swarm_node (role,
// availability and labels of a node, run on a manager) and swarm_info
// (nodes, managers, leader, quorum, and the layout lint: even or fewer
// than three managers, all managers in one failure domain).
//
// State comes from machine-readable sources only: docker info --format
// '{{json .Swarm}}' and docker node inspect. Join tokens are secrets:
// they travel on standard input to the joining host and are returned only
// by swarm_info when asked.
package swarm
