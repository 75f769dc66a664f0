package template

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// listFilters are the filters on lists and dicts.
func listFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"map":                  lazyFilter("map", filterMap),
		"select":               lazyFilter("select", selectFilter(false, false)),
		"reject":               lazyFilter("reject", selectFilter(true, false)),
		"selectattr":           lazyFilter("selectattr", selectFilter(false, true)),
		"rejectattr":           lazyFilter("rejectattr", selectFilter(true, true)),
		"extract":              lazyFilter("extract", filterExtract),
		"unique":               plainFilter("unique", filterUnique),
		"union":                plainFilter("union", setFilter("union")),
		"intersect":            plainFilter("intersect", setFilter("intersect")),
		"difference":           plainFilter("difference", setFilter("difference")),
		"symmetric_difference": plainFilter("symmetric_difference", setFilter("symmetric_difference")),
		"flatten":              plainFilter("flatten", filterFlatten),
		"min":                  plainFilter("min", minMax(-1)),
		"max":                  plainFilter("max", minMax(1)),
		"sum":                  plainFilter("sum", filterSum),
		"sort":                 plainFilter("sort", filterSort),
		"reverse":              plainFilter("reverse", filterReverse),
		"zip":                  plainFilter("zip", zipFilter(false)),
		"zip_longest":          plainFilter("zip_longest", zipFilter(true)),
		"product":              plainFilter("product", filterProduct),
		"dictsort":             plainFilter("dictsort", filterDictsort),
		"items":                plainFilter("items", filterItems),
		"dict2items":           plainFilter("dict2items", filterDict2Items),
		"items2dict":           plainFilter("items2dict", filterItems2Dict),
		"combine":              plainFilter("combine", filterCombine),
		"batch":                plainFilter("batch", filterBatch),
	}
}

// valuePath reads a dotted attribute path from a gonja value without
// resolving more than the path; a missing step gives an undefined error.
func valuePath(v *exec.Value, path string) *exec.Value {
	cur := v
	for _, step := range strings.Split(path, ".") {
		if cur.IsError() {
			return cur
		}
		var next *exec.Value
		found := false
		if n, err := strconv.Atoi(step); err == nil && cur.IsList() {
			next, found = cur.GetItem(n)
		} else {
			next, found = cur.GetItem(step)
			if !found && (next == nil || !next.IsError()) {
				next, found = cur.GetAttribute(step)
			}
		}
		if !found {
			if next != nil && next.IsError() && !isUndefinedErr(errorOf(next)) {
				return next
			}
			return exec.AsValue(&undefinedError{what: path})
		}
		cur = next
	}
	return cur
}

// items returns the items of a gonja value: list items, dict keys (sorted)
// or string characters.
func items(v *exec.Value) []*exec.Value {
	var out []*exec.Value
	v.Iterate(func(_, _ int, key, _ *exec.Value) bool {
		out = append(out, key)
		return true
	}, func() {})
	return out
}

// filterMap is Jinja's map(attribute='x', default=…) or map('filter', args…).
func filterMap(e *exec.Evaluator, in *exec.Value, a *args) (any, error) {
	out := pyList{}
	if attr, ok := a.kw["attribute"]; ok {
		def, hasDef := a.kw["default"]
		for _, item := range items(in) {
			v := valuePath(item, attr.String())
			if v.IsError() {
				if hasDef && isUndefinedErr(errorOf(v)) {
					v = def
				} else {
					return nil, errorOf(v)
				}
			}
			out = append(out, v)
		}
		return out, nil
	}
	if len(a.pos) == 0 {
		return nil, errors.New("map needs a filter name or attribute=")
	}
	name := a.pos[0].String()
	for _, item := range items(in) {
		params := &exec.VarArgs{Args: a.pos[1:], KwArgs: a.kw}
		v := e.ExecuteFilterByName(name, item, params)
		if v.IsError() {
			return nil, errorOf(v)
		}
		out = append(out, v)
	}
	return out, nil
}

