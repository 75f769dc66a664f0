package inventory

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/yamlx"
)

// yamlError is a YAML inventory error at a node.
func yamlError(path string, n *yaml.Node, format string, a ...any) error {
	return &yamlx.Error{File: path, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)}
}

// resolveAlias follows an alias node to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is YAML null (or absent).
func isNull(n *yaml.Node) bool {
	n = resolveAlias(n)
	if n == nil {
		return true
	}
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 &&
		yamlx.ResolvePlain(n.Value) == nil
}

// pairs returns the key/value nodes of a mapping in order with merge keys
// (<<) expanded and duplicate keys resolved (the last one wins, at the
// position of the first), as PyYAML builds its dicts.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	index := map[string]int{}
	var add func(m *yaml.Node, depth int)
	add = func(m *yaml.Node, depth int) {
		m = resolveAlias(m)
		if m == nil || m.Kind != yaml.MappingNode || depth > 100 {
			return
		}
		var merges [][2]*yaml.Node
		var own [][2]*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				merges = append(merges, [2]*yaml.Node{k, v})
				continue
			}
			own = append(own, [2]*yaml.Node{k, v})
		}
		for _, mg := range merges {
			v := resolveAlias(mg[1])
			if v != nil && v.Kind == yaml.SequenceNode {
				for i := len(v.Content) - 1; i >= 0; i-- {
					add(v.Content[i], depth+1)
				}
			} else {
				add(v, depth+1)
			}
		}
		for _, p := range own {
			key := resolveAlias(p[0]).Value
			if i, ok := index[key]; ok {
				out[i][1] = p[1]
				continue
			}
			index[key] = len(out)
			out = append(out, p)
		}
	}
	add(n, 0)
	return out
}

// parseYAMLInventory parses a YAML (or JSON) inventory into inv. Files that
// are not inventories give an error wrapping errNotInventory.
func (inv *Inventory) parseYAMLInventory(data []byte, path string, inDir bool) error {
	root, err := yamlx.Parse(data, path)
	if err != nil {
		if inDir {
			return &notInventory{err}
		}
		return err
	}
	root = resolveAlias(root)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		kind := "a scalar"
		if root.Kind == yaml.SequenceNode {
			// A playbook or task file beside the hosts file (a lab or
			// project directory used as inventory) is skipped quietly.
			if inDir {
				return nil
			}
			kind = "a list (is it a playbook?)"
		}
		return &notInventory{yamlError(path, root, "a YAML inventory must be a mapping of groups, found %s", kind)}
	}
	top := pairs(root)
	for _, p := range top {
		if resolveAlias(p[0]).Value == "plugin" && !isNull(p[1]) {
			return &notInventory{yamlError(path, p[0], "inventory plugin configuration files are not supported")}
		}
	}
	if inDir {
		if err := checkInventoryShape(path, top); err != nil {
			return &notInventory{err}
		}
	}
	for _, p := range top {
		if _, err := inv.parseYAMLGroup(path, p[0], p[1], 0); err != nil {
			return err
		}
	}
	return nil
}

// checkInventoryShape decides whether a YAML mapping found in an inventory
// directory is an inventory: every top-level value must be a group (null or
// a mapping) and at least one must have hosts, children or vars.
func checkInventoryShape(path string, top [][2]*yaml.Node) error {
	found := false
	for _, p := range top {
		v := resolveAlias(p[1])
		if isNull(v) {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return yamlError(path, p[0], "%q is not a group (a mapping with hosts, children or vars)", resolveAlias(p[0]).Value)
		}
		for _, q := range pairs(v) {
			switch resolveAlias(q[0]).Value {
			case "hosts", "children", "vars":
				found = true
			}
		}
	}
	if !found {
		return &yamlx.Error{File: path, Msg: "no group has hosts, children or vars"}
	}
	return nil
}

