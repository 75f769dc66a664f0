// Package roles holds the roles shipped inside the hactl binary, in
// Ansible's layout (roles/<name>/defaults, tasks, handlers, meta, …).
// A role of the same name in a playbook's roles/ directory or on the
// roles path is found first, so any of them can be overridden from disk.
//
// Every directory here is embedded: a new role needs no change to this
// file. (The pattern also embeds this file; it is not a role and is never
// looked up as one.)
package roles

import (
	"embed"
	"io/fs"
)

//go:embed *
var embedded embed.FS

// FS returns the embedded roles, one directory per role at its root
// (haproxy/tasks/main.yml, …): what playbook.Loader.ExtraRoleFS expects.
func FS() fs.FS { return embedded }
