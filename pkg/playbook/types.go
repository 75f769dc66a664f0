// Package playbook loads Ansible playbooks, task files and roles into plays,
// blocks, tasks and handlers, keeping the source position of everything so
// that every later error can name file:line:column.
//
// Loading is pure: no network, no host is contacted. Static imports
// (import_playbook, import_tasks, import_role and the roles: section) are
// expanded here; dynamic includes (include_tasks, include_role) are left as
// tasks the executor expands at run time with the Loader.
//
// Inheritable keywords (become*, remote_user, environment, tags, when,
// ignore_errors, check_mode, diff, no_log, …) are propagated at load time
// from plays, roles, blocks and imports down to every task, so the executor
// reads the effective value on the task itself.
package playbook

import (
	"fmt"
	"io/fs"
)

// Pos is a position in a source file.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as file:line:col.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Playbook is a loaded playbook file with its imports expanded.
type Playbook struct {
	Path  string
	Plays []*Play
}

// Options are the keywords inherited from plays, roles, blocks and
// imports down to tasks. Fields typed any hold nil (unset), a bool, or a
// template string evaluated per host at run time.
type Options struct {
	Become       any
	BecomeUser   string
	BecomeMethod string
	BecomeFlags  string
	BecomeExe    string
	RemoteUser   string
	Connection   string
	Port         any
	// Environment holds the environment: values from the outermost scope
	// to the innermost; later ones override earlier ones. Each is a map or
	// a template string evaluating to one.
	Environment       []any
	IgnoreErrors      any
	IgnoreUnreachable any
	CheckMode         any
	Diff              any
	NoLog             any
	AnyErrorsFatal    any
	RunOnce           any
	DelegateTo        string
	DelegateFacts     any
	Throttle          int
	// Timeout bounds the task in seconds (0: none).
	Timeout int
	// Tags are the effective tags: the task's own plus every enclosing
	// scope's.
	Tags []string
	// When are the effective conditions, outermost first; all must hold.
	When []Cond
}

// Cond is one condition expression with where it was written.
type Cond struct {
	Expr string // a bare Jinja expression, or a bool written literally ("true")
	Pos  Pos
}

// Play is one play of a playbook.
type Play struct {
	Pos  Pos
	Name string
	// Hosts is the host pattern, possibly holding templates. A YAML list is
	// joined with ",".
	Hosts string
	Vars  map[string]any
	// VarsFiles entries are a path (string) or a list of alternative paths
	// (the first that exists is used), relative to the playbook's directory.
	VarsFiles []any
	// GatherFacts is nil when unset (Ansible's default: gather).
	GatherFacts any
	// Serial lists batch sizes: ints or "N%" strings; empty means all hosts.
	Serial            []any
	MaxFailPercentage *float64
	Strategy          string
	Order             string
	ForceHandlers     bool
	// GatherSubset and GatherTimeout tune fact gathering (nil/empty:
	// defaults).
	GatherSubset  []string
	GatherTimeout any
	// Options holds the play-level keywords; they are already propagated
	// to the play's tasks and handlers.
	Options
	PreTasks  []*Task
	Roles     []*Role // from the roles: section, in order, dependencies expanded inside each
	Tasks     []*Task
	PostTasks []*Task
	// Handlers of the play, including those of its roles.
	Handlers []*Task
	// Dir is the directory of the playbook file the play came from: the
	// base for vars_files, files/ and templates/ lookups.
	Dir string
}

