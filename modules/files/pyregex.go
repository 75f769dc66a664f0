package files

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// compilePy compiles a Python regular expression with Go's RE2 engine,
// translating what differs: \Z becomes \z, and without multiline a bare $
// also matches before a final newline as in Python. Features RE2 lacks
// (lookaround, backreferences in the pattern, verbose mode) are refused
// with a clear error rather than silently matching something else.
func compilePy(expr string, multiline bool) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr):
			n := expr[i+1]
			i++
			switch {
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
			case n >= '1' && n <= '9' && !inClass:
				return nil, unsupported(expr, "backreferences such as \\"+string(n))
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is literal.
			if i+1 < len(expr) && expr[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '(' && strings.HasPrefix(expr[i:], "(?"):
			rest := expr[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
				return nil, unsupported(expr, "lookahead (?= …) and (?! …)")
			case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return nil, unsupported(expr, "lookbehind (?<= …) and (?<! …)")
			case strings.HasPrefix(rest, "P="):
				return nil, unsupported(expr, "named backreferences (?P=name)")
			case strings.HasPrefix(rest, "#"):
				end := strings.IndexByte(rest, ')')
				if end < 0 {
					return nil, fmt.Errorf("regexp %q: unterminated comment", expr)
				}
				i += 2 + end
				continue
			}
			if m := regexp.MustCompile(`^[aiLmsux]+\)`).FindString(rest); strings.ContainsAny(m, "x") {
				return nil, unsupported(expr, "verbose mode (?x)")
			}
			b.WriteByte(c)
		case c == '$' && !multiline:
			b.WriteString(`(?:\n?\z)`)
		default:
			b.WriteByte(c)
		}
	}
	pat := b.String()
	if multiline {
		pat = "(?m)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("regexp %q is not supported by Go's RE2 engine or is invalid: %w", expr, err)
	}
	return re, nil
}

func unsupported(expr, what string) error {
	return fmt.Errorf("regexp %q uses %s, which hactl's regular expression engine (RE2) does not support; rewrite it without them", expr, what)
}

// expandPy expands a Python replacement template (\1, \g<1>, \g<name>,
// \n, \t, \\ …) with the groups of one match; unmatched groups expand to
// nothing, as in Python 3.5+.
func expandPy(tmpl string, re *regexp.Regexp, src string, m []int) (string, error) {
	var b strings.Builder
	group := func(n int) error {
		if n < 0 || 2*n+1 >= len(m) {
			return fmt.Errorf("invalid group reference %d in %q", n, tmpl)
		}
		if m[2*n] >= 0 {
			b.WriteString(src[m[2*n]:m[2*n+1]])
		}
		return nil
	}
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			b.WriteByte(c)
			continue
		}
		i++
		n := tmpl[i]
		switch {
		case n >= '0' && n <= '9':
			j := i + 1
			if j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' {
				j++
			}
			if n == '0' {
				b.WriteByte(0)
				continue
			}
			num, _ := strconv.Atoi(tmpl[i:j])
			if err := group(num); err != nil {
				return "", err
			}
			i = j - 1
		case n == 'g' && i+1 < len(tmpl) && tmpl[i+1] == '<':
			end := strings.IndexByte(tmpl[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("missing > in group reference in %q", tmpl)
			}
			name := tmpl[i+2 : i+end]
			num, err := strconv.Atoi(name)
			if err != nil {
				if num = re.SubexpIndex(name); num < 0 {
					return "", fmt.Errorf("unknown group name %q in %q", name, tmpl)
				}
			}
			if err := group(num); err != nil {
				return "", err
			}
			i += end
		default:
			if esc, ok := pyEscapes[n]; ok {
				b.WriteString(esc)
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		}
	}
	return b.String(), nil
}

var pyEscapes = map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'a': "\a", 'b': "\b", 'f': "\f", 'v': "\v", '\\': "\\"}
