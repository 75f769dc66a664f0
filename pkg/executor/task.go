package executor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
	"github.com/hactl/hactl/pkg/vars"
)

// outcome is the result of a task on one host.
type outcome struct {
	status Status
	result map[string]any
	// failed means the host stops here (not ignored, not rescued yet).
	failed bool
}

// runTask runs a task (module call) on hosts in parallel and returns the
// hosts that failed.
func (pr *playRun) runTask(t *playbook.Task, hosts []string) map[string]bool {
	failed := map[string]bool{}
	if len(hosts) == 0 {
		return failed
	}
	ph := stringsToAny(pr.active(pr.batch))
	pr.playHosts.Store(&ph)
	if pr.runOnce(t) {
		first := hosts[0]
		var o outcome
		pr.parallel([]string{first}, func(h string) { o = pr.runOnHost(t, h) })
		// The result is shared with every host of the batch.
		if t.Register != "" {
			for _, h := range hosts[1:] {
				pr.state(h).setFact(t.Register, o.result)
				pr.hv.invalidate(h)
			}
		}
		if o.failed {
			for _, h := range hosts {
				failed[h] = true
			}
		}
		return failed
	}
	results := make([]outcome, len(hosts))
	idx := make(map[string]int, len(hosts))
	for i, h := range hosts {
		idx[h] = i
	}
	pr.parallel(hosts, func(h string) { results[idx[h]] = pr.runOnHost(t, h) })
	for i, o := range results {
		if o.failed {
			failed[hosts[i]] = true
		}
	}
	return failed
}

func (pr *playRun) runOnce(t *playbook.Task) bool {
	if t.RunOnce == nil {
		return false
	}
	b, err := pr.Templates.Truth(fmt.Sprint(t.RunOnce), pr.Options.ExtraVars)
	return err == nil && b
}

