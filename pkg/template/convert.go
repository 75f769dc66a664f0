package template

import (
	"fmt"
	"github.com/hactl/hactl/pkg/pyjson"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// pyList is a list produced inside a render; it prints as Python does.
type pyList []any

// String implements fmt.Stringer with Python's list repr.
func (l pyList) String() string {
	p, err := plainValue(l)
	if err != nil {
		panic(renderPanic{err})
	}
	return pyRepr(p)
}

// pyDict is a dict produced inside a render (by a filter); it prints as
// Python does, keys sorted.
type pyDict map[string]any

// String implements fmt.Stringer with Python's dict repr.
func (d pyDict) String() string {
	p, err := plainValue(d)
	if err != nil {
		panic(renderPanic{err})
	}
	return pyRepr(p)
}

// pyTuple is a Python tuple made by a filter (zip, dictsort, splitext…):
// it prints as (a, b). Plain data keeps it as pyTuple inside a render; the
// public API returns it as []any.
type pyTuple []any

// String implements fmt.Stringer with Python's tuple repr.
func (t pyTuple) String() string {
	p, err := plainValue(t)
	if err != nil {
		panic(renderPanic{err})
	}
	return pyRepr(p)
}

// asList returns the items of a list or tuple.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case pyTuple:
		return x, true
	}
	return nil, false
}

// export turns plain data into what the public API returns: tuples
// become []any.
func export(v any) any {
	switch x := v.(type) {
	case pyTuple:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = export(item)
		}
		return out
	case []any:
		for i, item := range x {
			x[i] = export(item)
		}
	case map[string]any:
		for k, item := range x {
			x[k] = export(item)
		}
	}
	return v
}

// sortedKeys returns the keys of m in hactl's deterministic dict order:
// sorted bytewise, as Python's sorted().
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

func sortStrings(keys []string) { sort.Strings(keys) }

// plainValue converts a value seen inside a render (lazy maps, gonja
// values, channels from range()) into plain Go data: map[string]any, []any,
// string, int, float64, bool, nil. Lazy entries are resolved; an error
// anywhere is returned.
func plainValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int, float64:
		return v, nil
	case *exec.Value: // before error: *exec.Value has an Error method
		if x == nil || x.IsNil() {
			return nil, nil
		}
		if x.IsError() {
			return nil, errorOf(x)
		}
		return plainValue(x.Interface())
	case error:
		return nil, x
	case lazyMap:
		out := make(map[string]any, len(x))
		for k, entry := range x {
			ev, err := entryValue(entry)
			if err != nil {
				return nil, err
			}
			if out[k], err = plainValue(ev); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		return plainMap(x)
	case pyDict:
		return plainMap(x)
	case []any:
		return plainList(x)
	case pyList:
		return plainList(x)
	case pyTuple:
		l, err := plainList(x)
		return pyTuple(l), err
	case exec.ValuesList:
		out := make([]any, len(x))
		for i, item := range x {
			p, err := plainValue(item)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case *exec.Dict:
		return plainDict(x)
	case exec.Dict:
		return plainDict(&x)
	case [2]*exec.Value:
		return plainValue(exec.ValuesList(x[:]))
	case <-chan int:
		out := []any{}
		for n := range x {
			out = append(out, n)
		}
		return out, nil
	}
	return plainReflect(v)
}

func plainMap[M ~map[string]any](m M) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, item := range m {
		p, err := plainValue(item)
		if err != nil {
			return nil, err
		}
		out[k] = p
	}
	return out, nil
}

func plainList[L ~[]any](l L) ([]any, error) {
	out := make([]any, len(l))
	for i, item := range l {
		p, err := plainValue(item)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func plainDict(d *exec.Dict) (map[string]any, error) {
	out := make(map[string]any, len(d.Pairs))
	for _, pair := range d.Pairs {
		p, err := plainValue(pair.Value)
		if err != nil {
			return nil, err
		}
		out[pair.Key.String()] = p
	}
	return out, nil
}

func plainReflect(v any) (any, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return v, nil // named string types (yamlx.Unsafe) keep their type
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			p, err := plainValue(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(it.Key().Interface())] = p
		}
		return out, nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return string(rv.Bytes()), nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			p, err := plainValue(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
	}
	return v, nil
}

// errorOf returns the error held by an error value.
func errorOf(v *exec.Value) error {
	if err, ok := v.Interface().(error); ok {
		return err
	}
	return fmt.Errorf("%s", v.Error())
}

// pyRepr formats plain data as Python's repr() does (what Jinja2 prints
// for lists and dicts). Dict keys are sorted.
func pyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(pyFloat(x))
	case string:
		b.WriteString(pyQuote(x))
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, item)
		}
		b.WriteByte(']')
	case pyTuple:
		b.WriteByte('(')
		for i, item := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, item)
		}
		if len(x) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(k))
			b.WriteString(": ")
			writeRepr(b, x[k])
		}
		b.WriteByte('}')
	default:
		if s, ok := v.(fmt.Stringer); ok {
			b.WriteString(s.String())
			return
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.String {
			b.WriteString(pyQuote(rv.String()))
			return
		}
		fmt.Fprint(b, v)
	}
}

// pyStr formats a plain value as Python's str() does: strings verbatim,
// containers as repr.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return rv.String()
	}
	return pyRepr(v)
}

// pyFloat formats f as Python's repr(float).
func pyFloat(f float64) string { return pyjson.FormatFloat(f) }

// pyQuote quotes s as Python's repr(str) does.
func pyQuote(s string) string { return pyjson.StrRepr(s) }

// pyTruth is Python's truthiness of a value; a gonja value answers for
// itself.
func pyTruth(v any) bool {
	if x, ok := v.(*exec.Value); ok {
		return x.IsTrue()
	}
	return pyjson.Truth(v)
}

// inner converts plain data returned by a filter into the values used
// inside a render (lists and dicts that print as Python does).
func inner(v any) any {
	switch x := v.(type) {
	case []any:
		out := make(pyList, len(x))
		for i, item := range x {
			out[i] = inner(item)
		}
		return out
	case map[string]any:
		out := make(pyDict, len(x))
		for k, item := range x {
			out[k] = inner(item)
		}
		return out
	}
	return v
}
