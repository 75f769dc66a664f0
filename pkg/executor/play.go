package executor

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/vars"
	"github.com/hactl/hactl/pkg/yamlx"
)

// playRun is the state of one play.
type playRun struct {
	*run
	play *playbook.Play
	// all are the play's hosts after --limit; batch is the current serial
	// batch.
	all   []string
	batch []string
	mu    sync.Mutex
	// notified maps a host to the handlers it notified, pending a flush.
	notified map[string]map[*playbook.Task]bool
	// failed are the hosts that failed in this play (and not rescued).
	failed map[string]bool
	// ended hosts stopped by meta: end_host.
	ended map[string]bool
	// endPlay is set by meta: end_play, any_errors_fatal or
	// max_fail_percentage.
	endPlay bool
	// invVars caches inventory variables per host for the play.
	invVars map[string]map[string]any
	// varsFiles caches the loaded vars_files per host.
	varsFiles map[string]map[string]any
	// roleDefaults and roleVars of the play's public roles, in order.
	publicDefaults, publicVars []map[string]any
	// extraHandlers come from roles included at run time.
	extraHandlers []*playbook.Task
	// groups caches the `groups` variable; playHosts the active hosts at
	// the start of the current task.
	groups    map[string]any
	playHosts atomic.Pointer[[]any]
}

func (rn *run) runPlay(play *playbook.Play) error {
	pr := &playRun{
		run:       rn,
		play:      play,
		notified:  map[string]map[*playbook.Task]bool{},
		failed:    map[string]bool{},
		ended:     map[string]bool{},
		invVars:   map[string]map[string]any{},
		varsFiles: map[string]map[string]any{},
	}
	rn.emit(Event{Kind: PlayStart, Play: play})
	// The host pattern may hold templates rendered with play vars and
	// extra vars only (no host is known yet).
	pattern := play.Hosts
	if strings.Contains(pattern, "{{") {
		pv := map[string]any{}
		for k, v := range play.Vars {
			pv[k] = v
		}
		for k, v := range rn.Options.ExtraVars {
			pv[k] = v
		}
		pv["groups"] = rn.Inventory.GroupsMap()
		out, err := rn.Templates.Render(play.Pos.String(), pattern, pv)
		if err != nil {
			return fmt.Errorf("%s: hosts pattern: %w", play.Pos, err)
		}
		pattern = out
	}
	hosts, err := rn.Inventory.Select(pattern)
	if err != nil {
		return fmt.Errorf("%s: hosts pattern %q: %w", play.Pos, pattern, err)
	}
	if rn.Options.Limit != "" {
		lim, err := rn.Inventory.Select(rn.Options.Limit)
		if err != nil {
			return fmt.Errorf("--limit %q: %w", rn.Options.Limit, err)
		}
		hosts = intersect(hosts, lim)
	}
	// Hosts that failed or were unreachable in an earlier play take no part.
	for _, h := range hosts {
		if !rn.state(h).out() {
			pr.all = append(pr.all, h)
		}
	}
	switch play.Order {
	case "reverse_inventory":
		slices.Reverse(pr.all)
	case "sorted":
		slices.Sort(pr.all)
	case "reverse_sorted":
		slices.Sort(pr.all)
		slices.Reverse(pr.all)
	}
	if len(pr.all) == 0 {
		rn.warn("", "no hosts matched the pattern %q of play %q; skipping it", pattern, play.Name)
		return nil
	}
	for _, h := range pr.all {
		rn.stats.touch(h)
	}
	for _, r := range play.Roles {
		collectRoleScopes(r, &pr.publicDefaults, &pr.publicVars)
	}
	rn.hv.invalidateAll()

	batches, err := pr.batches()
	if err != nil {
		return err
	}
	for _, batch := range batches {
		if rn.ctx.Err() != nil || pr.endPlay {
			break
		}
		pr.batch = batch
		pr.runBatch()
		// A batch in which every host failed stops the play, as Ansible.
		if n := pr.countFailed(batch); n == len(batch) {
			if len(batches) > 1 {
				rn.emit(Event{Kind: NoHostsLeft, Play: play})
				break
			}
		}
	}
	// Failed hosts take no part in later plays.
	for h := range pr.failed {
		hs := rn.state(h)
		hs.mu.Lock()
		hs.failed = true
		hs.mu.Unlock()
	}
	return nil
}

// collectRoleScopes appends the defaults and vars of r and its
// dependencies (dependencies first).
func collectRoleScopes(r *playbook.Role, defaults, vs *[]map[string]any) {
	for _, d := range r.Deps {
		collectRoleScopes(d, defaults, vs)
	}
	if r.Defaults != nil {
		*defaults = append(*defaults, r.Defaults)
	}
	if r.Vars != nil {
		*vs = append(*vs, r.Vars)
	}
}

