package template

import (
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// maxDepth bounds nested lazy rendering (a var whose value renders another
// var, and so on) well below what would exhaust the stack.
const maxDepth = 200

// resolver carries one Render/Eval/Template call: the variables, the lazy
// values already resolved (each variable is rendered at most once per call)
// and the chain of variables being rendered, to detect recursion.
//
// Variables are resolved on access, like Ansible's lazy templating: before a
// template runs, only the top-level names its text mentions are looked up;
// maps are exposed as lazyMap, whose entries are rendered when read, so
// hostvars[h].x renders one value of one host, never the whole hostvars.
type resolver struct {
	e     *Engine
	vars  map[string]any
	top   map[string]*cell
	maps  map[uintptr]lazyMap
	stack []*cell
	fns   map[string]any
}

func newResolver(e *Engine, vars map[string]any) *resolver {
	return &resolver{e: e, vars: vars}
}

// Mapping is a map computed on demand (for instance hostvars, whose
// entries are merged per host only when a template reads them). A variable
// holding a Mapping is seen by templates as a dict; Lookup is called at
// most once per key per render call.
type Mapping interface {
	Keys() []string
	Lookup(key string) (any, bool)
}

// varPath names a variable or a part of one ("cfg.endpoints[1]") for
// error messages; it is turned into a string only when an error needs it.
type varPath struct {
	parent *varPath
	key    string
	index  int // list index, or -1 for a map key
}

// String formats the path as a Jinja expression.
func (p *varPath) String() string {
	if p == nil {
		return ""
	}
	base := p.parent.String()
	if p.index >= 0 {
		return fmt.Sprintf("%s[%d]", base, p.index)
	}
	return childPath(base, p.key)
}

// cell is one variable or map entry, rendered the first time it is read.
type cell struct {
	r     *resolver
	raw   any
	src   Mapping // when set, raw is src.Lookup(at.key) fetched on first read
	at    varPath
	state uint8 // cellNew, cellBusy, cellDone
	val   any
	err   error
}

const (
	cellNew uint8 = iota
	cellBusy
	cellDone
)

// get renders the cell once and remembers the result or the error.
func (c *cell) get() (any, error) {
	switch c.state {
	case cellDone:
		return c.val, c.err
	case cellBusy:
		var chain []string
		for _, busy := range c.r.stack {
			if busy == c || len(chain) > 0 {
				chain = append(chain, busy.at.String())
			}
		}
		chain = append(chain, c.at.String())
		return nil, fmt.Errorf("recursive loop detected in template: %s", strings.Join(chain, " -> "))
	}
	if len(c.r.stack) >= maxDepth {
		return nil, fmt.Errorf("templating %s: variables nest deeper than %d levels", c.at.String(), maxDepth)
	}
	c.state = cellBusy
	if c.src != nil {
		c.raw, _ = c.src.Lookup(c.at.key)
	}
	c.r.stack = append(c.r.stack, c)
	c.val, c.err = c.r.resolve(c.raw, &c.at)
	c.r.stack = c.r.stack[:len(c.r.stack)-1]
	c.state = cellDone
	c.raw = nil
	return c.val, c.err
}

// topValue resolves the top-level variable name.
func (r *resolver) topValue(name string) (any, bool, error) {
	if c, ok := r.top[name]; ok {
		v, err := c.get()
		return v, true, err
	}
	raw, ok := r.vars[name]
	if !ok {
		return nil, false, nil
	}
	if r.top == nil {
		r.top = map[string]*cell{}
	}
	c := &cell{r: r, raw: raw, at: varPath{key: name, index: -1}}
	r.top[name] = c
	v, err := c.get()
	return v, true, err
}

// settled reports whether a raw value is seen by templates as it is
// (no rendering, no wrapping), so a map entry holding it needs no cell.
func settled(v any) bool {
	switch x := v.(type) {
	case nil, bool, int, int64, float64:
		return true
	case string:
		return !IsTemplate(x)
	}
	return false
}

// resolve turns a raw variable value into what templates see: template
// strings rendered (with the same variables), maps wrapped lazily, lists
// resolved item by item. Named string types (yamlx.Unsafe) stay verbatim.
func (r *resolver) resolve(raw any, at *varPath) (any, error) {
	switch v := raw.(type) {
	case nil, bool, int, int64, float64, lazyMap, pyList, pyDict, pyTuple:
		return v, nil
	case string:
		if !IsTemplate(v) {
			return v, nil
		}
		out, err := r.templateString(v)
		if err != nil {
			return nil, fmt.Errorf("while templating %s: %w", at, err)
		}
		return out, nil
	case map[string]any:
		return r.wrapMap(v, at), nil
	case Mapping:
		return r.wrapMapping(v, at), nil
	case []any:
		out := make(pyList, len(v))
		for i, item := range v {
			if settled(item) {
				out[i] = item
				continue
			}
			x, err := r.resolve(item, &varPath{parent: at, index: i})
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return r.resolveReflect(raw, at)
}

// resolveReflect handles typed containers ([]string, map[string]string,
// []map[string]any, …) by viewing them as []any / map[string]any.
func (r *resolver) resolveReflect(raw any, at *varPath) (any, error) {
	rv := reflect.ValueOf(raw)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return raw, nil
		}
		m := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			m[it.Key().String()] = it.Value().Interface()
		}
		return r.wrapMap(m, at), nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return raw, nil
		}
		l := make([]any, rv.Len())
		for i := range l {
			l[i] = rv.Index(i).Interface()
		}
		return r.resolve(l, at)
	}
	return raw, nil
}

