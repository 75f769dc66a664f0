package playbook

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// play loads one play. Problems are recorded; the play is returned when
// it could be built at all.
func (st *loadState) play(loc location, r *yaml.Node, imp playImport) *Play {
	file := loc.String()
	ps, err := pairs(file, r)
	if err != nil {
		st.errs.add(err)
		return nil
	}
	p := &Play{Pos: nodePos(file, r), Dir: loc.dir().path}
	st.applied = map[string]bool{}
	st.roleHandlers = nil
	sections := map[string]pair{}
	hasHosts := false
	for _, kv := range ps {
		if !isPlayKeyword(kv.key) {
			st.errs.add(unknownKeyword(nodePos(file, kv.knode), kv.key, "a play", playKeywordNames()))
			continue
		}
		handled, err := optionKeyword(file, kv, &p.Options)
		if handled {
			st.errs.add(err)
			continue
		}
		switch kv.key {
		case "hosts":
			hasHosts = true
			p.Hosts, err = hosts(file, kv.val)
		case "name":
			p.Name, err = str(file, kv.key, kv.val)
		case "vars":
			p.Vars, err = varsMap(file, kv.key, kv.val)
		case "vars_files":
			p.VarsFiles, err = varsFiles(file, kv.val)
		case "vars_prompt":
			err = errorf(nodePos(file, kv.knode), "vars_prompt is not supported by hactl: pass the values with -e or a vars file")
		case "gather_facts":
			p.GatherFacts, err = boolish(file, kv.key, kv.val)
		case "gather_subset":
			p.GatherSubset, err = strList(file, kv.key, kv.val, true)
		case "gather_timeout":
			p.GatherTimeout, err = intOrTemplate(file, kv.key, kv.val)
		case "fact_path":
			err = errorf(nodePos(file, kv.knode), "fact_path is not supported by hactl")
		case "serial":
			p.Serial, err = serial(file, kv.val)
		case "max_fail_percentage":
			p.MaxFailPercentage, err = percentage(file, kv.val)
		case "strategy":
			p.Strategy, err = str(file, kv.key, kv.val)
		case "order":
			p.Order, err = order(file, kv.val)
		case "force_handlers":
			var b any
			b, err = boolish(file, kv.key, kv.val)
			if v, ok := b.(bool); ok {
				p.ForceHandlers = v
			} else if b != nil {
				err = errorf(nodePos(file, kv.val), "force_handlers must be a literal boolean")
			}
		case "roles", "pre_tasks", "tasks", "post_tasks", "handlers":
			sections[kv.key] = kv
		default:
			err = unknownKeyword(nodePos(file, kv.knode), kv.key, "a play", playKeywordNames())
		}
		st.errs.add(err)
	}
	if !hasHosts {
		st.errs.add(errorf(p.Pos, "the play has no hosts: keyword (every play needs one)"))
	}
	// Keywords of import_playbook entries wrap the play.
	p.Vars = mergeVars(p.Vars, imp.vars)
	p.Tags = unionTags(imp.tags, p.Tags)
	p.When = concat(imp.when, p.When)

	sc := scope{file: loc, play: p, opts: p.Options}
	if s, ok := sections["roles"]; ok {
		p.Roles = st.rolesSection(sc, s.val)
	}
	var roleHandlers []*Task
	for _, r := range p.Roles {
		roleHandlers = append(roleHandlers, allHandlers(r)...)
	}
	if s, ok := sections["pre_tasks"]; ok {
		p.PreTasks = st.tasks(sc, s.val, "pre_tasks")
	}
	if s, ok := sections["tasks"]; ok {
		p.Tasks = st.tasks(sc, s.val, "tasks")
	}
	if s, ok := sections["post_tasks"]; ok {
		p.PostTasks = st.tasks(sc, s.val, "post_tasks")
	}
	var own []*Task
	if s, ok := sections["handlers"]; ok {
		hs := sc
		hs.handler = true
		own = st.tasks(hs, s.val, "handlers")
	}
	p.Handlers = concat(concat(roleHandlers, st.roleHandlers), own)
	for _, err := range st.checkNotify(p) {
		st.errs.add(err)
	}
	return p
}

