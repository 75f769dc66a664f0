package playbook

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// includeArgs reads the arguments of an include or import: the value of
// its key (a file name or k=v string, or a mapping) with args: merged
// under it. A free-form file name is returned under "file".
func includeArgs(file string, act action, argsKw *pair) (map[string]any, error) {
	args, err := moduleArgs(file, act.kind, act.val, argsKw)
	if err != nil {
		return nil, err
	}
	if raw, ok := args["_raw_params"]; ok {
		delete(args, "_raw_params")
		switch {
		case act.kind == "include_role" || act.kind == "import_role":
			return nil, errorf(act.pos, "%s takes name=… or a mapping, not %q", act.kind, raw)
		case args["file"] != nil:
			return nil, errorf(act.pos, "%s: the file is given twice", act.kind)
		}
		args["file"] = raw
	}
	return args, nil
}

// checkArgNames fails when args holds names outside valid.
func checkArgNames(pos Pos, kind string, args map[string]any, valid ...string) error {
	var bad []string
	for k := range args {
		if !slices.Contains(valid, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return errorf(pos, "invalid options for %s: %s (valid: %s)", kind, strings.Join(bad, ", "), strings.Join(valid, ", "))
}

// argString reads a string argument of an include.
func argString(pos Pos, kind string, args map[string]any, name string) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return "", nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case int, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", errorf(pos, "%s: %s must be a string, got %T", kind, name, v)
}

// argBool reads a boolean argument of an include (def when absent).
func argBool(pos Pos, kind string, args map[string]any, name string, def bool) (bool, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, ok := parseBoolWord(x); ok {
			return b, nil
		}
	}
	return false, errorf(pos, "%s: %s must be a boolean", kind, name)
}

func parseBoolWord(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "on", "true", "1", "y", "t":
		return true, true
	case "no", "off", "false", "0", "n", "f":
		return false, true
	}
	return false, false
}

// taskFileCandidates lists where a task file named in an include or
// import may be: next to the file naming it, in the role's tasks (or
// handlers) directory, in the play's directory.
func (st *loadState) taskFileCandidates(from location, role *Role, play *Play, name string, handler bool) []location {
	var out []location
	if from.fsys == nil && isAbsPath(name) {
		return []location{{path: name}}
	}
	if from.path != "" {
		out = append(out, from.dir().join(name))
	}
	if role != nil {
		sub := "tasks"
		if handler {
			sub = "handlers"
		}
		rd := location{fsys: role.FS, path: role.Dir}
		out = append(out, rd.join(sub, name), rd.join(name))
	}
	if play != nil && play.Dir != "" {
		out = append(out, location{path: play.Dir}.join(name))
	}
	return dedupLocs(out)
}