// runOnHost runs t on h: loop expansion, conditions, the module, retries,
// changed_when/failed_when, register, notify, events and counters.
func (pr *playRun) runOnHost(t *playbook.Task, h string) outcome {
	start := time.Now()
	hs := pr.state(h)
	v, err := pr.taskVars(h, t, nil)
	if err != nil {
		return pr.finish(t, h, start, pr.failure(t, err), nil, nil)
	}
	if t.Loop == nil {
		ok, err := pr.conditionsHold(t, v)
		if err != nil {
			return pr.finish(t, h, start, pr.failure(t, err), nil, v)
		}
		if !ok {
			return pr.finish(t, h, start, skipped(t), nil, v)
		}
		o, diffs := pr.execute(t, h, v)
		return pr.finish(t, h, start, o, diffs, v)
	}
	items, err := pr.loopItems(t, h, v)
	if err != nil {
		return pr.finish(t, h, start, pr.failure(t, err), nil, v)
	}
	lc := t.LoopControl
	loopVar := lc.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	var results []any
	anyChanged, anyFailed, allSkipped := false, false, len(items) > 0
	for i, item := range items {
		if pr.ctx.Err() != nil {
			break
		}
		iv := loopVars(lc, loopVar, i, items)
		iv[loopVar] = item
		v2 := maps.Clone(v)
		maps.Copy(v2, iv)
		label := item
		if lc.Label != "" {
			if l, err := pr.Templates.Render(t.Pos.String(), lc.Label, v2); err == nil {
				label = l
			}
		}
		var o outcome
		var diffs []Diff
		ok, err := pr.conditionsHold(t, v2)
		switch {
		case err != nil:
			o = pr.failure(t, err)
		case !ok:
			o = skipped(t)
		default:
			o, diffs = pr.execute(t, h, v2)
		}
		v = pr.withItemFacts(v, o)
		stripInternal(o.result)
		o.result[loopVar] = item
		o.result["ansible_loop_var"] = loopVar
		if lc.IndexVar != "" {
			o.result[lc.IndexVar] = i
		}
		results = append(results, o.result)
		if o.status != StatusSkipped {
			allSkipped = false
		}
		if o.status == StatusChanged {
			anyChanged = true
		}
		if o.status == StatusFailed || o.status == StatusIgnored || o.status == StatusUnreachable {
			anyFailed = true
		}
		pr.emit(Event{Kind: HostResult, Play: pr.play, Task: t, Host: h, Status: o.status, Result: o.result,
			Item: item, Label: template.PyStr(label), IsItem: true, Diffs: diffs, NoLog: pr.noLog(t, v2)})
		if o.status == StatusChanged {
			pr.notifyFrom(t, h, v2)
		}
		if o.status == StatusUnreachable {
			break
		}
		if lc.Pause > 0 && i < len(items)-1 {
			select {
			case <-pr.ctx.Done():
			case <-time.After(time.Duration(lc.Pause * float64(time.Second))):
			}
		}
	}
	agg := map[string]any{"results": results, "changed": anyChanged, "msg": "All items completed"}
	st := StatusOK
	switch {
	case anyFailed:
		agg["failed"] = true
		agg["msg"] = "One or more items failed"
		st = StatusFailed
		if pr.ignoreErrors(t, v) {
			st = StatusIgnored
		}
	case allSkipped:
		agg["skipped"] = true
		agg["msg"] = "All items skipped"
		st = StatusSkipped
	case anyChanged:
		st = StatusChanged
	}
	if len(items) == 0 {
		agg["skipped"] = true
		agg["skipped_reason"] = "No items in the list"
		st = StatusSkipped
	}
	for _, r := range results {
		if m, ok := r.(map[string]any); ok && m["unreachable"] == true {
			st = StatusUnreachable
			agg["unreachable"] = true
		}
	}
	o := outcome{status: st, result: agg, failed: st == StatusFailed || st == StatusUnreachable}
	if st == StatusUnreachable && pr.ignoreUnreachable(t, v) {
		o.failed = false
	}
	pr.stats.count(h, st, anyChanged)
	pr.afterResult(t, h, hs, o)
	pr.emit(Event{Kind: HostResult, Play: pr.play, Task: t, Host: h, Status: st, Result: agg, Duration: time.Since(start), NoLog: pr.noLog(t, v)})
	return o
}

// plainStrings returns v with every value of a named string type (an
// !unsafe string, kept unrendered by the template engine) turned into a
// plain string, at any depth: modules read arguments as plain data.
func plainStrings(v any) any {
	switch x := v.(type) {
	case string, nil:
		return v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainStrings(e)
		}
		return out
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return rv.String()
	}
	return v
}

// withItemFacts returns the variables the next loop item sees: v with the
// facts this item set (set_fact, include_vars, setup), as Ansible updates
// a loop's variables after each item, so "x: '{{ x | default([]) +
// [item] }}'" accumulates. Extra variables keep their precedence.
func (pr *playRun) withItemFacts(v map[string]any, o outcome) map[string]any {
	f, ok := o.result["ansible_facts"].(map[string]any)
	if !ok || len(f) == 0 || o.status == StatusFailed {
		return v
	}
	v = maps.Clone(v)
	for k, x := range f {
		if _, extra := pr.Options.ExtraVars[k]; !extra {
			v[k] = x
		}
	}
	return v
}

// finish accounts a non-loop outcome: counters, register, notify, event.
func (pr *playRun) finish(t *playbook.Task, h string, start time.Time, o outcome, diffs []Diff, v map[string]any) outcome {
	verbosity, _ := o.result["_ansible_verbosity"].(int)
	delegated := stringOr(o.result["_ansible_delegated_to"])
	stripInternal(o.result)
	pr.stats.count(h, o.status, o.result["changed"] == true)
	pr.afterResult(t, h, pr.state(h), o)
	pr.emit(Event{Kind: HostResult, Play: pr.play, Task: t, Host: h, Status: o.status, Result: o.result,
		Diffs: diffs, Duration: time.Since(start), NoLog: pr.noLog(t, v), Verbosity: verbosity,
		Delegated: delegated})
	if o.status == StatusChanged {
		pr.notifyFrom(t, h, v)
	}
	return o
}

