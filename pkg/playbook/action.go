package playbook

import (
	"maps"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/module"
)

// actionForm reads the action: and local_action: forms, which name the
// module inside the value: "copy src=a dest=b" or {module: copy, src: a}.
func actionForm(file string, c pair) (action, error) {
	a := action{kind: "module", key: c.key, pos: nodePos(file, c.knode), local: c.key == "local_action"}
	v := resolve(c.val)
	switch {
	case v != nil && v.Kind == yaml.ScalarNode && !isNull(v):
		s := strings.TrimSpace(v.Value)
		name, rest := s, ""
		if i := strings.IndexAny(s, " \t\n"); i >= 0 {
			name, rest = s[:i], strings.TrimSpace(s[i:])
		}
		a.name = name
		a.val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: rest, Line: v.Line, Column: v.Column}
	case v != nil && v.Kind == yaml.MappingNode:
		ps, err := pairs(file, v)
		if err != nil {
			return a, err
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
		for _, p := range ps {
			if p.key == "module" {
				a.name, err = str(file, "module", p.val)
				if err != nil {
					return a, err
				}
				continue
			}
			m.Content = append(m.Content, p.knode, p.val)
		}
		a.val = m
	default:
		return a, errorf(a.pos, "%s must be a string (\"copy src=a dest=b\") or a mapping with module:, got %s", c.key, kindName(c.val))
	}
	if a.name == "" {
		return a, errorf(a.pos, "%s does not name a module", c.key)
	}
	if k := includeAction(a.name); k != "" {
		a.kind = k
		if k == "include" {
			a.kind = "include_tasks"
		}
	}
	return a, nil
}

// moduleArgs builds a module call's arguments: the args: keyword, then
// the value of the module key (a mapping, or a k=v / free-form string)
// over it.
func moduleArgs(file, name string, val *yaml.Node, argsKw *pair) (map[string]any, error) {
	args := map[string]any{}
	if argsKw != nil && !isNull(argsKw.val) {
		v, err := decode(file, argsKw.val)
		if err != nil {
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(nodePos(file, argsKw.val), "args must be a mapping, got %s", kindName(argsKw.val))
		}
		maps.Copy(args, m)
	}
	r := resolve(val)
	switch {
	case isNull(r):
	case r.Kind == yaml.MappingNode:
		v, err := decode(file, r)
		if err != nil {
			return nil, err
		}
		m, _ := v.(map[string]any)
		maps.Copy(args, m)
	case r.Kind == yaml.ScalarNode:
		kv, err := parseKV(r.Value, splitKeys(name))
		if err != nil {
			return nil, errorf(nodePos(file, val), "%s: %v", name, err)
		}
		maps.Copy(args, kv.opts)
		if kv.raw != "" {
			args["_raw_params"] = kv.raw
		}
	default:
		return nil, errorf(nodePos(file, val), "arguments of %s must be a mapping or a string, got %s", name, kindName(val))
	}
	return args, nil
}

// splitKeys says which k=v pairs of a string are arguments: all of them,
// except for free-form modules (command, shell…) where only the module's
// own options (chdir=, creates=…) are, and the rest is the command.
func splitKeys(name string) func(string) bool {
	m, ok := module.Lookup(name)
	if !ok || !m.Spec().FreeForm {
		return nil
	}
	spec := m.Spec()
	return func(k string) bool {
		switch k {
		case "cmd", "argv", "free_form", "_raw_params":
			return false
		}
		_, ok := spec.Param(k)
		return ok
	}
}
