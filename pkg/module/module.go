// Package module defines the contract every hactl module implements, the
// typed argument specs that are checked before any host is contacted, and the
// registry that maps task names (short or fully qualified) to modules.
//
// A state-changing module gathers the current state of the host, computes the
// difference to the desired state, and then either reports it (check mode) or
// applies exactly that difference and verifies it took. Result.Changed means
// "a difference existed and was applied", never "a command ran".
package module

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hactl/hactl/pkg/transport"
)

// Module is one idempotent building block, such as copy or haproxy_config.
type Module interface {
	// Spec describes the module and its arguments.
	Spec() Spec
	// Run brings the target to the state the arguments describe. Args have
	// already been validated against Spec (types converted, defaults set).
	// A returned error fails the task for this host; errors wrapping
	// transport.ErrUnreachable make the host unreachable instead.
	Run(ctx context.Context, t *Target, a Args) (Result, error)
}

// Target is one host as a module sees it, plus the runner services a module
// may need. Modules must not keep it beyond Run.
type Target struct {
	// Host is the inventory hostname.
	Host string
	// Conn reaches the host (with become applied when the task asked).
	Conn transport.Conn
	// Check is true in check mode: report what would change, change nothing.
	Check bool
	// Diff is true when the user asked for differences (--diff).
	Diff bool
	// Vars are the host's variables for this task, fully merged. Values
	// may still hold unrendered templates; use Render or Eval to read them.
	Vars map[string]any
	// Render renders Jinja text with the host's variables. name is used in
	// error messages (a template path, for example).
	Render func(name, text string) (string, error)
	// Eval evaluates a bare Jinja expression ("x is defined", "a | int").
	Eval func(expr string) (any, error)
	// FindFile resolves a relative controller-side path the way Ansible
	// does for the given kind ("files", "templates", "vars", "tasks"):
	// the role's directory first, then the playbook's. Absolute paths are
	// returned as they are. A file of a role embedded in the binary comes
	// back as a local copy that lives until the end of the run.
	FindFile func(kind, name string) (string, error)
	// Connect reaches another inventory host (a cluster member) through
	// the runner's pooled connection, with that host's connection
	// variables and the task's become settings. The connection belongs to
	// the runner: do not close it. Nil outside a play (tests build
	// targets by hand); modules/internal/cluster falls back to dialing.
	Connect func(ctx context.Context, host string) (transport.Conn, error)
	// Log receives debug output (-vvv).
	Log *slog.Logger
}

// Result is the outcome of one module run on one host.
type Result struct {
	Changed bool
	Failed  bool
	Skipped bool
	// Msg is the one-line message shown to the user.
	Msg string
	// Diff holds before/after pairs shown with --diff.
	Diff []FileDiff
	// Data is what `register` captures, besides changed/failed/msg. A key
	// "ansible_facts" holding a map sets those facts on the host.
	Data map[string]any
}

// FileDiff is one before/after pair. For files Before and After are the
// contents; for state they are short descriptions ("state: absent").
type FileDiff struct {
	BeforeHeader string
	AfterHeader  string
	Before       string
	After        string
}

// Failf returns a failed result with a formatted message, for modules that
// want to fail with data attached.
func Failf(format string, a ...any) Result {
	return Result{Failed: true, Msg: fmt.Sprintf(format, a...)}
}