// stripInternal removes the _ansible_* keys modules use to talk to the
// runner; they are neither shown nor registered.
func stripInternal(m map[string]any) {
	for k := range m {
		if strings.HasPrefix(k, "_ansible_") {
			delete(m, k)
		}
	}
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

// afterResult registers the result and records failures and
// unreachability.
func (pr *playRun) afterResult(t *playbook.Task, h string, hs *hostState, o outcome) {
	if t.Register != "" {
		hs.setFact(t.Register, o.result)
		pr.hv.invalidate(h)
	}
	switch o.status {
	case StatusUnreachable:
		if o.failed {
			hs.mu.Lock()
			hs.unreachable = true
			hs.mu.Unlock()
		}
	case StatusFailed:
		hs.mu.Lock()
		hs.lastFailedTask = map[string]any{"name": t.Name, "action": t.Module}
		hs.lastFailedResult = o.result
		hs.mu.Unlock()
	}
}

func (pr *playRun) notifyFrom(t *playbook.Task, h string, v map[string]any) {
	if len(t.Notify) == 0 {
		return
	}
	names := make([]string, 0, len(t.Notify))
	for _, n := range t.Notify {
		if module.IsTemplate(n) && v != nil {
			if r, err := pr.Templates.Render(t.Pos.String(), n, v); err == nil {
				n = r
			}
		}
		names = append(names, n)
	}
	pr.notify(h, names)
}

func skipped(t *playbook.Task) outcome {
	res := map[string]any{"changed": false, "skipped": true, "skip_reason": "Conditional result was False"}
	if len(t.When) > 0 {
		res["false_condition"] = t.When[len(t.When)-1].Expr
	}
	return outcome{status: StatusSkipped, result: res}
}

// failure turns an error that happened around the module (templating,
// arguments, files) into a failed outcome naming the task's position.
func (pr *playRun) failure(t *playbook.Task, err error) outcome {
	msg := err.Error()
	if !strings.Contains(msg, t.Pos.File) {
		msg = fmt.Sprintf("%s: %s", t.Pos, msg)
	}
	o := outcome{status: StatusFailed, result: map[string]any{"failed": true, "changed": false, "msg": msg}, failed: true}
	if pr.ignoreErrors(t, nil) {
		o.status, o.failed = StatusIgnored, false
	}
	return o
}

// execute runs the module once (with retries/until) for one item.
func (pr *playRun) execute(t *playbook.Task, h string, v map[string]any) (outcome, []Diff) {
	m, ok := module.Lookup(t.Module)
	if !ok {
		return pr.failure(t, module.UnknownError(t.Module)), nil
	}
	spec := m.Spec()
	rawArgs, err := pr.Templates.Template(t.Args, v)
	if err != nil {
		return pr.failure(t, fmt.Errorf("arguments: %w", err)), nil
	}
	argMap, _ := plainStrings(rawArgs).(map[string]any)
	for k, a := range argMap {
		if a == vars.Omit {
			delete(argMap, k)
		}
	}
	args, err := spec.Validate(argMap, false)
	if err != nil {
		return pr.failure(t, err), nil
	}
	check := pr.Options.Check
	if t.CheckMode != nil {
		if b, err := pr.truth(t.CheckMode, v); err == nil {
			check = b
		}
	}
	diff := pr.Options.Diff
	if t.Diff != nil {
		if b, err := pr.truth(t.Diff, v); err == nil {
			diff = b
		}
	}
	if check && !spec.CheckMode {
		return outcome{status: StatusSkipped, result: map[string]any{"changed": false, "skipped": true,
			"msg": "skipped: the module does not support check mode"}}, nil
	}

	// Delegation: run on another host, with this host's task variables
	// and the delegate's connection variables.
	connHost, connVars := h, v
	delegated := ""
	if t.DelegateTo != "" {
		d, err := pr.renderString(t, t.DelegateTo, v)
		if err != nil {
			return pr.failure(t, fmt.Errorf("delegate_to: %w", err)), nil
		}
		if d != h {
			connHost, delegated = d, d
			connVars = maps.Clone(v)
			maps.Copy(connVars, pr.connectionVarsOf(d))
		}
	}

	connVars = withConnectionKeywords(t, connVars, delegated != "")

	ctx := pr.ctx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t.Timeout)*time.Second)
		defer cancel()
	}
	conn, err := pr.Connector.Connect(ctx, connHost, connVars)
	if err != nil {
		return pr.unreachable(t, connHost, err, v), nil
	}
	conn, err = pr.wrapConn(t, conn, connVars)
	if err != nil {
		return pr.failure(t, err), nil
	}
	target := &module.Target{
		Host:  h,
		Conn:  conn,
		Check: check,
		Diff:  diff,
		Vars:  v,
		Render: func(name, text string) (string, error) {
			return pr.Templates.Render(name, text, v)
		},
		Eval: func(expr string) (any, error) {
			return pr.Templates.Eval(expr, v)
		},
		FindFile: func(kind, name string) (string, error) { return pr.findFile(t, kind, name) },
		Connect: func(ctx context.Context, host string) (transport.Conn, error) {
			return pr.connectMember(ctx, t, host)
		},
		Log: pr.log.With("host", h, "task", t.DisplayName()),
	}

	retries, delay := 0, 5*time.Second
	if t.Until != nil {
		retries = 3
		if t.Retries != nil {
			n, err := pr.intValue(t.Retries, v)
			if err != nil {
				return pr.failure(t, fmt.Errorf("retries: %w", err)), nil
			}
			retries = n
		}
		if t.Delay != nil {
			n, err := pr.intValue(t.Delay, v)
			if err != nil {
				return pr.failure(t, fmt.Errorf("delay: %w", err)), nil
			}
			delay = time.Duration(n) * time.Second
		}
	}
	var res module.Result
	var runErr error
	var result map[string]any
	attempts := 0
	for {
		attempts++
		res, runErr = runModule(ctx, m, target, args)
		if runErr != nil && isUnreachable(runErr) {
			return pr.unreachable(t, connHost, runErr, v), nil
		}
		result = resultMap(res, runErr)
		if t.Until == nil {
			break
		}
		v2 := maps.Clone(v)
		if t.Register != "" {
			v2[t.Register] = result
		}
		ok, err := pr.Templates.Truth(t.Until.Expr, v2)
		if err != nil {
			return pr.failure(t, fmt.Errorf("%s: until: %w", t.Until.Pos, err)), nil
		}
		if ok {
			break
		}
		if attempts > retries {
			result["failed"] = true
			if result["msg"] == nil || result["msg"] == "" {
				result["msg"] = "Retries exhausted"
			}
			break
		}
		pr.warn(h, "%s: retrying (%d retries left)", t.DisplayName(), retries-attempts+1)
		select {
		case <-ctx.Done():
			return pr.failure(t, ctx.Err()), nil
		case <-time.After(delay):
		}
	}
	if t.Until != nil {
		result["attempts"] = attempts
	}
	if delegated != "" {
		result["_ansible_delegated_to"] = delegated
	}

	// Module facts: setup's, set_fact's and include_vars' go to their
	// precedence levels.
	if f, ok := res.Data["ansible_facts"].(map[string]any); ok && !result["failed"].(bool) {
		hs := pr.state(h)
		if delegated != "" && !pr.truthy(t.DelegateFacts, v) {
			// Facts gathered on a delegate belong to this host, as
			// Ansible does without delegate_facts.
		} else if delegated != "" {
			hs = pr.state(delegated)
		}
		switch baseName(t.Module) {
		case "set_fact":
			hs.mergeSetFacts(f)
			if res.Data["_ansible_facts_cacheable"] == true {
				hs.mergeFacts(f)
			}
		case "include_vars":
			hs.mergeIncludeVars(f)
		default:
			hs.mergeFacts(f)
		}
		pr.hv.invalidate(hs.name)
	}
	delete(result, "_ansible_facts_cacheable")

	// changed_when / failed_when see the result under the register name.
	if len(t.ChangedWhen) > 0 || len(t.FailedWhen) > 0 {
		v2 := maps.Clone(v)
		maps.Copy(v2, result)
		if t.Register != "" {
			v2[t.Register] = result
		}
		if len(t.ChangedWhen) > 0 {
			c, err := pr.allTrue(t.ChangedWhen, v2)
			if err != nil {
				return pr.failure(t, fmt.Errorf("changed_when: %w", err)), nil
			}
			result["changed"] = c
		}
		if len(t.FailedWhen) > 0 {
			f, err := pr.anyTrue(t.FailedWhen, v2)
			if err != nil {
				return pr.failure(t, fmt.Errorf("failed_when: %w", err)), nil
			}
			result["failed"] = f
			result["failed_when_result"] = f
		}
	}
	var diffs []Diff
	if diff {
		for _, d := range res.Diff {
			diffs = append(diffs, Diff(d))
		}
	}
	o := outcome{status: StatusOK, result: result}
	switch {
	case result["failed"] == true:
		o.status, o.failed = StatusFailed, true
		if pr.ignoreErrors(t, v) {
			o.status, o.failed = StatusIgnored, false
		}
	case result["skipped"] == true:
		o.status = StatusSkipped
	case result["changed"] == true:
		o.status = StatusChanged
	}
	return o, diffs
}

