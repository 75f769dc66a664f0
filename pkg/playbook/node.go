package playbook

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/yamlx"
)

// pair is one entry of a YAML mapping, with the key as text.
type pair struct {
	key   string
	knode *yaml.Node
	val   *yaml.Node
}

// maxMergeDepth bounds nested merge keys.
const maxMergeDepth = 32

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// nodePos is the position of n in file.
func nodePos(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// kindName names a node's kind for error messages.
func kindName(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil || isNull(n):
		return "null"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", truncate(n.Value, 40))
	}
	return "an unknown YAML node"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// isNull reports whether n is absent or a null scalar.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	if n == nil {
		return true
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if n.Style&yaml.TaggedStyle != 0 {
		return n.Tag == "!!null"
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return false
	}
	switch n.Value {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Style == 0)
}

// pairs lists the entries of a mapping node in source order. Entries
// brought in by merge keys (<<) come first and never override the
// mapping's own keys. A key written twice is an error: Ansible keeps the
// last one with a warning, and it is almost always a mistake.
func pairs(file string, n *yaml.Node) ([]pair, error) {
	m := resolve(n)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, errorf(nodePos(file, n), "expected a mapping, got %s", kindName(n))
	}
	own := map[string]bool{}
	var out []pair
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, errorf(nodePos(file, m.Content[i]), "mapping keys must be scalars")
		}
		if isMergeKey(k) {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if own[k.Value] {
			return nil, errorf(nodePos(file, k), "%q given twice in the same mapping", k.Value)
		}
		own[k.Value] = true
		out = append(out, pair{key: k.Value, knode: k, val: m.Content[i+1]})
	}
	if len(merges) == 0 {
		return out, nil
	}
	var merged []pair
	seen := map[string]bool{}
	visited := map[*yaml.Node]bool{}
	for _, v := range merges {
		if err := collectMerge(file, v, own, seen, visited, &merged, 0); err != nil {
			return nil, err
		}
	}
	return append(merged, out...), nil
}

// collectMerge appends the entries a merge key's value brings in: the
// mapping's own keys, then those it merges itself; the first occurrence
// of a key wins. Each mapping is visited once, so aliases cannot make
// the work grow exponentially.
func collectMerge(file string, v *yaml.Node, own, seen map[string]bool, visited map[*yaml.Node]bool, out *[]pair, depth int) error {
	if depth > maxMergeDepth {
		return errorf(nodePos(file, v), "merge keys (<<) nested too deeply")
	}
	t := resolve(v)
	if t == nil {
		return errorf(nodePos(file, v), "merge key (<<) needs a mapping or a list of mappings")
	}
	if visited[t] {
		return nil
	}
	visited[t] = true
	switch t.Kind {
	case yaml.SequenceNode:
		for _, c := range t.Content {
			if err := collectMerge(file, c, own, seen, visited, out, depth+1); err != nil {
				return err
			}
		}
		return nil
	case yaml.MappingNode:
		var inner []*yaml.Node
		for i := 0; i+1 < len(t.Content); i += 2 {
			k := resolve(t.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				return errorf(nodePos(file, t.Content[i]), "mapping keys must be scalars")
			}
			if isMergeKey(k) {
				inner = append(inner, t.Content[i+1])
				continue
			}
			if own[k.Value] || seen[k.Value] {
				continue
			}
			seen[k.Value] = true
			*out = append(*out, pair{key: k.Value, knode: k, val: t.Content[i+1]})
		}
		for _, m := range inner {
			if err := collectMerge(file, m, own, seen, visited, out, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return errorf(nodePos(file, v), "merge key (<<) needs a mapping or a list of mappings")
}

// decode converts a node to a plain value with YAML 1.1 rules.
func decode(file string, n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	v, err := yamlx.DecodeFile(n, file)
	if err != nil {
		return nil, fmt.Errorf("decoding YAML: %w", err)
	}
	return v, nil
}

// scalarString returns the text of a scalar node, whatever its YAML type
// (name: 42 is the name "42"). ok is false for mappings, lists and null.
func scalarString(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return "", false
	}
	return n.Value, true
}

// str reads a keyword whose value must be a string (numbers are written
// as they appear). Null gives "".
func str(file, kw string, n *yaml.Node) (string, error) {
	if isNull(n) {
		return "", nil
	}
	s, ok := scalarString(n)
	if !ok {
		return "", errorf(nodePos(file, n), "%s must be a string, got %s", kw, kindName(n))
	}
	return s, nil
}

// strList reads a string or a list of strings. With split set, a string
// is split on commas ("a, b"), as Ansible does for tags.
func strList(file, kw string, n *yaml.Node, split bool) ([]string, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	switch r.Kind {
	case yaml.ScalarNode:
		if !split {
			return []string{r.Value}, nil
		}
		var out []string
		for _, p := range strings.Split(r.Value, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(r.Content))
		for _, c := range r.Content {
			s, ok := scalarString(c)
			if !ok {
				return nil, errorf(nodePos(file, c), "%s entries must be strings, got %s", kw, kindName(c))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errorf(nodePos(file, n), "%s must be a string or a list of strings, got %s", kw, kindName(n))
}

// boolish reads an inheritable boolean keyword: nil when null, a bool, or
// a template string evaluated at run time.
func boolish(file, kw string, n *yaml.Node) (any, error) {
	v, err := decode(file, n)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, bool:
		return x, nil
	case int:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		if isTemplate(x) {
			return x, nil
		}
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "on", "true", "1", "y", "t":
			return true, nil
		case "no", "off", "false", "0", "n", "f":
			return false, nil
		}
	}
	return nil, errorf(nodePos(file, n), "%s must be a boolean, got %s", kw, kindName(n))
}

// intOrTemplate reads a number of seconds, retries, a port…: an int, or a
// template string; null gives nil.
func intOrTemplate(file, kw string, n *yaml.Node) (any, error) {
	v, err := decode(file, n)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, int:
		return x, nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string:
		if isTemplate(x) {
			return x, nil
		}
		if i, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return i, nil
		}
	}
	return nil, errorf(nodePos(file, n), "%s must be an integer or a template, got %s", kw, kindName(n))
}

// plainInt reads a keyword that must be a literal integer.
func plainInt(file, kw string, n *yaml.Node) (int, error) {
	v, err := intOrTemplate(file, kw, n)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case nil:
		return 0, nil
	case int:
		if x < 0 {
			return 0, errorf(nodePos(file, n), "%s must not be negative", kw)
		}
		return x, nil
	}
	return 0, errorf(nodePos(file, n), "%s must be a literal integer here, got %s", kw, kindName(n))
}

// varsMap reads a vars: mapping. Ansible also accepts a list of mappings
// (merged in order).
func varsMap(file, kw string, n *yaml.Node) (map[string]any, error) {
	r := resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind == yaml.SequenceNode {
		out := map[string]any{}
		for _, c := range r.Content {
			m, err := varsMap(file, kw, c)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
	if r.Kind != yaml.MappingNode {
		return nil, errorf(nodePos(file, n), "%s must be a mapping, got %s", kw, kindName(n))
	}
	v, err := decode(file, r)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// isTemplate reports whether s holds Jinja markup.
func isTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}