func (pr *playRun) countFailed(hosts []string) int {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	n := 0
	for _, h := range hosts {
		if pr.failed[h] || pr.state(h).out() {
			n++
		}
	}
	return n
}

// batches splits the play's hosts by serial: each entry an int or "N%";
// the last size repeats.
func (pr *playRun) batches() ([][]string, error) {
	hosts := pr.all
	if len(pr.play.Serial) == 0 {
		return [][]string{hosts}, nil
	}
	var sizes []int
	for _, s := range pr.play.Serial {
		v := s
		if str, ok := s.(string); ok && strings.Contains(str, "{{") {
			out, err := pr.Templates.Render(pr.play.Pos.String(), str, pr.Options.ExtraVars)
			if err != nil {
				return nil, fmt.Errorf("%s: serial: %w", pr.play.Pos, err)
			}
			v = out
		}
		n, err := batchSize(v, len(hosts))
		if err != nil {
			return nil, fmt.Errorf("%s: serial: %w", pr.play.Pos, err)
		}
		sizes = append(sizes, n)
	}
	var out [][]string
	for i := 0; len(hosts) > 0; i++ {
		n := sizes[min(i, len(sizes)-1)]
		n = min(max(n, 1), len(hosts))
		out = append(out, hosts[:n])
		hosts = hosts[n:]
	}
	return out, nil
}

func batchSize(v any, total int) (int, error) {
	switch x := v.(type) {
	case int:
		if x <= 0 {
			return total, nil
		}
		return x, nil
	case float64:
		return int(x), nil
	case string:
		x = strings.TrimSpace(x)
		if p, ok := strings.CutSuffix(x, "%"); ok {
			f, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return 0, fmt.Errorf("bad percentage %q", x)
			}
			return max(1, int(math.Floor(float64(total)*f/100))), nil
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("bad batch size %q", x)
		}
		if n <= 0 {
			return total, nil
		}
		return n, nil
	}
	return 0, fmt.Errorf("bad batch size %v", v)
}

// runBatch runs the play's sections on the current batch.
func (pr *playRun) runBatch() {
	play := pr.play
	if pr.gatherFacts() {
		t := &playbook.Task{
			Pos: play.Pos, Name: "Gathering Facts", Module: "setup", Args: map[string]any{},
			Options: play.Options, Play: play,
		}
		// The play's own when (from import_playbook) applies to fact
		// gathering too.
		t.Tags = append(slices.Clone(play.Tags), "always")
		pr.emit(Event{Kind: TaskStart, Play: play, Task: t})
		pr.recordFailures(pr.runTask(t, pr.active(pr.batch)))
	}
	sections := [][]*playbook.Task{play.PreTasks, nil, play.PostTasks}
	for i, tasks := range sections {
		if pr.stopped() {
			break
		}
		if i == 1 {
			for _, r := range play.Roles {
				pr.recordFailures(pr.runTasks(roleTaskList(r), pr.active(pr.batch)))
			}
			pr.recordFailures(pr.runTasks(play.Tasks, pr.active(pr.batch)))
		} else {
			pr.recordFailures(pr.runTasks(tasks, pr.active(pr.batch)))
		}
		pr.flushHandlers(pr.batch)
	}
}

// roleTaskList returns the tasks of r preceded by its dependencies'.
func roleTaskList(r *playbook.Role) []*playbook.Task {
	var out []*playbook.Task
	for _, d := range r.Deps {
		out = append(out, roleTaskList(d)...)
	}
	return append(out, r.Tasks...)
}

func (pr *playRun) gatherFacts() bool {
	g := pr.play.GatherFacts
	if g == nil {
		return true
	}
	if b, ok := g.(bool); ok {
		return b
	}
	if s, ok := g.(string); ok {
		b, err := pr.Templates.Truth(s, pr.Options.ExtraVars)
		if err == nil {
			return b
		}
		pr.warn("", "%s: gather_facts: %v", pr.play.Pos, err)
	}
	return true
}

func (pr *playRun) stopped() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.endPlay || pr.ctx.Err() != nil
}

// active filters hosts still taking part in the play.
func (pr *playRun) active(hosts []string) []string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []string
	for _, h := range hosts {
		if pr.failed[h] || pr.ended[h] || pr.state(h).out() {
			continue
		}
		out = append(out, h)
	}
	return out
}

