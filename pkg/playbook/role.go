package playbook

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// RoleOptions say how a role is applied at run time (include_role).
type RoleOptions struct {
	// TasksFrom, VarsFrom, DefaultsFrom and HandlersFrom name the files
	// to use instead of main in the role's directories.
	TasksFrom    string
	VarsFrom     string
	DefaultsFrom string
	HandlersFrom string
	// Params are the role parameters.
	Params map[string]any
	// Public keeps the role's vars and defaults visible after the role.
	Public bool
}

// roleRef is one request to apply a role.
type roleRef struct {
	name string
	pos  Pos
	opt  RoleOptions
	// opts are the effective options the role's tasks inherit.
	opts   Options
	notify []string
	play   *Play
	// parentRole is the role asking (dependencies, import_role in a role).
	parentRole *Role
	// parent is the block (or include) the role's tasks sit in.
	parent *Task
	// vars are apply: vars of include_role, a scope around the tasks.
	vars map[string]any
	// dedup applies Ansible's rule that a role applied twice with the same
	// parameters in a play runs once (roles: section and dependencies).
	dedup bool
}

// rolesSection loads a play's roles: list.
func (st *loadState) rolesSection(sc scope, n *yaml.Node) []*Role {
	file := sc.file.String()
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.SequenceNode {
		st.errs.add(errorf(nodePos(file, n), "roles must be a list, got %s", kindName(n)))
		return nil
	}
	var out []*Role
	for _, c := range r.Content {
		ref, err := roleEntry(file, c)
		if err != nil {
			st.errs.add(err)
			continue
		}
		ref.opts = inherit(sc.opts, ref.opts)
		ref.play = sc.play
		ref.dedup = true
		ref.opt.Public = true
		role, err := st.loadRole(ref)
		if err != nil {
			st.errs.add(err)
			continue
		}
		if role != nil {
			out = append(out, role)
		}
	}
	return out
}

// roleEntry reads one entry of a roles: list or of a role's dependencies:
// a name, or a mapping with role: (or name:), keywords and parameters.
// ref.opts holds the entry's own keywords.
func roleEntry(file string, n *yaml.Node) (roleRef, error) {
	ref := roleRef{pos: nodePos(file, n)}
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && !isNull(r) {
		ref.name = strings.TrimSpace(r.Value)
		return ref, checkRoleName(ref)
	}
	ps, err := pairs(file, n)
	if err != nil {
		return ref, errorf(nodePos(file, n), "a role must be a name or a mapping with role:, got %s", kindName(n))
	}
	var nameFromName string
	for _, p := range ps {
		switch {
		case p.key == "role":
			ref.name, err = str(file, p.key, p.val)
		case p.key == "name":
			nameFromName, err = str(file, p.key, p.val)
		case p.key == "vars":
			var v map[string]any
			v, err = varsMap(file, p.key, p.val)
			ref.opt.Params = mergeVars(ref.opt.Params, v)
		case isRoleKeyword(p.key):
			_, err = optionKeyword(file, p, &ref.opts)
		default:
			var v any
			v, err = decode(file, p.val)
			if ref.opt.Params == nil {
				ref.opt.Params = map[string]any{}
			}
			ref.opt.Params[p.key] = v
		}
		if err != nil {
			return ref, err
		}
	}
	if ref.name == "" {
		ref.name = nameFromName
	}
	return ref, checkRoleName(ref)
}

func checkRoleName(ref roleRef) error {
	switch {
	case ref.name == "":
		return errorf(ref.pos, "a role entry needs a role name (role:)")
	case isTemplate(ref.name):
		return errorf(ref.pos, "role %q: templated role names are only supported by include_role", ref.name)
	}
	return nil
}

// roleSearch lists the directories a role is searched in, in order.
func (st *loadState) roleSearch(ref roleRef) []location {
	var out []location
	if ref.parentRole != nil {
		out = append(out, location{fsys: ref.parentRole.FS, path: ref.parentRole.Dir}.dir())
	}
	if ref.play != nil && ref.play.Dir != "" {
		out = append(out, location{path: ref.play.Dir}.join("roles"))
	}
	for _, p := range st.l.RolesPath {
		out = append(out, location{path: p})
	}
	if ref.play != nil && ref.play.Dir != "" {
		out = append(out, location{path: ref.play.Dir})
	}
	if st.l.ExtraRoleFS != nil {
		out = append(out, location{fsys: st.l.ExtraRoleFS, path: "."})
	}
	return out
}

// findRole finds the directory of the role ref names.
func (st *loadState) findRole(ref roleRef) (location, error) {
	if isAbsPath(ref.name) {
		if l := (location{path: ref.name}); l.isDir() {
			return l, nil
		}
		return location{}, errorf(ref.pos, "role %q not found", ref.name)
	}
	search := st.roleSearch(ref)
	for _, sp := range search {
		if c := sp.join(ref.name); c.isDir() {
			return c, nil
		}
	}
	return location{}, errorf(ref.pos, "role %q not found in %s", ref.name, joinLocs(search))
}