// selectFilter builds select/reject/selectattr/rejectattr.
func selectFilter(reject, attr bool) valueFilter {
	return func(e *exec.Evaluator, in *exec.Value, a *args) (any, error) {
		pos := a.pos
		var path string
		if attr {
			if len(pos) == 0 {
				return nil, errors.New("missing attribute name")
			}
			path = pos[0].String()
			pos = pos[1:]
		}
		out := pyList{}
		for _, item := range items(in) {
			subject := item
			if attr {
				subject = valuePath(item, path)
			}
			var ok bool
			if len(pos) == 0 {
				if subject.IsError() {
					return nil, errorOf(subject)
				}
				ok = subject.IsTrue()
			} else {
				res := e.ExecuteTestByName(pos[0].String(), subject, &exec.VarArgs{Args: pos[1:], KwArgs: map[string]*exec.Value{}})
				if res.IsError() {
					return nil, errorOf(res)
				}
				ok = res.IsTrue()
			}
			if ok != reject {
				out = append(out, item)
			}
		}
		return out, nil
	}
}

// filterExtract is Ansible's extract(container, morekeys=None):
// container[item], then each of morekeys.
func filterExtract(_ *exec.Evaluator, in *exec.Value, a *args) (any, error) {
	container, ok := a.value(0, "container")
	if !ok {
		return nil, errors.New("missing container")
	}
	v := lookupKey(container, in)
	if more, ok := a.value(1, "morekeys"); ok && !more.IsNil() {
		keys := []*exec.Value{more}
		if more.IsList() {
			keys = items(more)
		}
		for _, k := range keys {
			if v.IsError() {
				break
			}
			v = lookupKey(v, k)
		}
	}
	if v.IsError() {
		return nil, errorOf(v)
	}
	return v, nil
}

// lookupKey is container[key] on gonja values.
func lookupKey(container, key *exec.Value) *exec.Value {
	var k any = key.String()
	if key.IsInteger() {
		k = key.Integer()
	}
	v, found := container.GetItem(k)
	if !found {
		if v != nil && v.IsError() && !isUndefinedErr(errorOf(v)) {
			return v
		}
		return exec.AsValue(&undefinedError{what: fmt.Sprintf("%v", k)})
	}
	return v
}

// foldKey is x lower-cased when it is a string and fold is set: the
// comparison key of Jinja's case_sensitive=False.
func foldKey(x any, fold bool) any {
	if s, ok := x.(string); ok && fold {
		return strings.ToLower(s)
	}
	return x
}

// dedupe removes duplicates keeping the first; fold compares strings
// case-insensitively.
func dedupe(list []any, fold bool) []any {
	return dedupeBy(list, func(item any) any { return foldKey(item, fold) })
}

// dedupeBy removes the items whose key equals an earlier item's key,
// keeping the first.
func dedupeBy(list []any, key func(any) any) []any {
	out := []any{}
	var seen []any
	for _, item := range list {
		k := key(item)
		dup := false
		for _, s := range seen {
			if equal(s, k) {
				dup = true
				break
			}
		}
		if !dup {
			seen = append(seen, k)
			out = append(out, item)
		}
	}
	return out
}

// filterUnique is unique(case_sensitive=False, attribute=None), as Ansible
// runs Jinja's: strings compared case-insensitively, first kept.
func filterUnique(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	cs, err := a.boolean(0, "case_sensitive", false)
	if err != nil {
		return nil, err
	}
	attr, err := a.str(1, "attribute", "")
	if err != nil {
		return nil, err
	}
	if attr == "" {
		return dedupe(list, !cs), nil
	}
	return dedupeBy(list, func(item any) any {
		key, _ := attrPath(item, attr)
		return foldKey(key, !cs)
	}), nil
}

func contains(list []any, x any) bool {
	for _, item := range list {
		if equal(item, x) {
			return true
		}
	}
	return false
}

