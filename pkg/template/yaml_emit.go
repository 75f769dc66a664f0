package template

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// yamlEmitter writes plain data as PyYAML's yaml.dump does with Ansible's
// options (allow_unicode, sorted keys), so to_yaml/to_nice_yaml output
// matches Ansible's for the usual data: the same quoting decisions, flow
// style for leaf collections in to_yaml, indentless sequences in mappings,
// long scalars and flow collections folded past column 80.
type yamlEmitter struct {
	indent     int
	flowLeaves bool
	width      int
	b          strings.Builder
	column     int
}

func (e *yamlEmitter) write(s string) {
	e.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.column = len([]rune(s[i+1:]))
	} else {
		e.column += len([]rune(s))
	}
}

func (e *yamlEmitter) newline(indent int) {
	e.write("\n" + strings.Repeat(" ", indent))
}

// document writes v as one YAML document.
func (e *yamlEmitter) document(v any) (string, error) {
	v = export(v)
	switch v.(type) {
	case []any, map[string]any:
		if err := e.node(v, 0, false, true); err != nil {
			return "", err
		}
		e.write("\n")
	default:
		s, plain, err := e.scalar(v, 0, false)
		if err != nil {
			return "", err
		}
		// PyYAML ends a plain scalar document with "...", which Ansible's
		// to_yaml output does not show.
		_ = plain
		e.write(s + "\n")
	}
	return e.b.String(), nil
}

func isLeafCollection(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if isCollection(item) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, item := range x {
			if isCollection(item) {
				return false
			}
		}
		return true
	}
	return false
}

func isCollection(v any) bool {
	switch v.(type) {
	case []any, pyTuple, map[string]any:
		return true
	}
	return false
}

