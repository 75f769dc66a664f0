package playbook

import (
	"slices"

	"github.com/hactl/hactl/pkg/module"
)

// walkTasks calls fn for every task of ts, blocks' contents included.
func walkTasks(ts []*Task, fn func(*Task)) {
	for _, t := range ts {
		fn(t)
		walkTasks(t.Block, fn)
		walkTasks(t.Rescue, fn)
		walkTasks(t.Always, fn)
	}
}

// walkRole calls fn for every task and handler of r and its
// dependencies.
func walkRole(r *Role, fn func(*Task)) {
	for _, d := range r.Deps {
		walkRole(d, fn)
	}
	walkTasks(r.Tasks, fn)
	walkTasks(r.Handlers, fn)
}

// walkPlay calls fn for every task of p: pre_tasks, roles, tasks,
// post_tasks and handlers, each once.
func walkPlay(p *Play, fn func(*Task)) {
	seen := map[*Task]bool{}
	once := func(t *Task) {
		if !seen[t] {
			seen[t] = true
			fn(t)
		}
	}
	walkTasks(p.PreTasks, once)
	for _, r := range p.Roles {
		walkRole(r, once)
	}
	walkTasks(p.Tasks, once)
	walkTasks(p.PostTasks, once)
	walkTasks(p.Handlers, once)
}

// handlerNames collects what notify: may name: handler names, listen
// topics, both also as "role : name".
func handlerNames(hs []*Task, into map[string]bool) {
	walkTasks(hs, func(h *Task) {
		names := slices.Clone(h.Listen)
		if h.Name != "" {
			names = append(names, h.Name)
		}
		for _, n := range names {
			into[n] = true
			if h.Role != nil {
				into[h.Role.Name+" : "+n] = true
			}
		}
	})
}

// checkNotify reports notify: entries naming no handler of the play.
// Templated names are left to run time, and so is everything when the
// play may gain handlers at run time in ways not known now (a templated
// include_role, an include in the handlers).
func (st *loadState) checkNotify(p *Play) []error {
	known := map[string]bool{}
	handlerNames(p.Handlers, known)
	open := false
	walkTasks(p.Handlers, func(h *Task) {
		if h.Include != nil {
			open = true
		}
	})
	walkPlay(p, func(t *Task) {
		inc := t.Include
		if inc == nil || inc.Kind != "include_role" {
			return
		}
		if isTemplate(inc.RoleName) || isTemplate(inc.HandlersFrom) {
			open = true
			return
		}
		sub := st.l.newState()
		r, err := sub.loadRole(roleRef{name: inc.RoleName, pos: t.Pos, play: p, parentRole: t.Role,
			opt: RoleOptions{HandlersFrom: inc.HandlersFrom, TasksFrom: inc.TasksFrom}})
		if err != nil || r == nil {
			open = true
			return
		}
		handlerNames(allHandlers(r), known)
		handlerNames(sub.roleHandlers, known)
	})
	if open {
		return nil
	}
	var all []string
	for n := range known {
		all = append(all, n)
	}
	slices.Sort(all)
	var errs []error
	walkPlay(p, func(t *Task) {
		if t.IsBlock() {
			return // its tasks carry the same notify
		}
		for _, n := range t.Notify {
			if known[n] || isTemplate(n) {
				continue
			}
			if best := module.Closest(n, all); best != "" {
				errs = append(errs, errorf(t.Pos, "notify: no handler named %q in this play (did you mean %q?)", n, best))
			} else {
				errs = append(errs, errorf(t.Pos, "notify: no handler named %q in this play", n))
			}
		}
	})
	return errs
}