// withConnectionKeywords applies the connection, remote_user and port
// keywords where the host's variables do not set them: in Ansible the
// variables (ansible_connection, ansible_user, ansible_port) win over the
// keywords. A delegated task keeps the delegate's own settings.
func withConnectionKeywords(t *playbook.Task, v map[string]any, delegated bool) map[string]any {
	if delegated || (t.Connection == "" && t.RemoteUser == "" && t.Port == nil) {
		return v
	}
	out := maps.Clone(v)
	set := func(k string, val any) {
		if cur, ok := out[k]; !ok || cur == nil {
			out[k] = val
		}
	}
	if t.Connection != "" {
		set("ansible_connection", t.Connection)
	}
	if t.RemoteUser != "" {
		set("ansible_user", t.RemoteUser)
	}
	if t.Port != nil {
		set("ansible_port", t.Port)
	}
	return out
}

// runModule calls the module, turning a panic into a failure: one
// misbehaving module must not take the whole run down.
func runModule(ctx context.Context, m module.Module, t *module.Target, a module.Args) (res module.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("module %s crashed: %v", m.Spec().Name, p)
		}
	}()
	return m.Run(ctx, t, a)
}

func isUnreachable(err error) bool { return errors.Is(err, transport.ErrUnreachable) }

func (pr *playRun) unreachable(t *playbook.Task, host string, err error, v map[string]any) outcome {
	res := map[string]any{"unreachable": true, "changed": false, "msg": fmt.Sprintf("failed to connect to %s: %v", host, err)}
	o := outcome{status: StatusUnreachable, result: res, failed: true}
	if pr.ignoreUnreachable(t, v) {
		o.failed = false
	}
	return o
}