// dedupLocs drops repeated locations, keeping the first.
func dedupLocs(ls []location) []location {
	var out []location
	seen := map[string]bool{}
	for _, l := range ls {
		if k := l.key(); !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

// findTaskFile returns the first existing candidate.
func (st *loadState) findTaskFile(cands []location) (location, bool) {
	for _, c := range cands {
		if c.isFile() {
			return c, true
		}
	}
	return location{}, false
}

// importTasks expands an import_tasks task into the tasks of the file.
func (st *loadState) importTasks(sc scope, t *Task, act action, argsKw *pair) []*Task {
	if t.Loop != nil {
		st.errs.add(errorf(t.Pos, "you cannot use loops on import_tasks; use include_tasks instead"))
		return nil
	}
	args, err := includeArgs(sc.file.String(), act, argsKw)
	if err == nil {
		err = checkArgNames(act.pos, act.kind, args, "file")
	}
	var name string
	if err == nil {
		name, err = argString(act.pos, act.kind, args, "file")
	}
	if err == nil && name == "" {
		err = errorf(act.pos, "import_tasks needs a file name")
	}
	if err == nil && isTemplate(name) {
		err = errorf(act.pos, "import_tasks %q: the file name of a static import cannot be templated; use include_tasks", name)
	}
	if err != nil {
		st.errs.add(err)
		return nil
	}
	cands := st.taskFileCandidates(sc.file, sc.role, sc.play, name, sc.handler)
	loc, ok := st.findTaskFile(cands)
	if !ok {
		st.errs.add(errorf(act.pos, "import_tasks: file %q not found (looked for %s)", name, joinLocs(cands)))
		return nil
	}
	child := sc
	child.file = loc
	child.opts = t.Options
	child.vars = t.Vars
	child.notify = t.Notify
	return st.taskFile(child, loc, act.pos)
}

// taskFile loads the task list of a file in scope sc.
func (st *loadState) taskFile(sc scope, loc location, from Pos) []*Task {
	if err := st.enter(loc, from); err != nil {
		st.errs.add(err)
		return nil
	}
	defer st.leave()
	root, err := st.parseFile(loc)
	if err != nil {
		st.errs.add(wrapAt(from, "loading tasks", err))
		return nil
	}
	if root == nil {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		st.errs.add(errorf(nodePos(loc.String(), root), "a task file must be a list of tasks, got %s", kindName(root)))
		return nil
	}
	return st.tasks(sc, root, "tasks")
}

func isAbsPath(p string) bool { return filepath.IsAbs(p) }

func joinLocs(ls []location) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	return strings.Join(s, ", ")
}

// importRole expands an import_role task into the role's tasks
// (dependencies first); the role's handlers join the play's.
func (st *loadState) importRole(sc scope, t *Task, act action, argsKw *pair) []*Task {
	if t.Loop != nil {
		st.errs.add(errorf(t.Pos, "you cannot use loops on import_role; use include_role instead"))
		return nil
	}
	inc, err := roleIncludeArgs(sc.file.String(), act, argsKw)
	if err == nil && isTemplate(inc.RoleName) {
		err = errorf(act.pos, "import_role %q: the name of a statically imported role cannot be templated; use include_role", inc.RoleName)
	}
	if err != nil {
		st.errs.add(err)
		return nil
	}
	public := true
	if inc.publicSet {
		public = inc.Public
	}
	r, err := st.loadRole(roleRef{
		name: inc.RoleName, pos: act.pos, play: sc.play, parentRole: sc.role, parent: sc.parent,
		opts: t.Options, notify: t.Notify,
		opt: RoleOptions{TasksFrom: inc.TasksFrom, VarsFrom: inc.VarsFrom, DefaultsFrom: inc.DefaultsFrom,
			HandlersFrom: inc.HandlersFrom, Params: t.Vars, Public: public},
	})
	if err != nil {
		st.errs.add(err)
		return nil
	}
	if r == nil {
		return nil
	}
	st.roleHandlers = append(st.roleHandlers, allHandlers(r)...)
	return roleTasks(r)
}

// roleInclude is Include plus what only loading needs.
type roleInclude struct {
	Include
	publicSet bool
}

// roleIncludeArgs reads the arguments of import_role and include_role.
func roleIncludeArgs(file string, act action, argsKw *pair) (roleInclude, error) {
	inc := roleInclude{Include: Include{Kind: act.kind}}
	args, err := includeArgs(file, act, argsKw)
	if err != nil {
		return inc, err
	}
	valid := []string{"name", "role", "tasks_from", "vars_from", "defaults_from", "handlers_from",
		"allow_duplicates", "public", "rolespec_validate", "apply"}
	if act.kind == "import_role" {
		valid = valid[:len(valid)-1]
	}
	if err := checkArgNames(act.pos, act.kind, args, valid...); err != nil {
		return inc, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &inc.RoleName}, {"tasks_from", &inc.TasksFrom}, {"vars_from", &inc.VarsFrom},
		{"defaults_from", &inc.DefaultsFrom}, {"handlers_from", &inc.HandlersFrom}} {
		if *f.dst, err = argString(act.pos, act.kind, args, f.name); err != nil {
			return inc, err
		}
	}
	if inc.RoleName == "" {
		if inc.RoleName, err = argString(act.pos, act.kind, args, "role"); err != nil {
			return inc, err
		}
	}
	if inc.RoleName == "" {
		return inc, errorf(act.pos, "%s needs a role name (name:)", act.kind)
	}
	if _, ok := args["public"]; ok {
		inc.publicSet = true
		if inc.Public, err = argBool(act.pos, act.kind, args, "public", false); err != nil {
			return inc, err
		}
	}
	for _, b := range []string{"allow_duplicates", "rolespec_validate"} {
		if _, err := argBool(act.pos, act.kind, args, b, true); err != nil {
			return inc, err
		}
	}
	return inc, nil
}

