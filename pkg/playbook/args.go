package playbook

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// argToken is one whitespace-separated piece of a k=v string, with where it
// sits in the string.
type argToken struct {
	text       string
	start, end int
}

// splitArgs splits s on whitespace the way Ansible's split_args does:
// quoted strings ('…' or "…", with backslash escapes) and Jinja blocks
// ({{ … }}, {% … %}, {# … #}) are kept whole.
func splitArgs(s string) ([]argToken, error) {
	var out []argToken
	start := -1
	var quote byte
	depth := 0 // open Jinja blocks
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch c {
			case '\\':
				i++
			case quote:
				quote = 0
			}
			continue
		}
		if i+1 < len(s) {
			two := s[i : i+2]
			switch two {
			case "{{", "{%", "{#":
				if start < 0 {
					start = i
				}
				depth++
				i++
				continue
			case "}}", "%}", "#}":
				if depth > 0 {
					depth--
					i++
					continue
				}
			}
		}
		if depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if start >= 0 {
				out = append(out, argToken{text: s[start:i], start: start, end: i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
		if depth == 0 && (c == '"' || c == '\'') && startsQuote(s, start, i) {
			quote = c
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quotes in arguments %q", truncate(s, 60))
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced Jinja2 block in arguments %q", truncate(s, 60))
	}
	if start >= 0 {
		out = append(out, argToken{text: s[start:], start: start, end: len(s)})
	}
	return out, nil
}

// startsQuote reports whether the quote at i opens a quoted string: at the
// start of a token or right after key= (so that an apostrophe inside a
// word, as in "don't", is literal).
func startsQuote(s string, tokStart, i int) bool {
	return i == tokStart || s[i-1] == '='
}

// kvArgs is the result of parsing a k=v string.
type kvArgs struct {
	// opts are the k=v pairs, values unquoted.
	opts map[string]any
	// raw is the rest of the string with the extracted pairs removed
	// ("" when nothing is left).
	raw string
}

// parseKV parses a module argument string. Pairs whose key satisfies take
// are extracted into opts (all pairs when take is nil); everything else
// stays in raw, with its spacing.
func parseKV(s string, take func(key string) bool) (kvArgs, error) {
	toks, err := splitArgs(s)
	if err != nil {
		return kvArgs{}, err
	}
	res := kvArgs{opts: map[string]any{}}
	var removed [][2]int
	for _, t := range toks {
		k, v, ok := cutKV(t.text)
		if !ok || (take != nil && !take(k)) {
			continue
		}
		res.opts[k] = unquote(decodeEscapes(v))
		removed = append(removed, [2]int{t.start, t.end})
	}
	if len(removed) == 0 {
		res.raw = s
		return res, nil
	}
	var b strings.Builder
	last := 0
	for _, r := range removed {
		b.WriteString(s[last:r[0]])
		last = r[1]
		// drop the whitespace that separated the pair from what follows
		for last < len(s) && (s[last] == ' ' || s[last] == '\t') {
			last++
		}
	}
	b.WriteString(s[last:])
	res.raw = strings.TrimSpace(b.String())
	return res, nil
}

// cutKV splits a token at its first unescaped "=" when what precedes it
// is a plain argument name.
func cutKV(tok string) (key, val string, ok bool) {
	i := strings.IndexByte(tok, '=')
	if i <= 0 {
		return "", "", false
	}
	key = tok[:i]
	for j, r := range key {
		if !(r == '_' || unicode.IsLetter(r) || (j > 0 && unicode.IsDigit(r))) {
			return "", "", false
		}
	}
	return key, tok[i+1:], true
}

// unquote removes one pair of matching surrounding quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// decodeEscapes decodes the backslash escapes Ansible decodes in k=v
// values (\n, \t, \\, \", \', \xHH, \uHHHH, …); unknown escapes are kept.
func decodeEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		if r, ok := simpleEscape(n); ok {
			b.WriteString(r)
			i++
			continue
		}
		width := 0
		switch n {
		case 'x':
			width = 2
		case 'u':
			width = 4
		case 'U':
			width = 8
		}
		if width > 0 && i+2+width <= len(s) {
			if v, err := strconv.ParseUint(s[i+2:i+2+width], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
				b.WriteRune(rune(v))
				i += 1 + width
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// simpleEscape decodes the one-letter escape \c.
func simpleEscape(c byte) (string, bool) {
	switch c {
	case 'n':
		return "\n", true
	case 't':
		return "\t", true
	case 'r':
		return "\r", true
	case 'a':
		return "\a", true
	case 'b':
		return "\b", true
	case 'f':
		return "\f", true
	case 'v':
		return "\v", true
	case '\\', '"', '\'', '=':
		return string(c), true
	}
	return "", false
}
