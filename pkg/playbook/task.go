package playbook

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/module"
)

// scope is where a task list is being loaded: its file, play, role,
// enclosing block and the effective options it inherits.
type scope struct {
	file    location
	play    *Play
	role    *Role
	parent  *Task
	opts    Options
	handler bool
	// vars are the vars of enclosing static imports, merged under the
	// vars of the list's top-level tasks.
	vars map[string]any
	// notify is inherited from enclosing blocks.
	notify []string
}

// nested returns the scope for the children of block t.
func (sc scope) nested(t *Task) scope {
	c := sc
	c.parent = t
	c.opts = t.Options
	c.vars = nil
	c.notify = t.Notify
	return c
}

// tasks loads a list of tasks.
func (st *loadState) tasks(sc scope, n *yaml.Node, what string) []*Task {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	file := sc.file.String()
	if r.Kind != yaml.SequenceNode {
		st.errs.add(errorf(nodePos(file, n), "%s must be a list of tasks, got %s", what, kindName(n)))
		return nil
	}
	var out []*Task
	for _, c := range r.Content {
		out = append(out, st.task(sc, c)...)
	}
	return out
}

// action is the module (or include) a task calls, as found among its keys.
type action struct {
	kind string // "module", or an include kind (include_tasks, import_role…)
	key  string // the task key it came from
	name string // the module name as written
	val  *yaml.Node
	pos  Pos
	// local is set for local_action.
	local bool
}

// task loads one entry of a task list. Static imports expand to the
// tasks they import, so the result may hold any number of tasks.
func (st *loadState) task(sc scope, n *yaml.Node) []*Task {
	file := sc.file.String()
	if !st.budget(nodePos(file, n)) {
		return nil
	}
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		st.errs.add(errorf(nodePos(file, n), "a task must be a mapping, got %s", kindName(n)))
		return nil
	}
	ps, err := pairs(file, r)
	if err != nil {
		st.errs.add(err)
		return nil
	}
	for _, p := range ps {
		if p.key == "block" || p.key == "rescue" || p.key == "always" {
			if b := st.block(sc, r, ps); b != nil {
				return []*Task{b}
			}
			return nil
		}
	}
	act, ok := st.findAction(sc, ps, r)
	if !ok {
		return nil
	}
	t := &Task{Pos: nodePos(file, r), Play: sc.play, Role: sc.role, Parent: sc.parent, Handler: sc.handler}
	var own Options
	var argsKw *pair
	failed := false
	for _, p := range ps {
		if p.key == act.key {
			continue
		}
		if err := st.taskKeyword(sc, t, &own, p, &argsKw); err != nil {
			st.errs.add(err)
			failed = true
		}
	}
	if act.local {
		if own.DelegateTo != "" {
			st.errs.add(errorf(act.pos, "local_action and delegate_to cannot be used together"))
			failed = true
		}
		own.DelegateTo = "localhost"
	}
	loops := loopKeywords(keysOf(ps))
	if len(loops) > 1 {
		st.errs.add(errorf(t.Pos, "duplicate loop in task: %s", strings.Join(loops, ", ")))
		failed = true
	}
	t.Options = inherit(sc.opts, own)
	t.Vars = mergeVars(sc.vars, t.Vars)
	if t.Notify == nil {
		t.Notify = sc.notify
	}
	if failed {
		return nil
	}
	switch act.kind {
	case "module":
		t.Module = act.name
		args, err := moduleArgs(file, act.name, act.val, argsKw)
		if err != nil {
			st.errs.add(err)
			return nil
		}
		t.Args = args
		return []*Task{t}
	case "import_tasks":
		return st.importTasks(sc, t, act, argsKw)
	case "import_role":
		return st.importRole(sc, t, act, argsKw)
	case "include_tasks", "include", "include_role":
		if err := st.dynamicInclude(sc, t, act, argsKw, ps); err != nil {
			st.errs.add(err)
			return nil
		}
		return []*Task{t}
	}
	st.errs.add(errorf(act.pos, "%s cannot be used in a task list", act.name))
	return nil
}

func keysOf(ps []pair) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.key
	}
	return out
}