// recordFailures marks hosts failed for the rest of the play and applies
// max_fail_percentage.
func (pr *playRun) recordFailures(failed map[string]bool) {
	if len(failed) == 0 {
		return
	}
	pr.mu.Lock()
	for h := range failed {
		pr.failed[h] = true
	}
	pr.mu.Unlock()
	pr.checkMaxFail()
}

func (pr *playRun) checkMaxFail() {
	mfp := pr.play.MaxFailPercentage
	if mfp == nil {
		return
	}
	n := pr.countFailed(pr.batch)
	if float64(n)*100/float64(len(pr.batch)) > *mfp {
		pr.mu.Lock()
		pr.endPlay = true
		pr.mu.Unlock()
		pr.stop.Store(true)
		pr.emit(Event{Kind: NoHostsLeft, Play: pr.play, Msg: fmt.Sprintf("max_fail_percentage %g%% exceeded (%d of %d hosts failed)", *mfp, n, len(pr.batch))})
	}
}

// vars_files: each entry a path or a list of alternatives, templated per
// host, relative to the playbook's directory.
func (pr *playRun) loadVarsFiles(h string, base map[string]any) (map[string]any, error) {
	pr.mu.Lock()
	if m, ok := pr.varsFiles[h]; ok {
		pr.mu.Unlock()
		return m, nil
	}
	pr.mu.Unlock()
	out := map[string]any{}
	for _, entry := range pr.play.VarsFiles {
		var alts []string
		switch e := entry.(type) {
		case string:
			alts = []string{e}
		case []any:
			for _, a := range e {
				alts = append(alts, fmt.Sprint(a))
			}
		}
		var loaded bool
		var tried []string
		for _, a := range alts {
			p, err := pr.Templates.Render(pr.play.Pos.String(), a, base)
			if err != nil {
				return nil, fmt.Errorf("%s: vars_files %q: %w", pr.play.Pos, a, err)
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(pr.play.Dir, p)
			}
			tried = append(tried, p)
			data, err := os.ReadFile(p)
			if err != nil {
				if os.IsNotExist(err) && len(alts) > 1 {
					continue
				}
				return nil, fmt.Errorf("%s: vars_files: %w", pr.play.Pos, err)
			}
			v, err := yamlx.Unmarshal(data, p)
			if err != nil {
				return nil, fmt.Errorf("vars_files: %w", err)
			}
			m, ok := v.(map[string]any)
			if !ok && v != nil {
				return nil, fmt.Errorf("%s: vars file must hold a mapping", p)
			}
			for k, val := range m {
				out[k] = val
			}
			loaded = true
			break
		}
		if !loaded {
			return nil, fmt.Errorf("%s: vars_files: none of %s found", pr.play.Pos, strings.Join(tried, ", "))
		}
	}
	pr.mu.Lock()
	pr.varsFiles[h] = out
	pr.mu.Unlock()
	return out, nil
}

func (pr *playRun) inventoryVars(h string) map[string]any {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if m, ok := pr.invVars[h]; ok {
		return m
	}
	m := pr.Inventory.HostVars(h)
	pr.invVars[h] = m
	return m
}

// hostvars returns the `hostvars` snapshot.
func (pr *playRun) hostvars() map[string]any {
	return pr.hv.get(func() []string {
		hs, _ := pr.Inventory.Select("all")
		for _, h := range pr.all {
			if !slices.Contains(hs, h) {
				hs = append(hs, h)
			}
		}
		return hs
	}, func(h string) map[string]any {
		return pr.hostLevelVars(h)
	})
}

// hostLevelVars are a host's variables outside any task: what another
// host sees through hostvars.
func (pr *playRun) hostLevelVars(h string) map[string]any {
	var s vars.Scope
	for _, d := range pr.publicDefaults {
		s.Add(vars.RoleDefaults, d)
	}
	s.Add(vars.Inventory, pr.inventoryVars(h))
	fv, iv, sf := pr.state(h).snapshot()
	s.Add(vars.Facts, fv)
	s.Add(vars.PlayVars, pr.play.Vars)
	for _, v := range pr.publicVars {
		s.Add(vars.RoleVars, v)
	}
	s.Add(vars.IncludeVars, iv)
	s.Add(vars.SetFacts, sf)
	s.Add(vars.ExtraVars, pr.Options.ExtraVars)
	m := s.Merge()
	m["inventory_hostname"] = h
	m["inventory_hostname_short"], _, _ = strings.Cut(h, ".")
	m["group_names"] = stringsToAny(pr.Inventory.GroupNames(h))
	return m
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func intersect(a, b []string) []string {
	set := make(map[string]bool, len(b))
	for _, x := range b {
		set[x] = true
	}
	var out []string
	for _, x := range a {
		if set[x] {
			out = append(out, x)
		}
	}
	return out
}