// dynamicIncludeKeywords are the keywords Ansible accepts on
// include_tasks and include_role; others must go in apply:.
func isDynamicIncludeKeyword(k string) bool {
	switch k {
	case "action", "args", "collections", "debugger", "ignore_errors", "loop", "loop_control",
		"name", "no_log", "register", "run_once", "tags", "timeout", "vars", "when":
		return true
	}
	return strings.HasPrefix(k, "with_")
}

// dynamicInclude fills t.Include for include_tasks, include and
// include_role.
func (st *loadState) dynamicInclude(sc scope, t *Task, act action, argsKw *pair, ps []pair) error {
	file := sc.file.String()
	if act.key != "include" && !strings.HasSuffix(act.key, ".include") {
		for _, p := range ps {
			if p.key != act.key && !isDynamicIncludeKeyword(p.key) {
				return errorf(nodePos(file, p.knode), "%q is not valid on %s (give keywords for the included tasks with apply:)", p.key, act.kind)
			}
		}
	}
	var inc roleInclude
	var err error
	if act.kind == "include_role" {
		inc, err = roleIncludeArgs(file, act, argsKw)
		if err != nil {
			return err
		}
	} else {
		args, err := includeArgs(file, act, argsKw)
		if err != nil {
			return err
		}
		inc.Kind = "include_tasks"
		if inc.File, err = argString(act.pos, act.kind, args, "file"); err != nil {
			return err
		}
		if inc.File == "" {
			return errorf(act.pos, "%s needs a file name", act.key)
		}
		if act.kind == "include_tasks" && (act.key == "include" || strings.HasSuffix(act.key, ".include")) {
			// The old include: passes its extra k=v as vars.
			extra := map[string]any{}
			for k, v := range args {
				if k != "file" {
					extra[k] = v
				}
			}
			t.Vars = mergeVars(extra, t.Vars)
		} else if err := checkArgNames(act.pos, act.kind, args, "file", "apply"); err != nil {
			return err
		}
	}
	t.Include = &inc.Include
	outer := sc.opts
	t.Include.outer = &outer
	t.Include.notify = sc.notify
	if applyNode := findApply(file, act, argsKw); applyNode != nil {
		if err := st.parseApply(file, t.Include, applyNode); err != nil {
			return err
		}
	}
	return nil
}

// findApply returns the node of the apply: argument, if any, in the
// include's mapping or its args:.
func findApply(file string, act action, argsKw *pair) *yaml.Node {
	nodes := []*yaml.Node{act.val}
	if argsKw != nil {
		nodes = append(nodes, argsKw.val)
	}
	for _, n := range nodes {
		if r := resolve(n); r == nil || r.Kind != yaml.MappingNode {
			continue
		}
		ps, err := pairs(file, n)
		if err != nil {
			continue
		}
		for _, p := range ps {
			if p.key == "apply" {
				return p.val
			}
		}
	}
	return nil
}

// parseApply reads the apply: keywords of a dynamic include.
func (st *loadState) parseApply(file string, inc *Include, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	ps, err := pairs(file, n)
	if err != nil {
		return errorf(nodePos(file, n), "apply must be a mapping of keywords, got %s", kindName(n))
	}
	v, err := decode(file, n)
	if err != nil {
		return err
	}
	inc.Apply, _ = v.(map[string]any)
	var o Options
	for _, p := range ps {
		if p.key == "block" || p.key == "rescue" || p.key == "always" || !isBlockKeyword(p.key) {
			return unknownKeyword(nodePos(file, p.knode), p.key, "apply", blockKeywordNames())
		}
		handled, err := optionKeyword(file, p, &o)
		if err != nil {
			return err
		}
		if handled {
			continue
		}
		switch p.key {
		case "vars":
			if inc.applyVars, err = varsMap(file, p.key, p.val); err != nil {
				return err
			}
		case "notify":
			if inc.notify, err = strList(file, p.key, p.val, false); err != nil {
				return err
			}
		}
	}
	inc.apply = &o
	return nil
}
