package template

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// filterFunc is a filter working on plain data: in and the positional and
// keyword arguments are resolved before it runs, and its result is plain.
type filterFunc func(in any, a *args) (any, error)

// args gives a filter its arguments by position or by keyword.
type args struct {
	pos []*exec.Value
	kw  map[string]*exec.Value
	ev  *exec.Evaluator
}

// value returns argument i (or keyword name) as an exec.Value.
func (a *args) value(i int, name string) (*exec.Value, bool) {
	if name != "" {
		if v, ok := a.kw[name]; ok {
			return v, true
		}
	}
	if i >= 0 && i < len(a.pos) {
		return a.pos[i], true
	}
	return nil, false
}

// get returns argument i (or keyword name) as plain data, or def.
func (a *args) get(i int, name string, def any) (any, error) {
	v, ok := a.value(i, name)
	if !ok {
		return def, nil
	}
	return plainValue(v)
}

func (a *args) str(i int, name, def string) (string, error) {
	v, err := a.get(i, name, def)
	if err != nil {
		return "", err
	}
	if v == nil {
		return def, nil
	}
	return pyStr(v), nil
}

func (a *args) boolean(i int, name string, def bool) (bool, error) {
	v, err := a.get(i, name, def)
	if err != nil {
		return false, err
	}
	return pyTruth(v), nil
}

func (a *args) integer(i int, name string, def int) (int, error) {
	v, err := a.get(i, name, def)
	if err != nil {
		return 0, err
	}
	n, ok := toInt(v)
	if !ok {
		return 0, fmt.Errorf("argument %s must be an integer, not %s", nameOr(name, strconv.Itoa(i+1)), typeName(v))
	}
	return n, nil
}

// rest returns the positional arguments from i on, as plain data.
func (a *args) rest(i int) ([]any, error) {
	var out []any
	for j := i; j < len(a.pos); j++ {
		v, err := plainValue(a.pos[j])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// plainFilter adapts a filterFunc to gonja: an error value as input fails
// the filter (undefined stays an error), arguments are made plain lazily.
func plainFilter(name string, fn filterFunc) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		x, err := plainValue(in)
		if err != nil {
			return exec.AsValue(err)
		}
		out, err := callFilter(fn, x, &args{pos: params.Args, kw: params.KwArgs, ev: e})
		if err != nil {
			return exec.AsValue(fmt.Errorf("filter %s: %w", name, err))
		}
		return exec.AsValue(inner(out))
	}
}

// valueFilter is a filter that works on gonja values (to avoid resolving
// whole lazy maps, e.g. extract on hostvars).
type valueFilter func(e *exec.Evaluator, in *exec.Value, a *args) (any, error)

func lazyFilter(name string, fn valueFilter) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		out, err := callValueFilter(fn, e, in, &args{pos: params.Args, kw: params.KwArgs, ev: e})
		if err != nil {
			return exec.AsValue(fmt.Errorf("filter %s: %w", name, err))
		}
		if v, ok := out.(*exec.Value); ok {
			return v
		}
		return exec.AsValue(inner(out))
	}
}

// callFilter runs fn, turning a panic into an error.
func callFilter(fn filterFunc, in any, a *args) (out any, err error) {
	defer recoverInto(&err)
	return fn(in, a)
}

func callValueFilter(fn valueFilter, e *exec.Evaluator, in *exec.Value, a *args) (out any, err error) {
	defer recoverInto(&err)
	return fn(e, in, a)
}

// guardFilter makes one of gonja's own filters fail on an error value
// instead of printing it.
func guardFilter(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		return fn(e, in, params)
	}
}

// toInt converts ints, integral floats and numeric strings.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err == nil {
			return n, true
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err == nil {
			return int(f), true
		}
	}
	return 0, false
}

// toFloat converts numbers and numeric strings.
func toFloat(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil
	}
	return number(v)
}

// toList views plain data as a list: a list as is, a dict as its sorted
// keys, a string as its characters.
func toList(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case pyTuple:
		return x, nil
	case map[string]any:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case string:
		out := []any{}
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("None is not iterable")
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return toList(rv.String())
	}
	return nil, fmt.Errorf("%s is not iterable", typeName(v))
}

// typeName is the Python type name of plain data.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case pyTuple:
		return "tuple"
	case map[string]any:
		return "dict"
	}
	if reflect.ValueOf(v).Kind() == reflect.String {
		return "AnsibleUnsafeText"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares plain data as Python's == does (1 == 1.0, True == 1).
func equal(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
		return false
	}
	if x, ok := asList(a); ok {
		y, ok := asList(b)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	sa, okA := asString(a)
	sb, okB := asString(b)
	if okA || okB {
		return okA && okB && sa == sb
	}
	return reflect.DeepEqual(a, b)
}

// number returns a numeric (or bool) value as float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// asString returns the text of a string or named string type.
func asString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	if rv := reflect.ValueOf(v); rv.IsValid() && rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

// compare orders plain data as Python does for numbers and strings;
// other mixes are an error.
func compare(a, b any) (int, error) {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			switch {
			case fa < fb:
				return -1, nil
			case fa > fb:
				return 1, nil
			}
			return 0, nil
		}
	}
	sa, okA := asString(a)
	sb, okB := asString(b)
	if okA && okB {
		return strings.Compare(sa, sb), nil
	}
	if la, ok := asList(a); ok {
		if lb, ok := asList(b); ok {
			for i := 0; i < len(la) && i < len(lb); i++ {
				c, err := compare(la[i], lb[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return compare(len(la), len(lb))
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

// attrPath reads a dotted attribute path ("a.b.0") from plain data; ok is
// false when a step is missing.
func attrPath(v any, path string) (any, bool) {
	cur := v
	for _, step := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[step]
			if !ok {
				return nil, false
			}
			cur = next
		case []any, pyTuple:
			l, _ := asList(x)
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(l) {
				return nil, false
			}
			cur = l[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