// findAction finds the one key of a task that names what it does: a
// module, action/local_action, or an include. Keys that are neither task
// keywords nor plausible module calls are reported as unknown keywords.
func (st *loadState) findAction(sc scope, ps []pair, r *yaml.Node) (action, bool) {
	file := sc.file.String()
	kws := taskKeywordNames(sc.handler)
	var cands []pair
	ok := true
	for _, p := range ps {
		switch {
		case p.key == "listen":
			if !sc.handler {
				st.errs.add(errorf(nodePos(file, p.knode), "listen is only valid on handlers"))
				ok = false
			}
		case p.key == "action" || p.key == "local_action":
			cands = append(cands, p)
		case isTaskKeyword(p.key):
		case includeAction(p.key) != "":
			cands = append(cands, p)
		default:
			v := resolve(p.val)
			if v == nil || v.Kind == yaml.ScalarNode || v.Kind == yaml.MappingNode {
				cands = append(cands, p)
				continue
			}
			st.errs.add(unknownKeyword(nodePos(file, p.knode), p.key, "a task", kws))
			ok = false
		}
	}
	if len(cands) > 1 {
		// A misspelt keyword with a string value looks like a second
		// module: report it as the typo it most likely is.
		var kept []pair
		for _, c := range cands {
			_, known := module.Lookup(c.key)
			if !known && includeAction(c.key) == "" && c.key != "action" && c.key != "local_action" && module.Closest(c.key, kws) != "" {
				st.errs.add(unknownKeyword(nodePos(file, c.knode), c.key, "a task", kws))
				ok = false
				continue
			}
			kept = append(kept, c)
		}
		cands = kept
	}
	switch {
	case len(cands) > 1:
		st.errs.add(errorf(nodePos(file, r), "conflicting action statements: %s", strings.Join(keysOf(cands), ", ")))
		return action{}, false
	case len(cands) == 0:
		if ok {
			st.errs.add(errorf(nodePos(file, r), "no module/action detected in task"))
		}
		return action{}, false
	}
	c := cands[0]
	a := action{kind: "module", key: c.key, name: c.key, val: c.val, pos: nodePos(file, c.knode)}
	if k := includeAction(c.key); k != "" {
		a.kind = k
		if k == "include" {
			a.kind = "include_tasks"
		}
		if k == "import_playbook" {
			st.errs.add(errorf(a.pos, "import_playbook is only valid at the top level of a playbook, not in a task list"))
			return action{}, false
		}
		if sc.handler && (k == "import_role" || k == "include_role") {
			st.errs.add(errorf(a.pos, "%s cannot be used as a handler", k))
			return action{}, false
		}
	}
	if c.key == "action" || c.key == "local_action" {
		var err error
		a, err = actionForm(file, c)
		if err != nil {
			st.errs.add(err)
			return action{}, false
		}
	}
	return a, ok
}

// taskKeyword reads one keyword of a task into t (and own for the
// inheritable ones). args: is remembered in argsKw for the action.
func (st *loadState) taskKeyword(sc scope, t *Task, own *Options, p pair, argsKw **pair) error {
	file := sc.file.String()
	if handled, err := optionKeyword(file, p, own); handled {
		return err
	}
	var err error
	switch {
	case p.key == "name":
		t.Name, err = str(file, p.key, p.val)
	case p.key == "vars":
		t.Vars, err = varsMap(file, p.key, p.val)
	case p.key == "args":
		pp := p
		*argsKw = &pp
	case p.key == "loop" || strings.HasPrefix(p.key, "with_"):
		t.LoopKind = p.key
		t.Loop, err = decode(file, p.val)
		if err == nil && t.Loop == nil {
			t.Loop = []any{}
		}
	case p.key == "loop_control":
		t.LoopControl, err = loopControl(file, p.val)
	case p.key == "register":
		t.Register, err = str(file, p.key, p.val)
	case p.key == "notify":
		t.Notify, err = strList(file, p.key, p.val, false)
	case p.key == "listen":
		t.Listen, err = strList(file, p.key, p.val, false)
	case p.key == "changed_when":
		t.ChangedWhen, err = conds(file, p.key, p.val)
	case p.key == "failed_when":
		t.FailedWhen, err = conds(file, p.key, p.val)
	case p.key == "until":
		var cs []Cond
		cs, err = conds(file, p.key, p.val)
		if len(cs) > 0 {
			t.Until = joinConds(cs)
		}
	case p.key == "retries":
		t.Retries, err = intOrTemplate(file, p.key, p.val)
	case p.key == "delay":
		t.Delay, err = intOrTemplate(file, p.key, p.val)
	case p.key == "async":
		t.Async, err = intOrTemplate(file, p.key, p.val)
	case p.key == "poll":
		t.Poll, err = intOrTemplate(file, p.key, p.val)
	default:
		err = unknownKeyword(nodePos(file, p.knode), p.key, "a task", taskKeywordNames(sc.handler))
	}
	return err
}