// resultMap builds the registered form of a module result.
func resultMap(res module.Result, err error) map[string]any {
	out := make(map[string]any, len(res.Data)+4)
	maps.Copy(out, res.Data)
	out["changed"] = res.Changed
	out["failed"] = res.Failed
	if res.Msg != "" {
		out["msg"] = res.Msg
	}
	if res.Skipped {
		out["skipped"] = true
	}
	if err != nil {
		out["failed"] = true
		out["msg"] = err.Error()
	}
	if len(res.Diff) > 0 {
		var ds []any
		for _, d := range res.Diff {
			ds = append(ds, map[string]any{"before": d.Before, "after": d.After,
				"before_header": d.BeforeHeader, "after_header": d.AfterHeader})
		}
		out["diff"] = ds
	}
	return out
}

func baseName(module string) string {
	if i := strings.LastIndexByte(module, '.'); i >= 0 {
		return module[i+1:]
	}
	return module
}

// taskVars builds the variables a task sees on a host, in precedence
// order (see pkg/vars).
func (pr *playRun) taskVars(h string, t *playbook.Task, extra map[string]any) (map[string]any, error) {
	var s vars.Scope
	for _, d := range pr.publicDefaults {
		s.Add(vars.RoleDefaults, d)
	}
	roleChain := rolesOf(t)
	for _, r := range roleChain {
		s.Add(vars.RoleDefaults, r.Defaults)
	}
	s.Add(vars.Inventory, pr.inventoryVars(h))
	hs := pr.state(h)
	fv, iv, sf := hs.snapshot()
	s.Add(vars.Facts, fv)
	s.Add(vars.PlayVars, pr.play.Vars)
	if len(pr.play.VarsFiles) > 0 {
		base := s.Merge()
		base["inventory_hostname"] = h
		maps.Copy(base, pr.Options.ExtraVars)
		vf, err := pr.loadVarsFiles(h, base)
		if err != nil {
			return nil, err
		}
		s.Add(vars.PlayVarsFiles, vf)
	}
	for _, v := range pr.publicVars {
		s.Add(vars.RoleVars, v)
	}
	for _, r := range roleChain {
		s.Add(vars.RoleVars, r.Vars)
	}
	var blocks []*playbook.Task
	for p := t.Parent; p != nil; p = p.Parent {
		blocks = append(blocks, p)
	}
	for i := len(blocks) - 1; i >= 0; i-- {
		s.Add(vars.BlockVars, blocks[i].Vars)
	}
	if t.Include == nil || t.Include.Kind != "include_role" {
		s.Add(vars.TaskVars, t.Vars)
	}
	s.Add(vars.IncludeVars, iv)
	s.Add(vars.SetFacts, sf)
	for _, r := range roleChain {
		s.Add(vars.RoleParams, r.Params)
	}
	s.Add(vars.ExtraVars, pr.Options.ExtraVars)
	s.Add(vars.Magic, pr.magicVars(h, t))
	s.Add(vars.Magic, extra)
	return s.Merge(), nil
}