// setFilter builds Ansible's union/intersect/difference/
// symmetric_difference: order kept, duplicates removed.
func setFilter(op string) filterFunc {
	return func(in any, a *args) (any, error) {
		l, err := toList(in)
		if err != nil {
			return nil, err
		}
		other, err := a.get(0, "b", nil)
		if err != nil {
			return nil, err
		}
		r, err := toList(other)
		if err != nil {
			return nil, err
		}
		var out []any
		switch op {
		case "union":
			out = append(append([]any{}, l...), r...)
		case "intersect":
			for _, x := range l {
				if contains(r, x) {
					out = append(out, x)
				}
			}
		case "difference":
			for _, x := range l {
				if !contains(r, x) {
					out = append(out, x)
				}
			}
		case "symmetric_difference":
			for _, x := range dedupe(append(append([]any{}, l...), r...), false) {
				if !(contains(l, x) && contains(r, x)) {
					out = append(out, x)
				}
			}
		}
		return dedupe(out, false), nil
	}
}

// filterFlatten is Ansible's flatten(levels=None, skip_nulls=True).
func filterFlatten(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	levels, err := a.get(0, "levels", nil)
	if err != nil {
		return nil, err
	}
	skip, err := a.boolean(1, "skip_nulls", true)
	if err != nil {
		return nil, err
	}
	depth := -1
	if levels != nil {
		n, ok := toInt(levels)
		if !ok {
			return nil, errors.New("levels must be an integer")
		}
		depth = n
	}
	return flatten(list, depth, skip), nil
}

func flatten(list []any, depth int, skip bool) []any {
	out := []any{}
	for _, item := range list {
		if skip {
			if item == nil || item == "None" || item == "null" {
				continue
			}
		}
		if sub, ok := asList(item); ok && depth != 0 {
			out = append(out, flatten(sub, depth-1, skip)...)
			continue
		}
		out = append(out, item)
	}
	return out
}

// minMax is Jinja's min/max(case_sensitive=False, attribute=None).
func minMax(sign int) filterFunc {
	return func(in any, a *args) (any, error) {
		list, err := toList(in)
		if err != nil {
			return nil, err
		}
		attr, err := a.str(-1, "attribute", "")
		if err != nil {
			return nil, err
		}
		cs, err := a.boolean(-1, "case_sensitive", false)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, &undefinedError{what: "min/max of an empty sequence"}
		}
		key := func(x any) any {
			if attr != "" {
				x, _ = attrPath(x, attr)
			}
			return foldKey(x, !cs)
		}
		best := list[0]
		for _, item := range list[1:] {
			c, err := compare(key(item), key(best))
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best = item
			}
		}
		return best, nil
	}
}

// filterSum is sum(attribute=None, start=0).
func filterSum(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	attr, err := a.str(0, "attribute", "")
	if err != nil {
		return nil, err
	}
	total, err := a.get(1, "start", 0)
	if err != nil {
		return nil, err
	}
	for _, item := range list {
		if attr != "" {
			item, _ = attrPath(item, attr)
		}
		total, err = add(total, item)
		if err != nil {
			return nil, err
		}
	}
	return total, nil
}

// add is Python's + on plain data.
func add(x, y any) (any, error) {
	xi, xInt := x.(int)
	yi, yInt := y.(int)
	if xInt && yInt {
		return xi + yi, nil
	}
	if fx, ok := number(x); ok {
		if fy, ok := number(y); ok {
			return fx + fy, nil
		}
	}
	if lx, ok := x.([]any); ok {
		if ly, ok := y.([]any); ok {
			return append(append([]any{}, lx...), ly...), nil
		}
	}
	if sx, ok := x.(string); ok {
		if sy, ok := y.(string); ok {
			return sx + sy, nil
		}
	}
	return nil, fmt.Errorf("unsupported operand type(s) for +: '%s' and '%s'", typeName(x), typeName(y))
}

// filterSort is Jinja's sort(reverse=False, case_sensitive=False,
// attribute=None), stable; attribute may list several, comma-separated.
func filterSort(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	reverse, err := a.boolean(0, "reverse", false)
	if err != nil {
		return nil, err
	}
	cs, err := a.boolean(1, "case_sensitive", false)
	if err != nil {
		return nil, err
	}
	attr, err := a.str(2, "attribute", "")
	if err != nil {
		return nil, err
	}
	var attrs []string
	if attr != "" {
		attrs = strings.Split(attr, ",")
	}
	key := func(x any) any {
		if len(attrs) > 0 {
			keys := make([]any, len(attrs))
			for i, at := range attrs {
				k, _ := attrPath(x, strings.TrimSpace(at))
				keys[i] = foldKey(k, !cs)
			}
			return keys
		}
		return foldKey(x, !cs)
	}
	out := append([]any{}, list...)
	return out, sortByKey(out, key, reverse)
}