// joinConds folds several conditions into one ("(a) and (b)").
func joinConds(cs []Cond) *Cond {
	if len(cs) == 1 {
		return &cs[0]
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = "(" + c.Expr + ")"
	}
	return &Cond{Expr: strings.Join(parts, " and "), Pos: cs[0].Pos}
}

// loopControl reads loop_control.
func loopControl(file string, n *yaml.Node) (LoopControl, error) {
	var lc LoopControl
	if isNull(n) {
		return lc, nil
	}
	ps, err := pairs(file, n)
	if err != nil {
		return lc, err
	}
	for _, p := range ps {
		switch p.key {
		case "loop_var":
			lc.LoopVar, err = str(file, p.key, p.val)
		case "index_var":
			lc.IndexVar, err = str(file, p.key, p.val)
		case "label":
			lc.Label, err = str(file, p.key, p.val)
		case "pause":
			var v any
			v, err = decode(file, p.val)
			switch x := v.(type) {
			case int:
				lc.Pause = float64(x)
			case float64:
				lc.Pause = x
			case nil:
			default:
				if err == nil {
					err = errorf(nodePos(file, p.val), "loop_control pause must be a number of seconds")
				}
			}
		case "extended":
			var v any
			v, err = boolish(file, p.key, p.val)
			if b, ok := v.(bool); ok {
				lc.Extended = b
			} else if err == nil && v != nil {
				err = errorf(nodePos(file, p.val), "loop_control extended must be a literal boolean")
			}
		case "extended_allitems":
			_, err = boolish(file, p.key, p.val)
		default:
			err = unknownKeyword(nodePos(file, p.knode), p.key, "loop_control",
				[]string{"loop_var", "index_var", "label", "pause", "extended", "extended_allitems"})
		}
		if err != nil {
			return lc, err
		}
	}
	return lc, nil
}

// block loads a block with its rescue and always sections.
func (st *loadState) block(sc scope, r *yaml.Node, ps []pair) *Task {
	file := sc.file.String()
	t := &Task{Pos: nodePos(file, r), Play: sc.play, Role: sc.role, Parent: sc.parent, Handler: sc.handler}
	var own Options
	sections := map[string]*yaml.Node{}
	failed := false
	for _, p := range ps {
		var err error
		switch {
		case p.key == "block" || p.key == "rescue" || p.key == "always":
			sections[p.key] = p.val
		case !isBlockKeyword(p.key) && isTaskKeyword(p.key):
			err = errorf(nodePos(file, p.knode), "%q is not valid on a block (put it on the tasks inside)", p.key)
		case !isBlockKeyword(p.key):
			err = unknownKeyword(nodePos(file, p.knode), p.key, "a block", blockKeywordNames())
		default:
			var handled bool
			handled, err = optionKeyword(file, p, &own)
			if handled {
				break
			}
			switch p.key {
			case "name":
				t.Name, err = str(file, p.key, p.val)
			case "vars":
				t.Vars, err = varsMap(file, p.key, p.val)
			case "notify":
				t.Notify, err = strList(file, p.key, p.val, false)
			}
		}
		if err != nil {
			st.errs.add(err)
			failed = true
		}
	}
	if failed {
		return nil
	}
	t.Options = inherit(sc.opts, own)
	t.Vars = mergeVars(sc.vars, t.Vars)
	if t.Notify == nil {
		t.Notify = sc.notify
	}
	child := sc.nested(t)
	t.Block = nonNil(st.tasks(child, sections["block"], "block"))
	if n, ok := sections["rescue"]; ok {
		t.Rescue = nonNil(st.tasks(child, n, "rescue"))
	}
	if n, ok := sections["always"]; ok {
		t.Always = nonNil(st.tasks(child, n, "always"))
	}
	return t
}

func nonNil(ts []*Task) []*Task {
	if ts == nil {
		return []*Task{}
	}
	return ts
}

// blockKeywordNames lists block keywords for suggestions.
func blockKeywordNames() []string {
	return slices.DeleteFunc(taskKeywordNames(false), func(k string) bool { return !isBlockKeyword(k) })
}
