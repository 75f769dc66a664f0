package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/playbook"
)

// runTasks runs a task list on hosts and returns the hosts that failed in
// it (a failed host runs no further task of the list). With the free
// strategy each host walks the list on its own.
func (pr *playRun) runTasks(tasks []*playbook.Task, hosts []string) map[string]bool {
	if len(hosts) == 0 || len(tasks) == 0 {
		return nil
	}
	if pr.play.Strategy == "free" && len(hosts) > 1 {
		failed := map[string]bool{}
		results := make(chan map[string]bool, len(hosts))
		for _, h := range hosts {
			go func() { results <- pr.runTasksLinear(tasks, []string{h}) }()
		}
		for range hosts {
			maps.Copy(failed, <-results)
		}
		return failed
	}
	return pr.runTasksLinear(tasks, hosts)
}

func (pr *playRun) runTasksLinear(tasks []*playbook.Task, hosts []string) map[string]bool {
	failed := map[string]bool{}
	for _, t := range tasks {
		if pr.stopped() {
			break
		}
		act := pr.active(hosts)
		act = slices.DeleteFunc(act, func(h string) bool { return failed[h] })
		if len(act) == 0 {
			break
		}
		var f map[string]bool
		switch {
		case t.IsBlock():
			f = pr.runBlock(t, act)
		case t.Include != nil:
			if !pr.selected(t) {
				continue
			}
			f = pr.runInclude(t, act)
		case isMeta(t.Module):
			if !pr.selected(t) && !strings.Contains(fmt.Sprint(t.Args["_raw_params"]), "flush_handlers") {
				continue
			}
			pr.runMeta(t, act)
		default:
			if !pr.selected(t) {
				continue
			}
			pr.emit(Event{Kind: TaskStart, Play: pr.play, Task: t, Handler: t.Handler})
			f = pr.runTask(t, act)
		}
		maps.Copy(failed, f)
		if len(f) > 0 && pr.anyErrorsFatal(t) {
			pr.mu.Lock()
			pr.endPlay = true
			for _, h := range pr.batch {
				if !pr.state(h).out() {
					pr.failed[h] = true
				}
			}
			pr.mu.Unlock()
			pr.stop.Store(true)
			pr.emit(Event{Kind: NoHostsLeft, Play: pr.play, Msg: "any_errors_fatal: a host failed, stopping the play"})
			break
		}
		if len(f) > 0 {
			pr.recordTransient(f)
		}
	}
	return failed
}

// recordTransient applies max_fail_percentage as failures happen, before
// the enclosing list returns.
func (pr *playRun) recordTransient(f map[string]bool) {
	if pr.play.MaxFailPercentage == nil {
		return
	}
	pr.mu.Lock()
	saved := maps.Clone(pr.failed)
	maps.Copy(pr.failed, f)
	pr.mu.Unlock()
	pr.checkMaxFail()
	pr.mu.Lock()
	if !pr.endPlay {
		pr.failed = saved
	}
	pr.mu.Unlock()
}

func (pr *playRun) anyErrorsFatal(t *playbook.Task) bool {
	if t.AnyErrorsFatal == nil {
		return false
	}
	b, err := pr.Templates.Truth(fmt.Sprint(t.AnyErrorsFatal), pr.Options.ExtraVars)
	return err == nil && b
}

// runBlock runs block, then rescue for the hosts that failed in it, then
// always for every host that entered the block.
func (pr *playRun) runBlock(t *playbook.Task, hosts []string) map[string]bool {
	// A block's own when (already propagated to its children) is checked
	// by each child; nothing to evaluate here.
	failed := pr.runTasks(t.Block, hosts)
	if len(failed) > 0 && len(t.Rescue) > 0 {
		var rescue []string
		for _, h := range hosts {
			if failed[h] && !pr.state(h).out() {
				rescue = append(rescue, h)
			}
		}
		for _, h := range rescue {
			pr.stats.rescue(h)
		}
		stillFailed := pr.runTasks(t.Rescue, rescue)
		for _, h := range rescue {
			delete(failed, h)
		}
		maps.Copy(failed, stillFailed)
	}
	if len(t.Always) > 0 {
		var always []string
		for _, h := range hosts {
			if !pr.state(h).out() {
				always = append(always, h)
			}
		}
		maps.Copy(failed, pr.runTasks(t.Always, always))
	}
	return failed
}

