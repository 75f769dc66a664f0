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
		i = rewriteCode(&b, src, j, closing)
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

// rewriteCode copies the block opening at start up to its closing
// delimiter, rewriting the string literals in it, and returns the
// position after the block.
func rewriteCode(b *strings.Builder, src string, start int, closing string) int {
	b.WriteString(src[start : start+2])
	k := start + 2
	for k < len(src) {
		c := src[k]
		if c == '\'' || c == '"' {
			k = rewriteLiteral(b, src, k)
			continue
		}
		if strings.HasPrefix(src[k:], closing) {
			b.WriteString(closing)
			return k + len(closing)
		}
		b.WriteByte(c)
		k++
	}
	return k
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