// sortByKey sorts list in place, stably, by Python's ordering of key(item);
// the error is the last comparison that failed, the order then unspecified.
func sortByKey(list []any, key func(any) any, reverse bool) error {
	var sortErr error
	sort.SliceStable(list, func(i, j int) bool {
		c, err := compare(key(list[i]), key(list[j]))
		if err != nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return sortErr
}

func filterReverse(in any, _ *args) (any, error) {
	if s, ok := in.(string); ok {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, item := range list {
		out[len(list)-1-i] = item
	}
	return out, nil
}

// zipFilter is zip(*others) or zip_longest(*others, fillvalue=None).
func zipFilter(longest bool) filterFunc {
	return func(in any, a *args) (any, error) {
		first, err := toList(in)
		if err != nil {
			return nil, err
		}
		lists := [][]any{first}
		rest, err := a.rest(0)
		if err != nil {
			return nil, err
		}
		for _, r := range rest {
			l, err := toList(r)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		fill, err := a.get(-1, "fillvalue", nil)
		if err != nil {
			return nil, err
		}
		n := len(first)
		for _, l := range lists {
			if longest && len(l) > n || !longest && len(l) < n {
				n = len(l)
			}
		}
		out := make([]any, n)
		for i := range out {
			tuple := make(pyTuple, len(lists))
			for j, l := range lists {
				if i < len(l) {
					tuple[j] = l[i]
				} else {
					tuple[j] = fill
				}
			}
			out[i] = tuple
		}
		return out, nil
	}
}

// filterProduct is itertools.product(in, *others).
func filterProduct(in any, a *args) (any, error) {
	first, err := toList(in)
	if err != nil {
		return nil, err
	}
	rest, err := a.rest(0)
	if err != nil {
		return nil, err
	}
	result := []pyTuple{{}}
	for _, pool := range append([]any{first}, rest...) {
		l, err := toList(pool)
		if err != nil {
			return nil, err
		}
		var next []pyTuple
		for _, prefix := range result {
			for _, x := range l {
				next = append(next, append(append(pyTuple{}, prefix...), x))
			}
		}
		result = next
	}
	out := make([]any, len(result))
	for i, t := range result {
		out[i] = t
	}
	return out, nil
}

// filterDictsort is dictsort(case_sensitive=False, by='key', reverse=False).
func filterDictsort(in any, a *args) (any, error) {
	m, ok := in.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("dictsort expects a dict, got %s", typeName(in))
	}
	cs, err := a.boolean(0, "case_sensitive", false)
	if err != nil {
		return nil, err
	}
	by, err := a.str(1, "by", "key")
	if err != nil {
		return nil, err
	}
	reverse, err := a.boolean(2, "reverse", false)
	if err != nil {
		return nil, err
	}
	pairs := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		pairs = append(pairs, pyTuple{k, m[k]})
	}
	idx := 0
	if by == "value" {
		idx = 1
	}
	key := func(pair any) any { return foldKey(pair.(pyTuple)[idx], !cs) }
	return pairs, sortByKey(pairs, key, reverse)
}

// filterItems is Jinja's items: a dict's (key, value) pairs, keys sorted.
func filterItems(in any, _ *args) (any, error) {
	if in == nil {
		return []any{}, nil
	}
	m, ok := in.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("can only get item pairs from a mapping, not %s", typeName(in))
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, pyTuple{k, m[k]})
	}
	return out, nil
}

// filterDict2Items is dict2items(key_name='key', value_name='value').
func filterDict2Items(in any, a *args) (any, error) {
	m, ok := in.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("dict2items requires a dictionary, got %s instead", typeName(in))
	}
	kn, vn, err := itemNames(a)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{kn: k, vn: m[k]})
	}
	return out, nil
}

