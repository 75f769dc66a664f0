package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/playbook"
)

// loopItems evaluates the task's loop source and forms the items the way
// the loop keyword (loop, with_items, with_dict, …) does.
func (pr *playRun) loopItems(t *playbook.Task, h string, v map[string]any) ([]any, error) {
	src, err := pr.Templates.Template(t.Loop, v)
	if err != nil {
		return nil, fmt.Errorf("%s: loop: %w", t.Pos, err)
	}
	kind := t.LoopKind
	switch kind {
	case "", "loop", "with_list":
		l, ok := asList(src)
		if !ok {
			return nil, fmt.Errorf("%s: invalid data passed to 'loop', it requires a list, got %T instead", t.Pos, src)
		}
		return l, nil
	case "with_items":
		l, ok := asList(src)
		if !ok {
			l = []any{src}
		}
		var out []any
		for _, x := range l {
			if sub, ok := x.([]any); ok {
				out = append(out, sub...)
			} else {
				out = append(out, x)
			}
		}
		return out, nil
	case "with_dict":
		m, ok := src.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: with_dict expects a dict, got %T", t.Pos, src)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = map[string]any{"key": k, "value": m[k]}
		}
		return out, nil
	case "with_indexed_items":
		l, _ := asList(src)
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = []any{i, x}
		}
		return out, nil
	case "with_together":
		lists, err := listOfLists(src)
		if err != nil {
			return nil, fmt.Errorf("%s: with_together: %w", t.Pos, err)
		}
		n := 0
		for _, l := range lists {
			n = max(n, len(l))
		}
		out := make([]any, n)
		for i := range n {
			row := make([]any, len(lists))
			for j, l := range lists {
				if i < len(l) {
					row[j] = l[i]
				}
			}
			out[i] = row
		}
		return out, nil
	case "with_nested", "with_cartesian":
		lists, err := listOfLists(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", t.Pos, kind, err)
		}
		out := []any{[]any{}}
		for _, l := range lists {
			var next []any
			for _, prefix := range out {
				for _, x := range l {
					next = append(next, append(slices.Clone(prefix.([]any)), x))
				}
			}
			out = next
		}
		return out, nil
	case "with_sequence":
		return sequence(fmt.Sprint(src))
	case "with_subelements":
		l, ok := asList(src)
		if !ok || len(l) < 2 {
			return nil, fmt.Errorf("%s: with_subelements expects [list, key]", t.Pos)
		}
		outer, _ := asList(l[0])
		key := fmt.Sprint(l[1])
		skipMissing := false
		if len(l) > 2 {
			if m, ok := l[2].(map[string]any); ok {
				skipMissing = m["skip_missing"] == true
			}
		}
		var out []any
		for _, e := range outer {
			m, _ := e.(map[string]any)
			sub, ok := asList(m[key])
			if !ok {
				if skipMissing {
					continue
				}
				return nil, fmt.Errorf("%s: with_subelements: key %q missing or not a list", t.Pos, key)
			}
			for _, s := range sub {
				out = append(out, []any{e, s})
			}
		}
		return out, nil
	case "with_fileglob":
		l, ok := asList(src)
		if !ok {
			l = []any{src}
		}
		var out []any
		for _, pat := range l {
			p := fmt.Sprint(pat)
			if !filepath.IsAbs(p) {
				dir := pr.play.Dir
				if t.Role != nil {
					dir = t.Role.Dir
				}
				p = filepath.Join(dir, "files", p)
			}
			matches, _ := filepath.Glob(p)
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && !st.IsDir() {
					out = append(out, m)
				}
			}
		}
		return out, nil
	case "with_first_found":
		l, ok := asList(src)
		if !ok {
			l = []any{src}
		}
		for _, c := range l {
			if p, err := pr.findFile(t, "files", fmt.Sprint(c)); err == nil {
				return []any{p}, nil
			}
		}
		return nil, fmt.Errorf("%s: with_first_found: no file found among %v", t.Pos, l)
	case "with_inventory_hostnames":
		hs, err := pr.Inventory.Select(fmt.Sprint(src))
		if err != nil {
			return nil, err
		}
		return stringsToAny(hs), nil
	case "with_random_choice":
		l, _ := asList(src)
		if len(l) == 0 {
			return nil, nil
		}
		return []any{l[len(h)%len(l)]}, nil
	}
	return nil, fmt.Errorf("%s: %s is not supported", t.Pos, kind)
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		return stringsToAny(x), true
	case nil:
		return nil, true
	}
	return nil, false
}

func listOfLists(v any) ([][]any, error) {
	l, ok := asList(v)
	if !ok {
		return nil, fmt.Errorf("expects a list of lists")
	}
	out := make([][]any, len(l))
	for i, x := range l {
		sub, ok := asList(x)
		if !ok {
			sub = []any{x}
		}
		out[i] = sub
	}
	return out, nil
}

// sequence implements with_sequence: "start=1 end=10 stride=2 format=x%02d"
// or the short form "1-10/2".
func sequence(spec string) ([]any, error) {
	start, end, stride, count := 1, 0, 1, -1
	format := "%d"
	haveEnd := false
	for _, f := range strings.Fields(spec) {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			// short form: [start-]end[/stride][:format]
			if i := strings.Index(f, ":"); i >= 0 {
				format = f[i+1:]
				f = f[:i]
			}
			if i := strings.Index(f, "/"); i >= 0 {
				stride, _ = strconv.Atoi(f[i+1:])
				f = f[:i]
			}
			if a, b, ok := strings.Cut(f, "-"); ok {
				start, _ = strconv.Atoi(a)
				end, _ = strconv.Atoi(b)
			} else {
				end, _ = strconv.Atoi(f)
			}
			haveEnd = true
			continue
		}
		n, err := strconv.ParseInt(val, 0, 64)
		if k != "format" && err != nil {
			return nil, fmt.Errorf("with_sequence: bad %s %q", k, val)
		}
		switch k {
		case "start":
			start = int(n)
		case "end":
			end, haveEnd = int(n), true
		case "stride":
			stride = int(n)
		case "count":
			count = int(n)
		case "format":
			format = val
		default:
			return nil, fmt.Errorf("with_sequence: unknown option %q", k)
		}
	}
	if count >= 0 {
		end, haveEnd = start+(count-1)*stride, true
	}
	if !haveEnd {
		return nil, fmt.Errorf("with_sequence: end or count is required")
	}
	if stride == 0 {
		return nil, fmt.Errorf("with_sequence: stride must not be 0")
	}
	var out []any
	for i := start; (stride > 0 && i <= end) || (stride < 0 && i >= end); i += stride {
		out = append(out, fmt.Sprintf(format, i))
		if len(out) > 1_000_000 {
			return nil, fmt.Errorf("with_sequence: too many items")
		}
	}
	return out, nil
}

// loopVars returns the loop control variables for item i.
func loopVars(lc playbook.LoopControl, loopVar string, i int, items []any) map[string]any {
	m := map[string]any{"ansible_loop_var": loopVar}
	if lc.IndexVar != "" {
		m[lc.IndexVar] = i
	}
	if lc.Extended {
		n := len(items)
		l := map[string]any{
			"index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
			"first": i == 0, "last": i == n-1, "length": n, "allitems": items,
		}
		if i > 0 {
			l["previtem"] = items[i-1]
		}
		if i < n-1 {
			l["nextitem"] = items[i+1]
		}
		m["ansible_loop"] = l
	}
	return m
}