// loadRole loads one application of a role with its dependencies. It
// returns nil (and no error) when the role was already applied in the
// play with the same parameters and does not allow duplicates.
func (st *loadState) loadRole(ref roleRef) (*Role, error) {
	dir, err := st.findRole(ref)
	if err != nil {
		return nil, err
	}
	key := dir.key() + "\x00" + ref.opt.TasksFrom
	for i, f := range st.roles {
		if f.key == key {
			var names []string
			for _, g := range st.roles[i:] {
				names = append(names, g.name)
			}
			return nil, errorf(ref.pos, "role dependency cycle: %s -> %s", strings.Join(names, " -> "), ref.name)
		}
	}
	r := &Role{
		Pos: ref.pos, Name: dir.base(), Dir: dir.path, FS: dir.fsys,
		Params: ref.opt.Params, Options: ref.opts, Public: ref.opt.Public,
	}
	if dir.fsys != nil {
		r.Name = path.Base(ref.name)
	}
	deps, err := st.roleMeta(r, dir)
	if err != nil {
		return nil, err
	}
	if ref.dedup {
		dk := dir.key() + "\x00" + ref.opt.TasksFrom + "\x00" + fmt.Sprint(ref.opt.Params)
		if st.applied[dk] && !r.AllowDuplicates {
			return nil, nil
		}
		if st.applied == nil {
			st.applied = map[string]bool{}
		}
		st.applied[dk] = true
	}
	st.roles = append(st.roles, roleFrame{key: key, name: ref.name})
	defer func() { st.roles = st.roles[:len(st.roles)-1] }()

	if r.Defaults, err = st.roleVars(dir, "defaults", ref.opt.DefaultsFrom, ref.pos); err != nil {
		return nil, err
	}
	if r.Vars, err = st.roleVars(dir, "vars", ref.opt.VarsFrom, ref.pos); err != nil {
		return nil, err
	}
	file := location{fsys: dir.fsys, path: dir.path}.join("meta", "main.yml").String()
	for _, d := range deps {
		dref, err := roleEntry(file, d)
		if err != nil {
			st.errs.add(err)
			continue
		}
		dref.opts = inherit(r.Options, dref.opts)
		dref.play, dref.parentRole, dref.parent = ref.play, r, ref.parent
		dref.dedup, dref.notify = true, ref.notify
		dref.opt.Public = ref.opt.Public
		dep, err := st.loadRole(dref)
		if err != nil {
			st.errs.add(err)
			continue
		}
		if dep != nil {
			r.Deps = append(r.Deps, dep)
		}
	}
	sc := scope{play: ref.play, role: r, parent: ref.parent, opts: r.Options, notify: ref.notify, vars: ref.vars}
	r.Tasks = st.roleTaskFile(sc, dir, "tasks", ref.opt.TasksFrom, ref.pos)
	sc.handler = true
	r.Handlers = st.roleTaskFile(sc, dir, "handlers", ref.opt.HandlersFrom, ref.pos)
	return r, nil
}

// roleTaskFile loads tasks/main.yml (or from) of a role. A missing main
// file is an empty list; a missing from file is an error.
func (st *loadState) roleTaskFile(sc scope, dir location, sub, from string, pos Pos) []*Task {
	name := from
	if name == "" {
		name = "main"
	}
	files, err := findMain(dir.join(sub), name, false)
	if err != nil {
		st.errs.add(errorf(pos, "role %s: %v", dir.base(), err))
		return nil
	}
	if len(files) == 0 {
		if from != "" {
			st.errs.add(errorf(pos, "role %s: %s file %q not found in %s", dir.base(), sub, from, dir.join(sub)))
		}
		return nil
	}
	sc.file = files[0]
	return st.taskFile(sc, files[0], pos)
}

// roleVars loads defaults/ or vars/ of a role: main (or from) as a file
// or a directory of files merged in name order.
func (st *loadState) roleVars(dir location, sub, from string, pos Pos) (map[string]any, error) {
	name := from
	if name == "" {
		name = "main"
	}
	files, err := findMain(dir.join(sub), name, true)
	if err != nil {
		return nil, errorf(pos, "role %s: %v", dir.base(), err)
	}
	if len(files) == 0 && from != "" {
		return nil, errorf(pos, "role %s: %s file %q not found in %s", dir.base(), sub, from, dir.join(sub))
	}
	var out map[string]any
	for _, f := range files {
		root, err := st.parseFile(f)
		if err != nil {
			return nil, err
		}
		if root == nil {
			continue
		}
		m, err := varsMap(f.String(), sub, root)
		if err != nil {
			return nil, err
		}
		out = mergeVars(out, m)
	}
	return out, nil
}

