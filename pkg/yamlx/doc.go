// Package yamlx decodes YAML into plain Go values the way Ansible sees them.
//
// Ansible reads YAML with PyYAML, which implements YAML 1.1: unquoted yes,
// no, on and off are booleans, 0755 is an octal integer, 1:30 is a
// sexagesimal integer (90) and 1e3 is a string. yaml.v3 implements YAML 1.2,
// so this package walks the yaml.v3 node tree and resolves plain scalars
// with YAML 1.1 rules instead.
//
// Values are map[string]any, []any, string, int, float64, bool, nil, and
// Unsafe for strings tagged !unsafe (which must never be templated).
// Merge keys (<<) and aliases are expanded. Errors name file:line:column.
package yamlx