// rolesOf returns the role of t with its parents, outermost first.
func rolesOf(t *playbook.Task) []*playbook.Role {
	if t.Role == nil {
		return nil
	}
	return []*playbook.Role{t.Role}
}

func (pr *playRun) magicVars(h string, t *playbook.Task) map[string]any {
	active := pr.playHostsVar()
	short, _, _ := strings.Cut(h, ".")
	m := map[string]any{
		"inventory_hostname":       h,
		"inventory_hostname_short": short,
		"group_names":              stringsToAny(pr.Inventory.GroupNames(h)),
		"groups":                   pr.groupsVar(),
		"hostvars":                 pr.hostvars(),
		"play_hosts":               active,
		"ansible_play_hosts":       active,
		"ansible_play_batch":       active,
		"ansible_play_hosts_all":   stringsToAny(pr.all),
		"ansible_play_name":        pr.play.Name,
		"playbook_dir":             pr.playbookDir(),
		"ansible_check_mode":       pr.Options.Check,
		"ansible_diff_mode":        pr.Options.Diff,
		"ansible_verbosity":        pr.Options.Verbosity,
		"ansible_run_tags":         stringsToAny(orAll(pr.Options.Tags)),
		"ansible_skip_tags":        stringsToAny(pr.Options.SkipTags),
		"ansible_version":          map[string]any{"full": "2.16.0", "major": 2, "minor": 16, "revision": 0, "string": "2.16.0 (hactl)"},
		"hactl_version":            "dev",
		"omit":                     vars.Omit,
	}
	if t != nil && t.Role != nil {
		m["role_name"] = t.Role.Name
		m["role_path"] = t.Role.Dir
		m["ansible_role_name"] = t.Role.Name
	}
	hs := pr.state(h)
	hs.mu.Lock()
	if hs.lastFailedTask != nil {
		m["ansible_failed_task"] = hs.lastFailedTask
		m["ansible_failed_result"] = hs.lastFailedResult
	}
	hs.mu.Unlock()
	return m
}