// parseYAMLGroup reads one group definition (and its children) and
// returns the group, or nil when the definition was skipped.
func (inv *Inventory) parseYAMLGroup(path string, keyNode, valNode *yaml.Node, depth int) (*Group, error) {
	if depth > 1000 {
		return nil, yamlError(path, keyNode, "groups nested too deeply")
	}
	keyNode = resolveAlias(keyNode)
	name := keyNode.Value
	val := resolveAlias(valNode)
	if !isNull(val) && val.Kind != yaml.MappingNode {
		inv.warn("%s:%d:%d: skipping %q as this is not a valid group definition", path, keyNode.Line, keyNode.Column, name)
		return nil, nil
	}
	group := inv.addGroup(name)
	if isNull(val) {
		return group, nil
	}
	sections := pairs(val)
	for _, p := range sections {
		key := resolveAlias(p[0]).Value
		sec := resolveAlias(p[1])
		switch key {
		case "vars", "children", "hosts":
			if !isNull(sec) && sec.Kind != yaml.MappingNode && !(sec.Kind == yaml.ScalarNode && key != "vars") {
				return nil, yamlError(path, p[1], "invalid %q entry for %q group, requires a mapping", key, name)
			}
		}
	}
	for _, p := range sections {
		key := resolveAlias(p[0]).Value
		sec := resolveAlias(p[1])
		if isNull(sec) {
			continue
		}
		var entries [][2]*yaml.Node
		if sec.Kind == yaml.ScalarNode {
			// "hosts: web1" is short for "hosts: {web1: }".
			if key == "hosts" || key == "children" {
				entries = [][2]*yaml.Node{{sec, nil}}
			}
		} else if sec.Kind == yaml.MappingNode {
			entries = pairs(sec)
		} else {
			inv.warn("%s:%d:%d: skipping key %q in group %q as it is not a mapping", path, p[0].Line, p[0].Column, key, name)
			continue
		}
		switch key {
		case "vars":
			for _, e := range entries {
				v, err := yamlx.DecodeFile(e[1], path)
				if err != nil {
					return nil, err
				}
				if err := inv.setGroupVar(group, resolveAlias(e[0]).Value, v); err != nil {
					return nil, yamlError(path, e[0], "%v", err)
				}
			}
		case "children":
			for _, e := range entries {
				child, err := inv.parseYAMLGroup(path, e[0], e[1], depth+1)
				if err != nil {
					return nil, err
				}
				if child == nil {
					continue
				}
				if err := inv.addChild(group, child); err != nil {
					return nil, yamlError(path, e[0], "%v", err)
				}
			}
		case "hosts":
			for _, e := range entries {
				if err := inv.parseYAMLHost(path, group, e[0], e[1]); err != nil {
					return nil, err
				}
			}
		default:
			if sec.Kind == yaml.MappingNode {
				inv.warn("%s:%d:%d: skipping unexpected key %q in group %q, only \"vars\", \"children\" and \"hosts\" are valid", path, p[0].Line, p[0].Column, key, name)
			} else {
				inv.warn("%s:%d:%d: skipping key %q in group %q as it is not a mapping", path, p[0].Line, p[0].Column, key, name)
			}
		}
	}
	return group, nil
}

// parseYAMLHost adds the hosts of one "pattern: {vars}" entry to group.
func (inv *Inventory) parseYAMLHost(path string, group *Group, keyNode, valNode *yaml.Node) error {
	k := resolveAlias(keyNode)
	if k.Kind != yaml.ScalarNode {
		return yamlError(path, keyNode, "host pattern must be a string")
	}
	if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.TaggedStyle) == 0 {
		if _, isString := yamlx.ResolvePlain(k.Value).(string); !isString {
			return yamlError(path, keyNode, "host pattern %s must be a string; enclose integers/floats in quotation marks", k.Value)
		}
	}
	var vars map[string]any
	if valNode != nil {
		v, err := yamlx.DecodeFile(valNode, path)
		if err != nil {
			return err
		}
		if m, ok := v.(map[string]any); ok {
			vars = m
		} else if v != nil && v != "" && v != false && v != 0 {
			return yamlError(path, valNode, "invalid variables for host %s: expected a mapping, got a %s", k.Value, typeName(v))
		}
	}
	names, port, err := expandHostPattern(k.Value, inv.rangeLimit)
	if err != nil {
		return yamlError(path, keyNode, "%v", err)
	}
	for _, n := range names {
		if n == "" {
			return yamlError(path, keyNode, "empty host name")
		}
		h := inv.placeHost(n, path, port, group)
		for key, v := range vars {
			h.Vars[key] = v
		}
	}
	inv.changed()
	return nil
}