// roleMeta reads meta/main.yml: allow_duplicates into r, and the
// dependency entries, returned unparsed.
func (st *loadState) roleMeta(r *Role, dir location) ([]*yaml.Node, error) {
	files, err := findMain(dir.join("meta"), "main", false)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	root, err := st.parseFile(files[0])
	if err != nil || root == nil {
		return nil, err
	}
	file := files[0].String()
	ps, err := pairs(file, root)
	if err != nil {
		return nil, err
	}
	var deps []*yaml.Node
	for _, p := range ps {
		switch p.key {
		case "allow_duplicates":
			v, err := boolish(file, p.key, p.val)
			if err != nil {
				return nil, err
			}
			b, _ := v.(bool)
			r.AllowDuplicates = b
		case "dependencies":
			d := resolve(p.val)
			if isNull(d) {
				continue
			}
			if d.Kind != yaml.SequenceNode {
				return nil, errorf(nodePos(file, p.val), "dependencies must be a list, got %s", kindName(p.val))
			}
			deps = d.Content
		}
	}
	return deps, nil
}

// roleTasks lists the tasks an import of r runs: its dependencies' first.
func roleTasks(r *Role) []*Task {
	var out []*Task
	for _, d := range r.Deps {
		out = append(out, roleTasks(d)...)
	}
	return append(out, r.Tasks...)
}

// allHandlers lists the handlers of r and its dependencies.
func allHandlers(r *Role) []*Task {
	var out []*Task
	for _, d := range r.Deps {
		out = append(out, allHandlers(d)...)
	}
	return append(out, r.Handlers...)
}

// LoadRole applies a role at run time (include_role). parent is the
// include task: the role's tasks sit under it, inheriting the options of
// the scope around it plus its apply: keywords (not its own when: and
// tags:, which apply to the include alone). Dependencies are expanded;
// role deduplication does not apply, as in Ansible. Handlers of roles
// imported by the role's tasks (import_role) are appended to Handlers.
func (l *Loader) LoadRole(name string, opt RoleOptions, parent *Task, play *Play) (*Role, error) {
	st := l.newState()
	ref := roleRef{name: name, opt: opt, play: play, parent: parent}
	if parent != nil {
		ref.pos = parent.Pos
		ref.parentRole = parent.Role
		ref.opts, ref.notify = includedScope(parent)
		if parent.Include != nil {
			ref.vars = parent.Include.applyVars
		}
	}
	if err := checkRoleName(ref); err != nil {
		return nil, err
	}
	r, err := st.loadRole(ref)
	if err != nil {
		st.errs.add(err)
	}
	if err := st.errs.err(); err != nil {
		return nil, err
	}
	// Handlers of roles the role's tasks import (import_role) come with it.
	if r != nil {
		r.Handlers = append(r.Handlers, st.roleHandlers...)
	}
	return r, nil
}

// includedScope returns the options and notify that tasks included by
// the dynamic include t inherit.
func includedScope(t *Task) (Options, []string) {
	inc := t.Include
	if inc == nil || inc.outer == nil {
		return withoutConds(t.Options), t.Notify
	}
	o := *inc.outer
	if inc.apply != nil {
		o = inherit(o, *inc.apply)
	}
	return o, inc.notify
}

// LoadTasks loads a task file at run time (include_tasks). path is
// resolved like Ansible does: next to the file of parent, in the role's
// tasks directory, in the play's directory; then as given (a path the
// caller resolved, or "embedded:…" for a file of ExtraRoleFS). parent is the include task:
// the loaded tasks have it as Parent (its vars apply) and inherit the
// options of the scope around it plus its apply: keywords.
func (l *Loader) LoadTasks(path string, parent *Task, role *Role, play *Play) ([]*Task, error) {
	st := l.newState()
	sc := scope{play: play, role: role, parent: parent}
	var from location
	var pos Pos
	if parent != nil {
		pos = parent.Pos
		sc.opts, sc.notify = includedScope(parent)
		sc.handler = parent.Handler
		from = l.locationOf(parent.Pos.File)
		if parent.Include != nil {
			sc.vars = parent.Include.applyVars
		}
	}
	var cands []location
	if strings.HasPrefix(path, embeddedPrefix) {
		cands = []location{l.locationOf(path)}
	} else {
		// A path the caller already resolved (relative to the working
		// directory) is tried last.
		cands = dedupLocs(append(st.taskFileCandidates(from, role, play, path, sc.handler), location{path: path}))
	}
	loc, ok := st.findTaskFile(cands)
	if !ok {
		return nil, errorf(pos, "include_tasks: file %q not found (looked for %s)", path, joinLocs(cands))
	}
	sc.file = loc
	tasks := st.taskFile(sc, loc, pos)
	if err := st.errs.err(); err != nil {
		return nil, err
	}
	return tasks, nil
}

// locationOf maps a position's file back to a location.
func (l *Loader) locationOf(file string) location {
	if rest, ok := strings.CutPrefix(file, embeddedPrefix); ok && l.ExtraRoleFS != nil {
		return location{fsys: l.ExtraRoleFS, path: rest}
	}
	return location{path: file}
}