// runInclude expands include_tasks/include_role per host and runs the
// result; hosts including the same file run it together.
func (pr *playRun) runInclude(t *playbook.Task, hosts []string) map[string]bool {
	if pr.Loader == nil {
		return pr.failAll(t, hosts, "dynamic includes need a loader")
	}
	type group struct {
		hosts []string
		tasks []*playbook.Task
		role  *playbook.Role
	}
	groups := map[string]*group{}
	var order []string
	failed := map[string]bool{}
	for _, h := range hosts {
		v, err := pr.taskVars(h, t, nil)
		if err != nil {
			pr.hostFail(t, h, err.Error(), failed)
			continue
		}
		ok, err := pr.conditionsHold(t, v)
		if err != nil {
			pr.hostFail(t, h, err.Error(), failed)
			continue
		}
		if !ok {
			continue
		}
		inc := t.Include
		var key string
		switch inc.Kind {
		case "include_role":
			name, err := pr.renderString(t, inc.RoleName, v)
			if err != nil {
				pr.hostFail(t, h, err.Error(), failed)
				continue
			}
			params, err := pr.Templates.Template(t.Vars, v)
			if err != nil {
				pr.hostFail(t, h, err.Error(), failed)
				continue
			}
			key = "role:" + name + ":" + inc.TasksFrom + fmt.Sprint(params)
			if _, ok := groups[key]; !ok {
				pm, _ := params.(map[string]any)
				role, err := pr.Loader.LoadRole(name, playbook.RoleOptions{
					TasksFrom: inc.TasksFrom, VarsFrom: inc.VarsFrom, DefaultsFrom: inc.DefaultsFrom,
					HandlersFrom: inc.HandlersFrom, Public: inc.Public, Params: pm,
				}, t, pr.play)
				if err == nil {
					err = playbook.ValidateTasks(roleTaskList(role))
				}
				if err != nil {
					pr.hostFail(t, h, fmt.Sprintf("%s: %v", t.Pos, err), failed)
					continue
				}
				groups[key] = &group{tasks: roleTaskList(role), role: role}
				order = append(order, key)
				pr.addHandlers(role)
			}
		default:
			file, err := pr.renderString(t, inc.File, v)
			if err != nil {
				pr.hostFail(t, h, err.Error(), failed)
				continue
			}
			path, err := pr.findFile(t, "tasks", file)
			if err != nil {
				pr.hostFail(t, h, err.Error(), failed)
				continue
			}
			key = "tasks:" + path
			if _, ok := groups[key]; !ok {
				tasks, err := pr.Loader.LoadTasks(path, t, t.Role, pr.play)
				if err == nil {
					err = playbook.ValidateTasks(tasks)
				}
				if err != nil {
					pr.hostFail(t, h, fmt.Sprintf("%s: %v", t.Pos, err), failed)
					continue
				}
				groups[key] = &group{tasks: tasks}
				order = append(order, key)
			}
		}
		groups[key].hosts = append(groups[key].hosts, h)
	}
	for _, k := range order {
		g := groups[k]
		maps.Copy(failed, pr.runTasks(g.tasks, g.hosts))
	}
	return failed
}

// addHandlers makes the handlers of a dynamically included role known.
func (pr *playRun) addHandlers(r *playbook.Role) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, h := range r.Handlers {
		if !slices.Contains(pr.play.Handlers, h) {
			pr.extraHandlers = append(pr.extraHandlers, h)
		}
	}
}

func (pr *playRun) failAll(t *playbook.Task, hosts []string, msg string) map[string]bool {
	failed := map[string]bool{}
	for _, h := range hosts {
		pr.hostFail(t, h, msg, failed)
	}
	return failed
}

// hostFail reports a failure of t on h that happened before any module
// ran (bad template, missing file).
func (pr *playRun) hostFail(t *playbook.Task, h, msg string, failed map[string]bool) {
	res := map[string]any{"failed": true, "changed": false, "msg": msg}
	st := StatusFailed
	if pr.ignoreErrors(t, nil) {
		st = StatusIgnored
	} else {
		failed[h] = true
	}
	pr.stats.count(h, st, false)
	pr.emit(Event{Kind: HostResult, Play: pr.play, Task: t, Host: h, Status: st, Result: res})
}

func isMeta(m string) bool {
	return m == "meta" || m == "ansible.builtin.meta" || m == "ansible.legacy.meta"
}

