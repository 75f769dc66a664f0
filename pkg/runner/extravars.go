package runner

import (
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/hactl/hactl/pkg/yamlx"
)

// ParseExtraVars merges -e values in order, as ansible-playbook does: each
// is `@file` (YAML or JSON), an inline YAML/JSON mapping, or `k=v` pairs
// separated by spaces (values may be quoted).
func ParseExtraVars(values []string) (map[string]any, error) {
	out := map[string]any{}
	for _, e := range values {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case strings.HasPrefix(e, "@"):
			path := e[1:]
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("extra vars %s: %w", e, err)
			}
			m, err := decodeMapping(data, path)
			if err != nil {
				return nil, err
			}
			maps.Copy(out, m)
		case strings.HasPrefix(e, "{") || strings.HasPrefix(e, "---"):
			m, err := decodeMapping([]byte(e), "extra vars")
			if err != nil {
				return nil, err
			}
			maps.Copy(out, m)
		default:
			kv, err := SplitKV(e)
			if err != nil {
				return nil, fmt.Errorf("extra vars %q: %w", e, err)
			}
			for k, v := range kv {
				out[k] = v
			}
		}
	}
	return out, nil
}

func decodeMapping(data []byte, name string) (map[string]any, error) {
	v, err := yamlx.Unmarshal(data, name)
	if err != nil {
		return nil, fmt.Errorf("extra vars: %w", err)
	}
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("extra vars %s: expected a mapping, got %T", name, v)
	}
	return m, nil
}

// SplitKV parses `k=v k2="a b" k3='c'` into strings.
func SplitKV(s string) (map[string]string, error) {
	out := map[string]string{}
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return nil, fmt.Errorf("expected key=value at %q", s[i:])
		}
		key := s[i : i+eq]
		if strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("expected key=value at %q", s[i:])
		}
		i += eq + 1
		var val strings.Builder
		for i < len(s) && s[i] != ' ' {
			if q := s[i]; q == '"' || q == '\'' {
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					return nil, fmt.Errorf("unterminated quote in %q", s)
				}
				val.WriteString(s[i+1 : i+1+end])
				i += end + 2
				continue
			}
			val.WriteByte(s[i])
			i++
		}
		out[key] = val.String()
	}
	return out, nil
}