// playbookDir is the absolute directory of the play's playbook, as
// Ansible's playbook_dir.
func (pr *playRun) playbookDir() string {
	if d, err := filepath.Abs(pr.play.Dir); err == nil {
		return d
	}
	return pr.play.Dir
}

func orAll(tags []string) []string {
	if len(tags) == 0 {
		return []string{"all"}
	}
	return tags
}

// groupsVar returns the `groups` variable, converted once per play.
func (pr *playRun) groupsVar() map[string]any {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.groups == nil {
		pr.groups = groupsAny(pr.Inventory.GroupsMap())
	}
	return pr.groups
}

// playHostsVar returns ansible_play_hosts as of the start of the current
// task (refreshed by runTask), computing it when no task set it yet.
func (pr *playRun) playHostsVar() []any {
	if p := pr.playHosts.Load(); p != nil {
		return *p
	}
	return stringsToAny(pr.active(pr.batch))
}

func groupsAny(g map[string][]string) map[string]any {
	out := make(map[string]any, len(g))
	for k, v := range g {
		out[k] = stringsToAny(v)
	}
	return out
}

// connectionVarsOf returns the connection variables (ansible_host, port,
// user, connection, key, ssh args) of a delegate host.
func (pr *playRun) connectionVarsOf(h string) map[string]any {
	iv := pr.inventoryVars(h)
	out := map[string]any{"inventory_hostname": h}
	for k, v := range iv {
		if strings.HasPrefix(k, "ansible_") {
			out[k] = v
		}
	}
	for _, k := range []string{"ansible_host", "ansible_port", "ansible_user", "ansible_connection"} {
		if _, ok := iv[k]; !ok {
			out[k] = nil
		}
	}
	if _, ok := iv["ansible_host"]; !ok {
		out["ansible_host"] = h
	}
	if h == "localhost" || h == "127.0.0.1" {
		if _, ok := iv["ansible_connection"]; !ok {
			out["ansible_connection"] = "local"
		}
	}
	return out
}

