package yamlx

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Unsafe is a string tagged !unsafe in YAML. Template engines must use it
// verbatim and never render it.
type Unsafe string

// maxAliasNodes bounds the number of nodes produced by expanding aliases, so
// that a small document with nested aliases ("billion laughs") cannot
// exhaust memory.
const maxAliasNodes = 1_000_000

// maxDepth bounds nesting, so that deeply nested input cannot exhaust the stack.
const maxDepth = 10_000

// Decode converts a yaml.v3 node tree into Go values with YAML 1.1 scalar
// rules (see the package documentation). Errors carry the node's line and
// column but no file name; use DecodeFile to add one.
func Decode(node *yaml.Node) (any, error) {
	return DecodeFile(node, "")
}

// DecodeFile is Decode with file named in errors.
func DecodeFile(node *yaml.Node, file string) (any, error) {
	d := &decoder{file: file}
	return d.decode(node, 0)
}

type decoder struct {
	file       string
	aliasDepth int
	expanded   int
}

func (d *decoder) errorf(n *yaml.Node, format string, a ...any) error {
	return &Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, a...)}
}

func (d *decoder) decode(n *yaml.Node, depth int) (any, error) {
	if n == nil {
		return nil, nil
	}
	if depth > maxDepth {
		return nil, d.errorf(n, "YAML nested deeper than %d levels", maxDepth)
	}
	if d.aliasDepth > 0 {
		d.expanded++
		if d.expanded > maxAliasNodes {
			return nil, d.errorf(n, "aliases expand to more than %d nodes", maxAliasNodes)
		}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.decode(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, d.errorf(n, "unknown alias %q", n.Value)
		}
		d.aliasDepth++
		defer func() { d.aliasDepth-- }()
		return d.decode(n.Alias, depth+1)
	case yaml.ScalarNode:
		return d.scalar(n)
	case yaml.MappingNode:
		return d.collection(n, depth, d.mapping)
	case yaml.SequenceNode:
		return d.collection(n, depth, d.sequence)
	}
	return nil, d.errorf(n, "unexpected YAML node kind %d", n.Kind)
}

// collection decodes a mapping or a sequence, honouring the tags that may
// apply to one.
func (d *decoder) collection(n *yaml.Node, depth int, f func(*yaml.Node, int) (any, error)) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!map", "!!seq":
		case "!unsafe":
			v, err := f(n, depth)
			if err != nil {
				return nil, err
			}
			return markUnsafe(v), nil
		case "!vault":
			return nil, d.errorf(n, "vault-encrypted values are not supported yet")
		default:
			return nil, d.errorf(n, "unsupported YAML tag %s", n.Tag)
		}
	}
	return f(n, depth)
}

func (d *decoder) sequence(n *yaml.Node, depth int) (any, error) {
	out := make([]any, 0, len(n.Content))
	for _, c := range n.Content {
		v, err := d.decode(c, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *decoder) mapping(n *yaml.Node, depth int) (any, error) {
	if len(n.Content)%2 != 0 {
		return nil, d.errorf(n, "malformed mapping")
	}
	out := make(map[string]any, len(n.Content)/2)
	// Merged keys never override the mapping's own keys, wherever the merge
	// key appears, so merges are applied first.
	for i := 0; i < len(n.Content); i += 2 {
		if isMergeKey(n.Content[i]) {
			if err := d.merge(out, n.Content[i+1], depth); err != nil {
				return nil, err
			}
		}
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			continue
		}
		key, err := d.key(k)
		if err != nil {
			return nil, err
		}
		v, err := d.decode(n.Content[i+1], depth+1)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Style == 0)
}

// merge copies the mapping(s) named by a merge key's value into out. In a
// list of mappings, earlier ones win, as in PyYAML.
func (d *decoder) merge(out map[string]any, v *yaml.Node, depth int) error {
	target := v
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	switch target.Kind {
	case yaml.MappingNode:
		m, err := d.decode(v, depth+1)
		if err != nil {
			return err
		}
		mm, ok := m.(map[string]any)
		if !ok {
			return d.errorf(v, "merge key (<<) needs a mapping")
		}
		for k, x := range mm {
			out[k] = x
		}
		return nil
	case yaml.SequenceNode:
		for i := len(target.Content) - 1; i >= 0; i-- {
			c := target.Content[i]
			inner := c
			if inner.Kind == yaml.AliasNode && inner.Alias != nil {
				inner = inner.Alias
			}
			if inner.Kind != yaml.MappingNode {
				return d.errorf(c, "merge key (<<) needs a mapping or a list of mappings")
			}
			if err := d.merge(out, c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return d.errorf(v, "merge key (<<) needs a mapping or a list of mappings")
}

// key returns a mapping key as a string. Scalar keys keep their source
// text (so a host named "on" stays "on").
func (d *decoder) key(k *yaml.Node) (string, error) {
	n := k
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", d.errorf(k, "mapping keys must be scalars")
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag == "!vault" {
		return "", d.errorf(k, "vault-encrypted values are not supported yet")
	}
	return n.Value, nil
}

func (d *decoder) scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle == 0 {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return n.Value, nil
		}
		return ResolvePlain(n.Value), nil
	}
	switch n.Tag {
	case "!!str", "!!timestamp":
		return n.Value, nil
	case "!unsafe":
		return Unsafe(n.Value), nil
	case "!vault":
		return nil, d.errorf(n, "vault-encrypted values are not supported yet")
	case "!!null":
		return nil, nil
	case "!!bool":
		if b, ok := ParseBool(n.Value); ok {
			return b, nil
		}
		return nil, d.errorf(n, "cannot read %q as a boolean", n.Value)
	case "!!int":
		if intRE.MatchString(n.Value) {
			if v, ok := parseInt(n.Value); ok {
				return v, nil
			}
		}
		return nil, d.errorf(n, "cannot read %q as an integer", n.Value)
	case "!!float":
		if floatRE.MatchString(n.Value) {
			if v, ok := parseFloat(n.Value); ok {
				return v, nil
			}
		}
		if intRE.MatchString(n.Value) {
			if v, ok := parseInt(n.Value); ok {
				return float64(v), nil
			}
		}
		return nil, d.errorf(n, "cannot read %q as a float", n.Value)
	}
	return nil, d.errorf(n, "unsupported YAML tag %s", n.Tag)
}

// markUnsafe turns every string inside v into Unsafe, as Ansible does for
// a collection tagged !unsafe.
func markUnsafe(v any) any {
	switch x := v.(type) {
	case string:
		return Unsafe(x)
	case map[string]any:
		for k, e := range x {
			x[k] = markUnsafe(e)
		}
	case []any:
		for i, e := range x {
			x[i] = markUnsafe(e)
		}
	}
	return v
}
