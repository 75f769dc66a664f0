package template

import (
	"fmt"
	"regexp"
	"strings"
)

// String literals in Jinja2 follow Python's escapes: an unknown escape
// such as '\.' or '\d' keeps its backslash (regular expressions rely on
// it), octal escapes have one to three digits, and '\\' may end a string.
// gonja decodes literals with Go's rules instead, which reject '\.' and
// '\0' and take the quote after '\\' for an escaped one. pyEscapes
// rewrites the literals inside {{ }} and {% %} into escapes that mean the
// same to gonja; text outside them, comments and raw blocks are copied
// as they are.

var (
	rawStart = regexp.MustCompile(`^\{%[-+]?\s*raw\s*[-+]?%\}`)
	rawEnd   = regexp.MustCompile(`\{%[-+]?\s*endraw\s*[-+]?%\}`)
)

// pyEscapes returns src with its Jinja string literals rewritten for
// gonja (see above). Text without a backslash is returned unchanged.
func pyEscapes(src string) string {
	if !strings.Contains(src, `\`) {
		return src
	}
	return mapCode(src, escapeLiterals)
}

// mapCode returns src with fn applied to the inside of every {{ }} and
// {% %} block; text, comments and raw blocks are copied unchanged.
func mapCode(src string, fn func(code string) string) string {
	var b strings.Builder
	b.Grow(len(src) + 16)
	i := 0
	for i < len(src) {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 || i+j+1 >= len(src) {
			b.WriteString(src[i:])
			break
		}
		j += i
		var closing string
		switch src[j+1] {
		case '{':
			closing = "}}"
		case '%':
			closing = "%}"
		case '#':
			closing = "#}"
		default:
			b.WriteString(src[i : j+1])
			i = j + 1
			continue
		}
		b.WriteString(src[i:j])
		if closing == "#}" {
			i = copyThrough(&b, src, j, "#}")
			continue
		}
		if closing == "%}" && rawStart.MatchString(src[j:]) {
			loc := rawEnd.FindStringIndex(src[j:])
			if loc == nil {
				b.WriteString(src[j:])
				break
			}
			b.WriteString(src[j : j+loc[1]])
			i = j + loc[1]
			continue
		}
		end := codeEnd(src, j+2, closing)
		b.WriteString(src[j : j+2])
		b.WriteString(fn(src[j+2 : end]))
		if end < len(src) {
			b.WriteString(closing)
			end += len(closing)
		}
		i = end
	}
	return b.String()
}

// copyThrough copies src from start through the first end after it (or
// to the end of src) and returns the position after it.
func copyThrough(b *strings.Builder, src string, start int, end string) int {
	k := strings.Index(src[start+2:], end)
	if k < 0 {
		b.WriteString(src[start:])
		return len(src)
	}
	stop := start + 2 + k + len(end)
	b.WriteString(src[start:stop])
	return stop
}

// codeEnd returns the position of the closing delimiter of the block
// whose code starts at k (string literals may contain it), or len(src).
func codeEnd(src string, k int, closing string) int {
	for k < len(src) {
		switch c := src[k]; {
		case c == '\'' || c == '"':
			k = literalEnd(src, k)
		case strings.HasPrefix(src[k:], closing):
			return k
		default:
			k++
		}
	}
	return k
}

// literalEnd returns the position after the literal whose opening quote
// is at start (a backslash escapes the character after it).
func literalEnd(src string, start int) int {
	k := start + 1
	for k < len(src) {
		switch src[k] {
		case src[start]:
			return k + 1
		case '\\':
			k += 2
		default:
			k++
		}
	}
	return len(src)
}

// escapeLiterals rewrites the escapes of the literals in code.
func escapeLiterals(code string) string {
	var b strings.Builder
	for k := 0; k < len(code); {
		if c := code[k]; c == '\'' || c == '"' {
			k = rewriteLiteral(&b, code, k)
			continue
		}
		b.WriteByte(code[k])
		k++
	}
	return b.String()
}

// rewriteLiteral copies the literal whose opening quote is at start and
// returns the position after its closing quote (or the end of src).
func rewriteLiteral(b *strings.Builder, src string, start int) int {
	quote := src[start]
	b.WriteByte(quote)
	k := start + 1
	for k < len(src) {
		c := src[k]
		if c == quote {
			b.WriteByte(c)
			return k + 1
		}
		if c != '\\' || k+1 >= len(src) {
			b.WriteByte(c)
			k++
			continue
		}
		k = rewriteEscape(b, src, k)
	}
	return k
}

// rewriteEscape writes the escape at src[k] ('\\' and what follows) as
// gonja must see it, and returns the position after it.
func rewriteEscape(b *strings.Builder, src string, k int) int {
	next := src[k+1]
	switch {
	case next == '\\':
		// Go's \x5c is a backslash, and leaves no backslash before a
		// closing quote for gonja's lexer to misread.
		b.WriteString(`\x5c`)
		return k + 2
	case next == '\n':
		// A backslash before a line break joins the lines.
		return k + 2
	case strings.IndexByte(`'"abfnrtv`, next) >= 0:
		b.WriteString(src[k : k+2])
		return k + 2
	case next == 'x' && hexRun(src[k+2:]) >= 2,
		next == 'u' && hexRun(src[k+2:]) >= 4,
		next == 'U' && hexRun(src[k+2:]) >= 8:
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[next]
		b.WriteString(src[k : k+2+n])
		return k + 2 + n
	case next >= '0' && next <= '7':
		v, n := 0, 0
		for n < 3 && k+1+n < len(src) && src[k+1+n] >= '0' && src[k+1+n] <= '7' {
			v = v*8 + int(src[k+1+n]-'0')
			n++
		}
		fmt.Fprintf(b, `\u%04x`, v)
		return k + 1 + n
	default:
		// Python keeps the backslash of an unknown escape.
		b.WriteString(`\x5c`)
		return k + 1
	}
}

// hexRun counts the hexadecimal digits at the start of s.
func hexRun(s string) int {
	n := 0
	for n < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[n]) >= 0 {
		n++
	}
	return n
}