// hosts reads the hosts: pattern; a list is joined with ",".
func hosts(file string, n *yaml.Node) (string, error) {
	list, err := strList(file, "hosts", n, false)
	if err != nil {
		return "", err
	}
	h := strings.Join(list, ",")
	if strings.TrimSpace(h) == "" {
		return "", errorf(nodePos(file, n), "hosts is empty")
	}
	return h, nil
}

// varsFiles reads vars_files: entries are paths or lists of alternative
// paths.
func varsFiles(file string, n *yaml.Node) ([]any, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind == yaml.ScalarNode {
		return []any{r.Value}, nil
	}
	if r.Kind != yaml.SequenceNode {
		return nil, errorf(nodePos(file, n), "vars_files must be a list, got %s", kindName(n))
	}
	out := make([]any, 0, len(r.Content))
	for _, c := range r.Content {
		rc := resolve(c)
		if rc != nil && rc.Kind == yaml.SequenceNode {
			alts, err := strList(file, "vars_files", rc, false)
			if err != nil {
				return nil, err
			}
			l := make([]any, len(alts))
			for i, a := range alts {
				l[i] = a
			}
			out = append(out, l)
			continue
		}
		s, ok := scalarString(c)
		if !ok {
			return nil, errorf(nodePos(file, c), "vars_files entries must be paths or lists of paths, got %s", kindName(c))
		}
		out = append(out, s)
	}
	return out, nil
}

// serial reads serial: a number, "N%", a template, or a list of them.
func serial(file string, n *yaml.Node) ([]any, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	items := []*yaml.Node{r}
	if r.Kind == yaml.SequenceNode {
		items = r.Content
	}
	out := make([]any, 0, len(items))
	for _, c := range items {
		v, err := decode(file, c)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case int:
			if x < 0 {
				return nil, errorf(nodePos(file, c), "serial must not be negative")
			}
			out = append(out, x)
			continue
		case string:
			s := strings.TrimSpace(x)
			if isTemplate(s) {
				out = append(out, s)
				continue
			}
			if num, ok := strings.CutSuffix(s, "%"); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(num), 64); err == nil && f >= 0 {
					out = append(out, s)
					continue
				}
			} else if i, err := strconv.Atoi(s); err == nil && i >= 0 {
				out = append(out, i)
				continue
			}
		}
		return nil, errorf(nodePos(file, c), "serial must be a number, a percentage (\"30%%\") or a list of them, got %s", kindName(c))
	}
	return out, nil
}

// percentage reads max_fail_percentage.
func percentage(file string, n *yaml.Node) (*float64, error) {
	v, err := decode(file, n)
	if err != nil {
		return nil, err
	}
	var f float64
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int:
		f = float64(x)
	case float64:
		f = x
	case string:
		f, err = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(x), "%"), 64)
		if err != nil {
			return nil, errorf(nodePos(file, n), "max_fail_percentage must be a number, got %s", kindName(n))
		}
	default:
		return nil, errorf(nodePos(file, n), "max_fail_percentage must be a number, got %s", kindName(n))
	}
	if f < 0 || f > 100 || f != f {
		return nil, errorf(nodePos(file, n), "max_fail_percentage must be between 0 and 100")
	}
	return &f, nil
}

// order reads the play's host order.
func order(file string, n *yaml.Node) (string, error) {
	s, err := str(file, "order", n)
	if err != nil {
		return "", err
	}
	switch s {
	case "", "inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle":
		return s, nil
	}
	return "", errorf(nodePos(file, n), "order must be one of inventory, reverse_inventory, sorted, reverse_sorted, shuffle; got %q", s)
}
