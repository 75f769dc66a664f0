// Package all links every hactl module into a program: import it for its
// side effect (each module package registers its modules in init).
package all

import (
	_ "github.com/hactl/hactl/modules/apt"        // apt, package, dpkg_selections
	_ "github.com/hactl/hactl/modules/aptsrc"     // apt_repository, apt_key
	_ "github.com/hactl/hactl/modules/command"    // command, shell, raw, script
	_ "github.com/hactl/hactl/modules/connection" // ping, wait_for_connection
	_ "github.com/hactl/hactl/modules/docker"     // docker_image, docker_container, docker_daemon_config
	_ "github.com/hactl/hactl/modules/facts"      // setup
	_ "github.com/hactl/hactl/modules/files"      // copy, template, file, lineinfile, blockinfile, replace, stat, slurp, …
	_ "github.com/hactl/hactl/modules/galera"     // galera_cluster, galera_info
	_ "github.com/hactl/hactl/modules/haproxy"    // haproxy_config, haproxy_server
	_ "github.com/hactl/hactl/modules/keepalived" // keepalived_vrrp, keepalived_info
	_ "github.com/hactl/hactl/modules/mount"      // mount
	_ "github.com/hactl/hactl/modules/mysql"      // mysql_db, mysql_user, mysql_query
	_ "github.com/hactl/hactl/modules/nfs"        // nfs_export
	_ "github.com/hactl/hactl/modules/pacemaker"  // pcs_cluster, pacemaker_resource, pacemaker_constraint
	_ "github.com/hactl/hactl/modules/registry"   // docker_registry
	_ "github.com/hactl/hactl/modules/storage"    // filesystem, lvg, lvol
	_ "github.com/hactl/hactl/modules/swarm"      // swarm_cluster, swarm_member, swarm_node (docker_node), swarm_info
	_ "github.com/hactl/hactl/modules/sysctl"     // sysctl
	_ "github.com/hactl/hactl/modules/system"     // authorized_key, hostname, timezone, wait_for, cron, pam_limits, reboot, modprobe
	_ "github.com/hactl/hactl/modules/systemd"    // systemd, systemd_service, service
	_ "github.com/hactl/hactl/modules/ufw"        // ufw
	_ "github.com/hactl/hactl/modules/user"       // user, group
	_ "github.com/hactl/hactl/modules/util"       // debug, set_fact, assert, fail, pause, include_vars
)
