package inventory

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hactl/hactl/pkg/pyjson"
)

// parseINIValue converts an INI value as Ansible does: Python's
// ast.literal_eval when the text is a Python literal (5, 'x', True, [1, 2],
// {'a': 1}), the text itself otherwise.
func parseINIValue(s string) any {
	if v, ok := pyLiteral(s); ok {
		return v
	}
	return s
}

// pyLiteral evaluates a Python literal expression: numbers, strings and
// bytes (adjacent ones concatenated), True, False, None, and lists, tuples,
// dicts and sets of those. Complex numbers and anything else are rejected.
func pyLiteral(s string) (any, bool) {
	p := &pyParser{s: s}
	p.skip()
	v, ok := p.expr(0)
	if !ok {
		return nil, false
	}
	p.skip()
	return v, p.i == len(p.s)
}

type pyParser struct {
	s string
	i int
}

// maxLiteralDepth bounds nesting of containers in one literal.
const maxLiteralDepth = 200

var pyNumberRE = regexp.MustCompile(`^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)`)

// skip passes over whitespace and comments.
func (p *pyParser) skip() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\f':
			p.i++
		case '#':
			p.i = len(p.s)
		default:
			return
		}
	}
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) expr(depth int) (any, bool) {
	if depth > maxLiteralDepth {
		return nil, false
	}
	p.skip()
	c := p.peek()
	switch {
	case c == '+' || c == '-':
		p.i++
		p.skip()
		v, ok := p.number()
		if !ok {
			return nil, false
		}
		if c == '-' {
			switch x := v.(type) {
			case int:
				if x == math.MinInt {
					return nil, false
				}
				return -x, true
			case float64:
				return -x, true
			}
		}
		return v, true
	case c >= '0' && c <= '9', c == '.':
		return p.number()
	case c == '\'' || c == '"':
		return p.strings()
	case c == '[':
		p.i++
		items, ok := p.items(']', depth)
		if !ok {
			return nil, false
		}
		return items, true
	case c == '(':
		return p.tuple(depth)
	case c == '{':
		return p.dictOrSet(depth)
	case isIdentStart(c):
		start := p.i
		for p.i < len(p.s) && isIdentChar(p.s[p.i]) {
			p.i++
		}
		word := p.s[start:p.i]
		if q := p.peek(); (q == '\'' || q == '"') && len(word) <= 2 {
			p.i = start
			return p.strings()
		}
		switch word {
		case "True":
			return true, true
		case "False":
			return false, true
		case "None":
			return nil, true
		}
	}
	return nil, false
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func (p *pyParser) number() (any, bool) {
	m := pyNumberRE.FindString(p.s[p.i:])
	if m == "" {
		return nil, false
	}
	p.i += len(m)
	if p.i < len(p.s) && (isIdentChar(p.s[p.i]) || p.s[p.i] == '.') {
		return nil, false // 5j, 1abc, 1.2.3
	}
	txt := strings.ReplaceAll(m, "_", "")
	if len(txt) > 1 && (txt[1] == 'x' || txt[1] == 'X' || txt[1] == 'o' || txt[1] == 'O' || txt[1] == 'b' || txt[1] == 'B') && txt[0] == '0' {
		v, err := strconv.ParseInt(txt, 0, 64)
		return int(v), err == nil
	}
	if strings.ContainsAny(txt, ".eE") {
		v, err := strconv.ParseFloat(txt, 64)
		return v, err == nil
	}
	if txt[0] == '0' && strings.Trim(txt, "0") != "" {
		return nil, false // 0755 is a syntax error in Python 3
	}
	v, err := strconv.ParseInt(txt, 10, 64)
	return int(v), err == nil
}

// strings parses one or more adjacent string literals.
func (p *pyParser) strings() (any, bool) {
	var b strings.Builder
	n := 0
	for {
		p.skip()
		save := p.i
		s, ok := p.stringLit()
		if !ok {
			if n == 0 {
				return nil, false
			}
			p.i = save
			return b.String(), true
		}
		b.WriteString(s)
		n++
	}
}

func (p *pyParser) stringLit() (string, bool) {
	raw := false
	start := p.i
	for p.i < len(p.s) && p.i-start < 3 {
		c := p.s[p.i]
		switch c {
		case 'r', 'R':
			raw = true
		case 'u', 'U', 'b', 'B':
		default:
			goto quote
		}
		p.i++
	}
quote:
	q := p.peek()
	if q != '\'' && q != '"' || p.i-start > 2 {
		p.i = start
		return "", false
	}
	delim := string(q)
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	p.i += len(delim)
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", false
		}
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return b.String(), true
		}
		c := p.s[p.i]
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		if raw {
			b.WriteString(p.s[p.i : p.i+2])
			p.i += 2
			continue
		}
		if !p.escape(&b) {
			return "", false
		}
	}
}