// wrapMap returns the lazy view of m, one per map per call. Entries that
// need no rendering are copied as they are; the others become cells.
func (r *resolver) wrapMap(m map[string]any, at *varPath) lazyMap {
	if m == nil {
		return lazyMap{}
	}
	id := uintptr(reflect.ValueOf(m).UnsafePointer())
	if lm, ok := r.maps[id]; ok {
		return lm
	}
	n := 0
	for _, v := range m {
		if !settled(v) {
			n++
		}
	}
	cells := make([]cell, n)
	lm := lazyMap(maps.Clone(m)) // a bulk copy, then cells replace entries in place
	i := 0
	for k, v := range m {
		if settled(v) {
			continue
		}
		c := &cells[i]
		i++
		*c = cell{r: r, raw: v, at: varPath{parent: at, key: k, index: -1}}
		lm[k] = c
	}
	if r.maps == nil {
		r.maps = map[uintptr]lazyMap{}
	}
	r.maps[id] = lm
	return lm
}

// wrapMapping returns the lazy view of a Mapping: its keys now, each value
// when read.
func (r *resolver) wrapMapping(m Mapping, at *varPath) lazyMap {
	keys := m.Keys()
	cells := make([]cell, len(keys))
	lm := make(lazyMap, len(keys))
	for i, k := range keys {
		c := &cells[i]
		*c = cell{r: r, src: m, at: varPath{parent: at, key: k, index: -1}}
		lm[k] = c
	}
	return lm
}

func childPath(parent, key string) string {
	if parent == "" {
		return key
	}
	if isIdentifier(key) {
		return parent + "." + key
	}
	return parent + "[" + pyQuote(key) + "]"
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// lazyMap is a variable map seen from a template: each entry is a cell,
// rendered when read. gonja reads it through GetItem/GetAttribute, and
// iterates it in sorted key order.
type lazyMap map[string]any

// GetItem implements exec.ItemGetter.
func (m lazyMap) GetItem(key any) (*exec.Value, bool) {
	k, ok := key.(string)
	if !ok {
		return exec.AsValue(nil), false
	}
	entry, ok := m[k]
	if !ok {
		// Found, as an undefined value: gonja passes it on unwrapped (no
		// stack capture), "is defined" and default() see it as undefined.
		return exec.AsValue(&undefinedError{attr: k}), true
	}
	v, err := entryValue(entry)
	if err != nil {
		return exec.AsValue(err), false
	}
	return exec.ToValue(v), true
}

// GetAttribute implements exec.AttributeGetter: d.key reads d['key'].
// The dict methods (d.items()) are not attributes: gonja calls them when
// the attribute is not callable.
func (m lazyMap) GetAttribute(name string) (*exec.Value, bool) {
	return m.GetItem(name)
}

// String renders the map as Python prints a dict, keys sorted. A value
// that fails to render aborts the render (see renderPanic).
func (m lazyMap) String() string {
	p, err := plainValue(m)
	if err != nil {
		panic(renderPanic{err})
	}
	return pyRepr(p)
}

// entryValue reads a lazyMap entry (a cell, or a plain value).
func entryValue(entry any) (any, error) {
	if c, ok := entry.(*cell); ok {
		return c.get()
	}
	return entry, nil
}

// renderPanic carries an error out of a fmt.Stringer, which cannot return
// one; execute recovers it. It keeps an error value from ever being
// written into output.
type renderPanic struct{ err error }
