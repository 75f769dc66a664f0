package playbook

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// optionKeyword reads p into o when p is one of the keywords of Options
// (become*, remote_user, tags, when, environment, …). It reports whether
// the keyword was one of those.
func optionKeyword(file string, p pair, o *Options) (bool, error) {
	var err error
	switch p.key {
	case "become":
		o.Become, err = boolish(file, p.key, p.val)
	case "become_user":
		o.BecomeUser, err = str(file, p.key, p.val)
	case "become_method":
		o.BecomeMethod, err = str(file, p.key, p.val)
	case "become_flags":
		o.BecomeFlags, err = str(file, p.key, p.val)
	case "become_exe":
		o.BecomeExe, err = str(file, p.key, p.val)
	case "remote_user":
		o.RemoteUser, err = str(file, p.key, p.val)
	case "connection":
		o.Connection, err = str(file, p.key, p.val)
	case "port":
		o.Port, err = intOrTemplate(file, p.key, p.val)
	case "environment":
		o.Environment, err = environment(file, p.val)
	case "ignore_errors":
		o.IgnoreErrors, err = boolish(file, p.key, p.val)
	case "ignore_unreachable":
		o.IgnoreUnreachable, err = boolish(file, p.key, p.val)
	case "check_mode":
		o.CheckMode, err = boolish(file, p.key, p.val)
	case "diff":
		o.Diff, err = boolish(file, p.key, p.val)
	case "no_log":
		o.NoLog, err = boolish(file, p.key, p.val)
	case "any_errors_fatal":
		o.AnyErrorsFatal, err = boolish(file, p.key, p.val)
	case "run_once":
		o.RunOnce, err = boolish(file, p.key, p.val)
	case "delegate_to":
		o.DelegateTo, err = str(file, p.key, p.val)
	case "delegate_facts":
		o.DelegateFacts, err = boolish(file, p.key, p.val)
	case "throttle":
		o.Throttle, err = plainInt(file, p.key, p.val)
	case "timeout":
		o.Timeout, err = plainInt(file, p.key, p.val)
	case "tags":
		o.Tags, err = strList(file, p.key, p.val, true)
	case "when":
		o.When, err = conds(file, p.key, p.val)
	case "debugger", "collections":
		// accepted and ignored: hactl has no debugger, and collections
		// only matter for resolving names hactl resolves itself.
	case "module_defaults":
		err = errorf(nodePos(file, p.knode), "module_defaults is not supported by hactl; give the arguments on each task")
	default:
		return false, nil
	}
	return true, err
}

// environment reads an environment: value: a mapping, a template string,
// or a list of them (applied in order).
func environment(file string, n *yaml.Node) ([]any, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind == yaml.SequenceNode {
		var out []any
		for _, c := range r.Content {
			e, err := environment(file, c)
			if err != nil {
				return nil, err
			}
			out = append(out, e...)
		}
		return out, nil
	}
	v, err := decode(file, r)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case map[string]any:
		return []any{x}, nil
	case string:
		if isTemplate(x) {
			return []any{x}, nil
		}
	}
	return nil, errorf(nodePos(file, n), "environment must be a mapping or a template, got %s", kindName(n))
}

// conds reads when:, changed_when:, failed_when: or until: values: a
// string, a bool, or a list of them (all must hold).
func conds(file, kw string, n *yaml.Node) ([]Cond, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind == yaml.SequenceNode {
		var out []Cond
		for _, c := range r.Content {
			if resolve(c) != nil && resolve(c).Kind == yaml.SequenceNode {
				return nil, errorf(nodePos(file, c), "%s entries must be expressions, got a list", kw)
			}
			cs, err := conds(file, kw, c)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
		return out, nil
	}
	if r.Kind != yaml.ScalarNode {
		return nil, errorf(nodePos(file, n), "%s must be an expression, a boolean or a list of them, got %s", kw, kindName(n))
	}
	v, err := decode(file, r)
	if err != nil {
		return nil, err
	}
	var expr string
	switch x := v.(type) {
	case bool:
		expr = fmt.Sprint(x)
	case string:
		expr = stripBraces(x)
	default:
		expr = fmt.Sprint(x)
	}
	if strings.TrimSpace(expr) == "" {
		return nil, errorf(nodePos(file, n), "%s is empty", kw)
	}
	return []Cond{{Expr: expr, Pos: nodePos(file, n)}}, nil
}

// stripBraces turns "{{ x }}" into "x" when the whole string is one
// expression; conditions are bare expressions.
func stripBraces(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}") {
		inner := t[2 : len(t)-2]
		if !strings.Contains(inner, "{{") && !strings.Contains(inner, "}}") && !strings.Contains(inner, "{%") {
			return strings.TrimSpace(inner)
		}
	}
	return s
}