// itemNames reads the (key_name='key', value_name='value') arguments
// shared by dict2items and items2dict.
func itemNames(a *args) (key, value string, err error) {
	if key, err = a.str(0, "key_name", "key"); err != nil {
		return "", "", err
	}
	if value, err = a.str(1, "value_name", "value"); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// filterItems2Dict is items2dict(key_name='key', value_name='value').
func filterItems2Dict(in any, a *args) (any, error) {
	list, ok := in.([]any)
	if !ok {
		return nil, fmt.Errorf("items2dict requires a list, got %s instead", typeName(in))
	}
	kn, vn, err := itemNames(a)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("items2dict requires a list of dictionaries, found %s", typeName(item))
		}
		k, okK := m[kn]
		v, okV := m[vn]
		if !okK || !okV {
			return nil, fmt.Errorf("items2dict: item %s lacks %q or %q", pyRepr(item), kn, vn)
		}
		out[pyStr(k)] = v
	}
	return out, nil
}

// filterCombine is Ansible's combine(*dicts, recursive=False,
// list_merge='replace'); lists of dicts are flattened one level.
func filterCombine(in any, a *args) (any, error) {
	recursive, err := a.boolean(-1, "recursive", false)
	if err != nil {
		return nil, err
	}
	listMerge, err := a.str(-1, "list_merge", "replace")
	if err != nil {
		return nil, err
	}
	switch listMerge {
	case "replace", "keep", "append", "prepend", "append_rp", "prepend_rp":
	default:
		return nil, fmt.Errorf("list_merge must be one of replace, keep, append, prepend, append_rp, prepend_rp")
	}
	rest, err := a.rest(0)
	if err != nil {
		return nil, err
	}
	terms := flatten(append([]any{in}, rest...), 1, false)
	out := map[string]any{}
	for _, t := range terms {
		m, ok := t.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("failed to combine variables, expected dicts but got a '%s'", typeName(t))
		}
		out = mergeDict(out, m, recursive, listMerge)
	}
	return out, nil
}

func mergeDict(x, y map[string]any, recursive bool, listMerge string) map[string]any {
	out := make(map[string]any, len(x)+len(y))
	for k, v := range x {
		out[k] = v
	}
	for k, yv := range y {
		xv, exists := out[k]
		if !exists {
			out[k] = yv
			continue
		}
		xm, xIsMap := xv.(map[string]any)
		ym, yIsMap := yv.(map[string]any)
		if recursive && xIsMap && yIsMap {
			out[k] = mergeDict(xm, ym, recursive, listMerge)
			continue
		}
		xl, xIsList := xv.([]any)
		yl, yIsList := yv.([]any)
		if xIsList && yIsList {
			out[k] = mergeLists(xl, yl, listMerge)
			continue
		}
		out[k] = yv
	}
	return out
}

func mergeLists(x, y []any, how string) []any {
	without := func(l, drop []any) []any {
		var out []any
		for _, item := range l {
			if !contains(drop, item) {
				out = append(out, item)
			}
		}
		return out
	}
	switch how {
	case "keep":
		return x
	case "append":
		return append(append([]any{}, x...), y...)
	case "prepend":
		return append(append([]any{}, y...), x...)
	case "append_rp":
		return append(without(x, y), y...)
	case "prepend_rp":
		return append(append([]any{}, y...), without(x, y)...)
	}
	return y
}

// filterBatch is Jinja's batch(linecount, fill_with=None).
func filterBatch(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	n, err := a.integer(0, "linecount", 1)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, errors.New("linecount must be positive")
	}
	fill, hasFill := a.value(1, "fill_with")
	out := []any{}
	for i := 0; i < len(list); i += n {
		end := min(i+n, len(list))
		chunk := append([]any{}, list[i:end]...)
		if hasFill && len(chunk) < n {
			f, err := plainValue(fill)
			if err != nil {
				return nil, err
			}
			for len(chunk) < n {
				chunk = append(chunk, f)
			}
		}
		out = append(out, chunk)
	}
	return out, nil
}
