package template

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/hactl/hactl/pkg/yamlx"
)

// dataFilters serialise and parse JSON and YAML.
func dataFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"to_json":      plainFilter("to_json", filterToJSON(false)),
		"tojson":       plainFilter("tojson", filterToJSON(false)),
		"to_nice_json": plainFilter("to_nice_json", filterToJSON(true)),
		"from_json":    plainFilter("from_json", filterFromJSON),
		"to_yaml":      plainFilter("to_yaml", filterToYAML(false)),
		"to_nice_yaml": plainFilter("to_nice_yaml", filterToYAML(true)),
		"from_yaml":    plainFilter("from_yaml", filterFromYAML),
	}
}

// filterToJSON is to_json(indent=None, sort_keys=False) and
// to_nice_json(indent=4, sort_keys=True), written as Python's json.dumps
// does (ensure_ascii). Dict keys are always sorted: Go maps have no order.
func filterToJSON(nice bool) filterFunc {
	return func(in any, a *args) (any, error) {
		def := -1
		if nice {
			def = 4
		}
		indentArg, err := a.get(-1, "indent", nil)
		if err != nil {
			return nil, err
		}
		indent := def
		if indentArg != nil {
			n, ok := toInt(indentArg)
			if !ok {
				return nil, fmt.Errorf("indent must be an integer")
			}
			indent = n
		}
		ascii, err := a.boolean(-1, "ensure_ascii", true)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		if err := writeJSON(&b, export(in), indent, 0, ascii); err != nil {
			return nil, err
		}
		return b.String(), nil
	}
}

func writeJSON(b *strings.Builder, v any, indent, level int, ascii bool) error {
	newline := func(l int) {
		if indent >= 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*l))
		}
	}
	itemSep := ", "
	if indent >= 0 {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(x))
		}
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(level + 1)
			if err := writeJSON(b, item, indent, level+1, ascii); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte(']')
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(level + 1)
			writeJSONString(b, k, ascii)
			b.WriteString(": ")
			if err := writeJSON(b, x[k], indent, level+1, ascii); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte('}')
	default:
		s, ok := asString(v)
		if !ok {
			return fmt.Errorf("object of type %s is not JSON serializable", typeName(v))
		}
		writeJSONString(b, s, ascii)
	}
	return nil
}

// writeJSONString quotes s as Python's json module does.
func writeJSONString(b *strings.Builder, s string, ascii bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (ascii && r > 0x7e):
				if r > 0xffff {
					r1, r2 := utf16.EncodeRune(r)
					fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// filterFromJSON parses JSON into plain data (integers stay int).
func filterFromJSON(in any, _ *args) (any, error) {
	dec := json.NewDecoder(strings.NewReader(pyStr(in)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return fromJSONNumbers(v), nil
}

func fromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSONNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSONNumbers(x[k])
		}
	}
	return v
}

// filterFromYAML parses YAML into plain data, with YAML 1.1's scalars as
// PyYAML reads them (yes/no are booleans).
func filterFromYAML(in any, _ *args) (any, error) {
	v, err := yamlx.Unmarshal([]byte(pyStr(in)), "from_yaml")
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	return plainValue(v)
}

// filterToYAML is to_yaml (flow style for leaf collections, as PyYAML's
// default_flow_style=None) and to_nice_yaml(indent=4) (block style).
func filterToYAML(nice bool) filterFunc {
	return func(in any, a *args) (any, error) {
		def := 2
		if nice {
			def = 4
		}
		indent, err := a.integer(-1, "indent", def)
		if err != nil {
			return nil, err
		}
		if indent < 2 || indent > 9 {
			indent = 2
		}
		e := &yamlEmitter{indent: indent, flowLeaves: !nice, width: 80}
		return e.document(in)
	}
}
