// Package roles holds the roles shipped inside the hactl binary, in
// Ansible's layout (roles/<name>/defaults, tasks, handlers, meta, …).
// A role of the same name in a playbook's roles/ directory or on the
// roles path is found first, so any of them can be overridden from disk.
//
// Add a new role's directory to the go:embed line below.
package roles

import (
	"embed"
	"io/fs"
)

//go:embed haproxy keepalived galera docker registry app
var embedded embed.FS

// FS returns the embedded roles, one directory per role at its root
// (haproxy/tasks/main.yml, …): what playbook.Loader.ExtraRoleFS expects.
func FS() fs.FS { return embedded }
