package shellx

import (
	"errors"
	"strings"
)

// Split splits s into words the way Python's shlex.split does (POSIX
// mode, no comments), which is how Ansible splits free-form command lines:
// whitespace separates words; single quotes keep everything literal; in
// double quotes a backslash escapes only '"' and '\'; outside quotes a
// backslash escapes any character. Nothing is expanded.
func Split(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	const (
		plain = iota
		single
		double
	)
	state := plain
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch state {
		case single:
			if r == '\'' {
				state = plain
			} else {
				cur.WriteRune(r)
			}
		case double:
			switch {
			case r == '"':
				state = plain
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		default:
			switch {
			case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
				if inWord {
					words = append(words, cur.String())
					cur.Reset()
					inWord = false
				}
			case r == '\'':
				state, inWord = single, true
			case r == '"':
				state, inWord = double, true
			case r == '\\':
				if i+1 >= len(rs) {
					return nil, errors.New("no escaped character after the final backslash")
				}
				i++
				cur.WriteRune(rs[i])
				inWord = true
			default:
				cur.WriteRune(r)
				inWord = true
			}
		}
	}
	if state != plain {
		return nil, errors.New("no closing quotation")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Lines splits text into lines like Python's str.splitlines: \n, \r\n, \r
// and the other Unicode line boundaries end a line; no trailing empty line.
// It never returns nil, so registered values are always a list.
func Lines(s string) []string {
	out := []string{}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			fallthrough
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteRune(rs[i])
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// Cut splits s into its first word (unquoted, as Split reads it) and the
// text after that word, unchanged. It is used where the rest of a line is
// shell text to pass on as written (the script module's arguments).
func Cut(s string) (first, rest string, err error) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	end := 0
	quote := rune(0)
	rs := []rune(s)
	for end < len(rs) {
		r := rs[end]
		if quote == 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f') {
			break
		}
		switch {
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		case quote == r:
			quote = 0
		case r == '\\' && quote != '\'' && end+1 < len(rs):
			end++
		}
		end++
	}
	words, err := Split(string(rs[:end]))
	if err != nil {
		return "", "", err
	}
	if len(words) == 0 {
		return "", "", errors.New("empty command line")
	}
	return words[0], strings.TrimSpace(string(rs[end:])), nil
}
