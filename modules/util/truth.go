package util

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// bareName matches a lone variable name.
var bareName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// evalCond evaluates one condition as Ansible's `when` does: the
// expression's value taken with Python truthiness; a bare variable name
// holding a string is evaluated once more as an expression (so a variable
// set to "false" is false).
func evalCond(t *module.Target, expr string) (bool, error) {
	if t.Eval == nil {
		return false, fmt.Errorf("cannot evaluate %q: no expression evaluator", expr)
	}
	v, err := t.Eval(expr)
	if err != nil {
		return false, fmt.Errorf("evaluating %q: %w", expr, err)
	}
	if s, ok := v.(string); ok && bareName.MatchString(strings.TrimSpace(expr)) {
		if b, err := module.ParseBool(s); err == nil && strings.TrimSpace(s) != "" {
			return b, nil
		}
		if v, err = t.Eval(s); err != nil {
			return false, fmt.Errorf("evaluating %q (the value of %s): %w", s, expr, err)
		}
	}
	return truthy(v), nil
}

// truthy is Python's truth value of v.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array, reflect.String:
		return rv.Len() > 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint() != 0
	case reflect.Float32, reflect.Float64:
		return rv.Float() != 0
	case reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	}
	return true
}