// Role is one application of a role: loading the same role twice (say with
// different parameters) gives two Roles.
type Role struct {
	Pos  Pos
	Name string
	// Dir is the role's directory. It is a path in FS when FS is set.
	Dir string
	// FS is the file system holding Dir for roles embedded in the binary
	// (Loader.ExtraRoleFS); nil means the OS file system.
	FS fs.FS
	// Params are the parameters given where the role was applied
	// (`roles: [{role: x, port: 80}]`, include_role vars).
	Params map[string]any
	// Defaults come from defaults/main.yml (lowest precedence).
	Defaults map[string]any
	// Vars come from vars/main.yml.
	Vars map[string]any
	// Deps are the meta/main.yml dependencies, applied before this role.
	Deps []*Role
	// Tasks are tasks/main.yml (or tasks_from) with static imports
	// expanded; each task has Role set to this role.
	Tasks []*Task
	// Handlers are handlers/main.yml (or handlers_from).
	Handlers []*Task
	// AllowDuplicates comes from meta/main.yml.
	AllowDuplicates bool
	// Options are the effective options where the role was applied: the
	// play's (and enclosing blocks' and imports') keywords with those
	// given on the role entry (when, tags, become, …) applied on top. They
	// are already propagated to Tasks, Handlers and Deps.
	Options
	// Public is true when the role's vars and defaults stay visible after
	// the role (roles: section and import_role).
	Public bool
}

// Task is one entry of a task list: a module call, a block, or a dynamic
// include.
type Task struct {
	Pos  Pos
	Name string
	// Module is the module name as written (copy, ansible.builtin.copy).
	// It is "" for blocks and dynamic includes.
	Module string
	// Args are the module arguments: free-form text (as "_raw_params"),
	// k=v pairs and the args: mapping merged. Values may hold templates.
	Args map[string]any
	// Block, Rescue and Always are set for blocks.
	Block, Rescue, Always []*Task
	// Include is set for dynamic includes (include_tasks, include_role).
	Include *Include
	Options
	// Vars are the task's (or block's) own vars, under which the vars of
	// static imports enclosing it are merged (import_tasks vars: act as a
	// scope around the imported tasks).
	Vars map[string]any
	// Loop is the loop source: a list or a template string; nil when the
	// task has no loop. LoopKind is the keyword used ("loop",
	// "with_items", "with_dict", …), which decides how items are formed.
	Loop        any
	LoopKind    string
	LoopControl LoopControl
	Register    string
	Notify      []string
	ChangedWhen []Cond
	FailedWhen  []Cond
	Until       *Cond
	Retries     any // int or template; nil: Ansible's default (3) when Until is set
	Delay       any // seconds, int or template; nil: 5
	// Async and Poll are the async: and poll: keywords (int or template;
	// nil when unset).
	Async any
	Poll  any
	// Handler is true for handlers; Listen holds their listen: topics.
	Handler bool
	Listen  []string
	// Parent is the enclosing block (nil at top level); vars of enclosing
	// blocks apply to the task.
	Parent *Task
	// Role is the role the task belongs to (nil outside roles).
	Role *Role
	// Play is the play the task belongs to.
	Play *Play
}

// IsBlock reports whether the task is a block.
func (t *Task) IsBlock() bool { return t.Block != nil || t.Rescue != nil || t.Always != nil }

// DisplayName is the name shown in output: the task's name, else the
// module name (with the role prefix "role : name" as Ansible prints it).
func (t *Task) DisplayName() string {
	n := t.Name
	if n == "" {
		switch {
		case t.Include != nil:
			n = t.Include.Kind
		case t.IsBlock():
			n = "block"
		default:
			n = t.Module
		}
	}
	if t.Role != nil {
		return t.Role.Name + " : " + n
	}
	return n
}

// LoopControl is the loop_control keyword.
type LoopControl struct {
	LoopVar  string // default "item"
	IndexVar string
	Label    string
	Pause    float64
	Extended bool
}

// Include describes a dynamic include resolved at run time.
type Include struct {
	// Kind is "include_tasks" or "include_role".
	Kind string
	// File is the task file (include_tasks), may hold templates.
	File string
	// Role fields (include_role).
	RoleName     string
	TasksFrom    string
	VarsFrom     string
	DefaultsFrom string
	HandlersFrom string
	Public       bool
	// Apply holds keywords given with apply: for the included tasks.
	Apply map[string]any

	// outer are the options of the scope enclosing the include: included
	// tasks inherit from it, not from the include's own keywords (as in
	// Ansible, when/tags of an include apply to the include alone).
	outer *Options
	// apply is Apply parsed, with positions.
	apply *Options
	// applyVars are the vars: of apply.
	applyVars map[string]any
	// notify is the notify inherited from enclosing blocks.
	notify []string
}