func isEmptyCollection(v any) bool {
	switch x := v.(type) {
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// node writes a value at the current position; indent is the block indent
// of its lines. top marks the document root.
func (e *yamlEmitter) node(v any, indent int, flow bool, top bool) error {
	if isCollection(v) && (flow || isEmptyCollection(v) || e.flowLeaves && isLeafCollection(v)) {
		return e.flowNode(v, indent+e.indent)
	}
	switch x := v.(type) {
	case []any:
		return e.blockSeq(x, indent, !top)
	case map[string]any:
		return e.blockMap(x, indent, !top)
	}
	return e.plainScalar(v, indent)
}

// blockSeq writes the items of a block sequence at indent, each on a new
// line but the first unless breakFirst.
func (e *yamlEmitter) blockSeq(x []any, indent int, breakFirst bool) error {
	for i, item := range x {
		if i > 0 || breakFirst {
			e.newline(indent)
		}
		e.dash(item)
		if err := e.seqItem(item, indent+e.indent); err != nil {
			return err
		}
	}
	return nil
}

// blockMap writes the entries of a block mapping at indent, keys sorted,
// each on a new line but the first unless breakFirst.
func (e *yamlEmitter) blockMap(x map[string]any, indent int, breakFirst bool) error {
	for i, k := range sortedKeysBytewise(x) {
		if i > 0 || breakFirst {
			e.newline(indent)
		}
		if err := e.mapEntry(k, x[k], indent); err != nil {
			return err
		}
	}
	return nil
}

// plainScalar writes a scalar where it stands.
func (e *yamlEmitter) plainScalar(v any, indent int) error {
	s, _, err := e.scalar(v, indent, false)
	if err != nil {
		return err
	}
	e.write(s)
	return nil
}

// dash writes a sequence indicator: "- " before a scalar or flow
// collection, "-" padded to the indent before a block collection.
func (e *yamlEmitter) dash(item any) {
	if isCollection(item) && !isEmptyCollection(item) && !(e.flowLeaves && isLeafCollection(item)) {
		e.write("-" + strings.Repeat(" ", e.indent-1))
		return
	}
	e.write("- ")
}

// seqItem writes a sequence item after "- ", at item indent.
func (e *yamlEmitter) seqItem(item any, indent int) error {
	switch x := item.(type) {
	case []any:
		if isEmptyCollection(x) || e.flowLeaves && isLeafCollection(x) {
			return e.flowNode(x, indent)
		}
		return e.blockSeq(x, indent, false)
	case map[string]any:
		if isEmptyCollection(x) || e.flowLeaves && isLeafCollection(x) {
			return e.flowNode(x, indent)
		}
		return e.blockMap(x, indent, false)
	}
	return e.plainScalar(item, indent)
}

// mapEntry writes "key: value" in a block mapping at indent.
func (e *yamlEmitter) mapEntry(k string, v any, indent int) error {
	key, _, err := e.scalar(k, indent, false)
	if err != nil {
		return err
	}
	e.write(key + ":")
	switch x := v.(type) {
	case []any:
		if isEmptyCollection(x) || e.flowLeaves && isLeafCollection(x) {
			e.write(" ")
			return e.flowNode(x, indent+e.indent)
		}
		// PyYAML writes sequences in mappings without extra indentation.
		return e.blockSeq(x, indent, true)
	case map[string]any:
		if isEmptyCollection(x) || e.flowLeaves && isLeafCollection(x) {
			e.write(" ")
			return e.flowNode(x, indent+e.indent)
		}
		return e.blockMap(x, indent+e.indent, true)
	}
	s, _, err := e.scalar(v, indent+e.indent, false)
	if err != nil {
		return err
	}
	e.write(" " + s)
	return nil
}

// flowNode writes [a, b] or {k: v}, folding before an item once past the
// width, continuation lines at indent.
func (e *yamlEmitter) flowNode(v any, indent int) error {
	sep := func(i int) {
		if i == 0 {
			return
		}
		e.write(",")
		if e.column > e.width {
			e.newline(indent)
		} else {
			e.write(" ")
		}
	}
	switch x := v.(type) {
	case []any:
		e.write("[")
		for i, item := range x {
			sep(i)
			if isCollection(item) {
				if err := e.flowNode(item, indent+e.indent); err != nil {
					return err
				}
				continue
			}
			s, _, err := e.scalar(item, indent+e.indent, true)
			if err != nil {
				return err
			}
			e.write(s)
		}
		e.write("]")
	case map[string]any:
		e.write("{")
		for i, k := range sortedKeysBytewise(x) {
			sep(i)
			key, _, err := e.scalar(k, indent, true)
			if err != nil {
				return err
			}
			e.write(key + ": ")
			if isCollection(x[k]) {
				if err := e.flowNode(x[k], indent+e.indent); err != nil {
					return err
				}
				continue
			}
			s, _, err := e.scalar(x[k], indent+e.indent, true)
			if err != nil {
				return err
			}
			e.write(s)
		}
		e.write("}")
	}
	return nil
}

var (
	yamlBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// scalar formats a scalar; plain reports the plain style (for "...").
func (e *yamlEmitter) scalar(v any, indent int, flow bool) (string, bool, error) {
	switch x := v.(type) {
	case nil:
		return "null", true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	case int:
		return strconv.Itoa(x), true, nil
	case float64:
		switch {
		case math.IsNaN(x):
			return ".nan", true, nil
		case math.IsInf(x, 1):
			return ".inf", true, nil
		case math.IsInf(x, -1):
			return "-.inf", true, nil
		}
		s := pyFloat(x)
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return s, true, nil
	}
	s, ok := asString(v)
	if !ok {
		return "", false, fmt.Errorf("cannot represent %s in YAML", typeName(v))
	}
	switch e.style(s, flow) {
	case 'p':
		return e.fold(s, indent, false), true, nil
	case '\'':
		return e.fold(s, indent, true), false, nil
	}
	return yamlDoubleQuote(s), false, nil
}

// style picks PyYAML's style for a string: plain, single or double quoted.
func (e *yamlEmitter) style(s string, flow bool) byte {
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || r == 0x85 || !unicode.IsPrint(r) && r != ' ') {
			return '"'
		}
	}
	if s == "" || yamlBool.MatchString(s) || yamlFloat.MatchString(s) || yamlInt.MatchString(s) ||
		yamlNull.MatchString(s) || yamlTime.MatchString(s) || s == "<<" || s == "=" {
		return '\''
	}
	if strings.ContainsAny(s, "\n") || s[0] == ' ' || s[len(s)-1] == ' ' {
		if strings.HasPrefix(s, " ") && strings.Contains(s, "\n") {
			return '"'
		}
		return '\''
	}
	if strings.ContainsRune("#,[]{}&*!|>'\"%@`", rune(s[0])) {
		return '\''
	}
	if strings.ContainsRune("-?:", rune(s[0])) && (len(s) == 1 || s[1] == ' ') {
		return '\''
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return '\''
	}
	if flow && strings.ContainsAny(s, ",?[]{}") {
		return '\''
	}
	return 'p'
}

// fold writes a plain or single-quoted scalar, breaking at a single space
// once past the width, and (quoted) writing each line break doubled.
func (e *yamlEmitter) fold(s string, indent int, quoted bool) string {
	var b strings.Builder
	col := e.column
	pad := strings.Repeat(" ", indent)
	if quoted {
		b.WriteByte('\'')
		col++
	}
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' && i > 0 && i+1 < len(runes) && runes[i-1] != ' ' && runes[i+1] != ' ' && col > e.width:
			b.WriteString("\n" + pad)
			col = indent
		case r == '\n' && quoted:
			j := i
			for j < len(runes) && runes[j] == '\n' {
				j++
			}
			b.WriteString(strings.Repeat("\n", j-i+1) + pad)
			col = indent
			i = j - 1
		case r == '\'' && quoted:
			b.WriteString("''")
			col += 2
		default:
			b.WriteRune(r)
			col++
		}
	}
	if quoted {
		b.WriteByte('\'')
	}
	return b.String()
}

// yamlDoubleQuote writes a double-quoted scalar with YAML escapes.
func yamlDoubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\0`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			case !unicode.IsPrint(r) && r != ' ':
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sortedKeysBytewise orders keys as Python's sorted() (sort_keys=True).
func sortedKeysBytewise(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
