package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// compactJSON formats v on one line with sorted keys and the separators
// Ansible's output uses (", " and ": ").
func compactJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v, "", "")
	return b.String()
}

// indentJSON formats v with four-space indentation, as Ansible prints
// debug results.
func indentJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v, "    ", "")
	return b.String()
}

func writeJSON(b *strings.Builder, v any, indent, prefix string) {
	nl := func(p string) {
		if indent != "" {
			b.WriteString("\n" + p)
		}
	}
	sep := ", "
	if indent != "" {
		sep = ","
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{")
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(prefix + indent)
			writeString(b, k)
			b.WriteString(": ")
			writeJSON(b, x[k], indent, prefix+indent)
		}
		nl(prefix)
		b.WriteString("}")
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(prefix + indent)
			writeJSON(b, e, indent, prefix+indent)
		}
		nl(prefix)
		b.WriteString("]")
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		writeJSON(b, l, indent, prefix)
	case string:
		writeString(b, x)
	case fmt.Stringer:
		writeString(b, x.String())
	default:
		data, err := json.Marshal(x)
		if err != nil {
			writeString(b, fmt.Sprint(x))
			return
		}
		b.Write(data)
	}
}

func writeString(b *strings.Builder, s string) {
	data, _ := json.Marshal(s)
	// encoding/json escapes <, > and & for HTML; Ansible does not.
	out := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(data))
	b.WriteString(out)
}