// escape decodes the backslash escape at p.i into b.
func (p *pyParser) escape(b *strings.Builder) bool {
	e := p.s[p.i+1]
	simple := map[byte]string{'\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v"}
	if r, ok := simple[e]; ok {
		b.WriteString(r)
		p.i += 2
		return true
	}
	hex := func(n int) bool {
		if p.i+2+n > len(p.s) {
			return false
		}
		v, err := strconv.ParseUint(p.s[p.i+2:p.i+2+n], 16, 32)
		if err != nil || v > utf8.MaxRune {
			return false
		}
		b.WriteRune(rune(v))
		p.i += 2 + n
		return true
	}
	switch {
	case e == 'x':
		return hex(2)
	case e == 'u':
		return hex(4)
	case e == 'U':
		return hex(8)
	case e == 'N':
		return false
	case e >= '0' && e <= '7':
		j := p.i + 1
		for j < len(p.s) && j < p.i+4 && p.s[j] >= '0' && p.s[j] <= '7' {
			j++
		}
		v, _ := strconv.ParseUint(p.s[p.i+1:j], 8, 32)
		b.WriteRune(rune(v))
		p.i = j
		return true
	}
	b.WriteByte('\\')
	p.i++
	return true
}

// items parses comma-separated expressions up to the closing byte.
func (p *pyParser) items(closing byte, depth int) ([]any, bool) {
	out := []any{}
	for {
		p.skip()
		if p.peek() == closing {
			p.i++
			return out, true
		}
		v, ok := p.expr(depth + 1)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.skip()
		switch p.peek() {
		case ',':
			p.i++
		case closing:
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

func (p *pyParser) tuple(depth int) (any, bool) {
	p.i++ // (
	p.skip()
	if p.peek() == ')' {
		p.i++
		return []any{}, true
	}
	first, ok := p.expr(depth + 1)
	if !ok {
		return nil, false
	}
	p.skip()
	switch p.peek() {
	case ')':
		p.i++
		return first, true
	case ',':
		p.i++
		rest, ok := p.items(')', depth)
		if !ok {
			return nil, false
		}
		return append([]any{first}, rest...), true
	}
	return nil, false
}

func (p *pyParser) dictOrSet(depth int) (any, bool) {
	p.i++ // {
	p.skip()
	if p.peek() == '}' {
		p.i++
		return map[string]any{}, true
	}
	first, ok := p.expr(depth + 1)
	if !ok {
		return nil, false
	}
	p.skip()
	if p.peek() != ':' {
		// A set: Go has none, so it becomes a list.
		switch p.peek() {
		case '}':
			p.i++
			return []any{first}, true
		case ',':
			p.i++
			rest, ok := p.items('}', depth)
			if !ok {
				return nil, false
			}
			return append([]any{first}, rest...), true
		}
		return nil, false
	}
	out := map[string]any{}
	key := first
	for {
		p.i++ // :
		v, ok := p.expr(depth + 1)
		if !ok {
			return nil, false
		}
		k, ok := pyKeyString(key)
		if !ok {
			return nil, false
		}
		out[k] = v
		p.skip()
		switch p.peek() {
		case '}':
			p.i++
			return out, true
		case ',':
			p.i++
		default:
			return nil, false
		}
		p.skip()
		if p.peek() == '}' {
			p.i++
			return out, true
		}
		if key, ok = p.expr(depth + 1); !ok {
			return nil, false
		}
		p.skip()
		if p.peek() != ':' {
			return nil, false
		}
	}
}

// pyKeyString renders a hashable Python literal used as a dict key as the
// string Go maps need. Lists and dicts are not hashable in Python.
func pyKeyString(k any) (string, bool) {
	switch x := k.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return pyFloat(x), true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case nil:
		return "None", true
	}
	return "", false
}

// pyFloat formats a float as Python's repr does.
func pyFloat(f float64) string { return pyjson.FormatFloat(f) }
