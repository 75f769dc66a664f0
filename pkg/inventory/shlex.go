package inventory

import (
	"errors"
	"strings"
)

// shlexSplit splits one line like Python's shlex.split(line, comments=True)
// in POSIX mode, which Ansible uses for INI host lines: quotes are removed,
// a backslash escapes the next character outside quotes (and only '"' or
// '\' inside double quotes), and '#' outside quotes starts a comment.
func shlexSplit(line string) ([]string, error) {
	var (
		tokens []string
		tok    strings.Builder
		inTok  bool // a token has started (possibly empty, via quotes)
	)
	flush := func() {
		if inTok {
			tokens = append(tokens, tok.String())
			tok.Reset()
			inTok = false
		}
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
		case c == '#':
			flush()
			return tokens, nil
		case c == '\\':
			if i+1 >= len(rs) {
				return nil, errors.New("no escaped character")
			}
			i++
			tok.WriteRune(rs[i])
			inTok = true
		case c == '\'':
			inTok = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j >= len(rs) {
				return nil, errors.New("no closing quotation")
			}
			tok.WriteString(string(rs[i+1 : j]))
			i = j
		case c == '"':
			inTok = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				tok.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errors.New("no closing quotation")
			}
			i = j
		default:
			tok.WriteRune(c)
			inTok = true
		}
	}
	flush()
	return tokens, nil
}
