package executor

import (
	"context"

	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/transport"
)

// The executor declares the narrow interfaces it consumes, so that tests
// can fake exactly that much. pkg/inventory, pkg/template, pkg/transport and
// pkg/playbook provide the real implementations (see Adapt* in adapt.go).

// Inventory is what the executor needs from an inventory.
type Inventory interface {
	// Select returns the host names matching pattern, in inventory order.
	Select(pattern string) ([]string, error)
	// HostVars returns the merged inventory variables of a host.
	HostVars(host string) map[string]any
	// GroupsMap returns the `groups` magic variable.
	GroupsMap() map[string][]string
	// GroupNames returns the `group_names` magic variable of a host.
	GroupNames(host string) []string
}

// Templater renders Jinja templates and expressions.
type Templater interface {
	Render(name, text string, vars map[string]any) (string, error)
	Eval(expr string, vars map[string]any) (any, error)
	Truth(expr string, vars map[string]any) (bool, error)
	Template(v any, vars map[string]any) (any, error)
}

// Connector opens (or reuses) the connection to a host described by its
// variables (ansible_host, ansible_user, ansible_connection, …).
type Connector interface {
	Connect(ctx context.Context, host string, vars map[string]any) (transport.Conn, error)
}

// Loader loads dynamically included task files and roles at run time.
type Loader interface {
	LoadTasks(path string, parent *playbook.Task, role *playbook.Role, play *playbook.Play) ([]*playbook.Task, error)
	LoadRole(name string, opt playbook.RoleOptions, parent *playbook.Task, play *playbook.Play) (*playbook.Role, error)
}