// conditionsHold evaluates the task's when conditions (all must hold).
func (pr *playRun) conditionsHold(t *playbook.Task, v map[string]any) (bool, error) {
	for _, c := range t.When {
		ok, err := pr.Templates.Truth(c.Expr, v)
		if err != nil {
			return false, fmt.Errorf("%s: error while evaluating conditional (%s): %w", c.Pos, c.Expr, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func (pr *playRun) allTrue(cs []playbook.Cond, v map[string]any) (bool, error) {
	for _, c := range cs {
		ok, err := pr.Templates.Truth(c.Expr, v)
		if err != nil {
			return false, fmt.Errorf("%s: %s: %w", c.Pos, c.Expr, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// anyTrue: failed_when given as a list means all conditions (AND), as
// Ansible; kept as its own name for the call sites' readability.
func (pr *playRun) anyTrue(cs []playbook.Cond, v map[string]any) (bool, error) {
	return pr.allTrue(cs, v)
}

func (pr *playRun) truth(x any, v map[string]any) (bool, error) {
	switch b := x.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return pr.Templates.Truth(fmt.Sprint(x), v)
}

func (pr *playRun) truthy(x any, v map[string]any) bool {
	b, err := pr.truth(x, v)
	return err == nil && b
}

func (pr *playRun) ignoreErrors(t *playbook.Task, v map[string]any) bool {
	if t.IgnoreErrors == nil {
		return false
	}
	if v == nil {
		v = pr.Options.ExtraVars
	}
	return pr.truthy(t.IgnoreErrors, v)
}

func (pr *playRun) ignoreUnreachable(t *playbook.Task, v map[string]any) bool {
	return t.IgnoreUnreachable != nil && pr.truthy(t.IgnoreUnreachable, v)
}

func (pr *playRun) noLog(t *playbook.Task, v map[string]any) bool {
	return t.NoLog != nil && pr.truthy(t.NoLog, v)
}

func (pr *playRun) intValue(x any, v map[string]any) (int, error) {
	switch n := x.(type) {
	case int:
		return n, nil
	case float64:
		return int(n), nil
	}
	out, err := pr.Templates.Template(x, v)
	if err != nil {
		return 0, err
	}
	switch n := out.(type) {
	case int:
		return n, nil
	case float64:
		return int(n), nil
	case string:
		var i int
		if _, err := fmt.Sscan(n, &i); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%v is not an integer", out)
}

func (pr *playRun) renderString(t *playbook.Task, s string, v map[string]any) (string, error) {
	if !module.IsTemplate(s) {
		return s, nil
	}
	return pr.Templates.Render(t.Pos.String(), s, v)
}

// findFile resolves a controller-side file the way Ansible searches: the
// role's <kind>/ and the role dir, then the task file's directory (its
// <kind>/ first), then the play's <kind>/ and the play dir. A role
// embedded in the binary is searched in its file system: a task file is
// returned under its embedded name (for LoadTasks), any other file as a
// local copy (see roleFiles) that modules read like any controller file.
func (pr *playRun) findFile(t *playbook.Task, kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		return name, nil
	}
	type cand struct {
		fsys fs.FS // nil: the OS file system
		dir  string
	}
	var dirs []cand
	var roleFS fs.FS
	if r := t.Role; r != nil {
		roleFS = r.FS
		if r.FS != nil {
			dirs = append(dirs, cand{r.FS, path.Join(r.Dir, kind)}, cand{r.FS, r.Dir})
		} else {
			dirs = append(dirs, cand{nil, filepath.Join(r.Dir, kind)}, cand{nil, r.Dir})
		}
	}
	if t.Pos.File != "" {
		if p, ok := playbook.EmbeddedPath(t.Pos.File); ok {
			if roleFS != nil {
				d := path.Dir(p)
				dirs = append(dirs, cand{roleFS, path.Join(d, kind)}, cand{roleFS, d})
			}
		} else {
			d := filepath.Dir(t.Pos.File)
			dirs = append(dirs, cand{nil, filepath.Join(d, kind)}, cand{nil, d})
		}
	}
	dirs = append(dirs, cand{nil, filepath.Join(pr.play.Dir, kind)}, cand{nil, pr.play.Dir})
	var tried []string
	for _, d := range dirs {
		if d.fsys == nil {
			p := filepath.Join(d.dir, name)
			tried = append(tried, p)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			continue
		}
		p := path.Join(d.dir, filepath.ToSlash(name))
		tried = append(tried, playbook.EmbeddedName(p))
		if !fs.ValidPath(p) {
			continue
		}
		if _, err := fs.Stat(d.fsys, p); err != nil {
			continue
		}
		switch kind {
		case "tasks":
			return playbook.EmbeddedName(p), nil
		case "templates":
			// A template may include or import its siblings, which the
			// engine reads beside the file: copy the whole directory.
			dir, err := pr.roleFiles.local(d.fsys, d.dir)
			if err != nil {
				return "", err
			}
			return filepath.Join(dir, filepath.FromSlash(name)), nil
		}
		return pr.roleFiles.local(d.fsys, p)
	}
	return "", fmt.Errorf("could not find %q in %s", name, strings.Join(tried, ", "))
}