// runMeta handles meta: tasks.
func (pr *playRun) runMeta(t *playbook.Task, hosts []string) {
	action := strings.TrimSpace(fmt.Sprint(t.Args["_raw_params"]))
	switch action {
	case "flush_handlers":
		pr.flushHandlers(hosts)
	case "noop", "":
	case "end_play":
		pr.mu.Lock()
		pr.endPlay = true
		pr.mu.Unlock()
	case "end_host":
		for _, h := range hosts {
			v, err := pr.taskVars(h, t, nil)
			if err != nil {
				continue
			}
			if ok, err := pr.conditionsHold(t, v); err == nil && ok {
				pr.mu.Lock()
				pr.ended[h] = true
				pr.mu.Unlock()
			}
		}
	case "end_batch":
		pr.mu.Lock()
		for _, h := range hosts {
			pr.ended[h] = true
		}
		pr.mu.Unlock()
	case "clear_facts":
		for _, h := range hosts {
			pr.state(h).clearFacts()
			pr.hv.invalidate(h)
		}
	case "clear_host_errors":
		pr.mu.Lock()
		for _, h := range hosts {
			delete(pr.failed, h)
		}
		pr.mu.Unlock()
	case "refresh_inventory", "reset_connection":
		// Connections are redialled on demand; the inventory is static
		// during a run.
	default:
		pr.warn("", "%s: unknown meta action %q ignored", t.Pos, action)
	}
}

// flushHandlers runs, in definition order, the handlers notified by hosts.
// Handlers may notify further handlers; the flush repeats until none is
// pending.
func (pr *playRun) flushHandlers(hosts []string) {
	for range 10 {
		ran := false
		for _, hd := range pr.handlers() {
			var run []string
			pr.mu.Lock()
			for _, h := range hosts {
				if !pr.notified[h][hd] {
					continue
				}
				delete(pr.notified[h], hd)
				if pr.failed[h] && !pr.forceHandlers() {
					continue
				}
				if pr.state(h).unreachable {
					continue
				}
				run = append(run, h)
			}
			pr.mu.Unlock()
			if len(run) == 0 {
				continue
			}
			ran = true
			pr.emit(Event{Kind: TaskStart, Play: pr.play, Task: hd, Handler: true})
			f := pr.runTask(hd, run)
			pr.recordFailures(f)
		}
		if !ran {
			return
		}
	}
}

func (pr *playRun) forceHandlers() bool {
	if pr.play.ForceHandlers {
		return true
	}
	if pr.Options.ForceHandlers != nil {
		return *pr.Options.ForceHandlers
	}
	return true
}

func (pr *playRun) handlers() []*playbook.Task {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return append(slices.Clone(pr.play.Handlers), pr.extraHandlers...)
}

// notify records that h notified the handlers named (by name, "role :
// name" or listen topic) in names.
func (pr *playRun) notify(h string, names []string) {
	hs := pr.handlers()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, n := range names {
		found := false
		for _, hd := range hs {
			if hd.Name == n || hd.DisplayName() == n || slices.Contains(hd.Listen, n) {
				if pr.notified[h] == nil {
					pr.notified[h] = map[*playbook.Task]bool{}
				}
				pr.notified[h][hd] = true
				found = true
			}
		}
		if !found {
			go pr.warn(h, "notified handler %q does not exist", n)
		}
	}
}

// selected applies --tags, --skip-tags and --start-at-task.
func (pr *playRun) selected(t *playbook.Task) bool {
	if !pr.started.Load() {
		want := pr.Options.StartAtTask
		if t.Name != want && t.DisplayName() != want {
			return false
		}
		pr.started.Store(true)
	}
	return TagsSelected(t.Tags, pr.Options.Tags, pr.Options.SkipTags)
}

// TagsSelected implements Ansible's tag rules: `always` runs unless
// skipped explicitly, `never` runs only when asked for by one of its
// other tags, `tagged` and `untagged` are special selectors.
func TagsSelected(tags, only, skip []string) bool {
	has := func(list []string, x string) bool { return slices.Contains(list, x) }
	for _, s := range skip {
		if has(tags, s) || (s == "tagged" && len(tags) > 0) || (s == "untagged" && len(tags) == 0) || s == "all" {
			return false
		}
	}
	if len(only) == 0 || has(only, "all") {
		return !has(tags, "never") || slices.ContainsFunc(tags, func(tg string) bool { return tg != "never" && has(only, tg) })
	}
	if has(tags, "always") {
		return true
	}
	for _, o := range only {
		switch {
		case o == "tagged" && len(tags) > 0 && !has(tags, "never"):
			return true
		case o == "untagged" && len(tags) == 0:
			return true
		case has(tags, o):
			return true
		}
	}
	return false
}
