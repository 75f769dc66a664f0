package util

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/pyjson"
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
	return pyjson.Truth(v), nil
}
