// Package shellx builds the small POSIX shell snippets modules send to a
// host: quoting, shell-like word splitting, remote glob and tilde handling,
// and the argument expansion Ansible's command module performs. Every value
// that reaches a shell goes through Quote (or a helper built on it), so
// quotes, $(…), backquotes, newlines and spaces stay literal.
package shellx

import (
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// Quote returns s as one shell word that the shell reads back as exactly
// s (transport.Quote).
func Quote(s string) string { return transport.Quote(s) }

// QuoteArgs quotes every word and joins them with spaces
// (transport.QuoteArgs).
func QuoteArgs(words []string) string { return transport.QuoteArgs(words) }

// Path quotes a remote path, leaving a leading "~" or "~user" bare so the
// remote shell expands it to the home directory as Ansible does for path
// arguments. Everything else is literal.
func Path(p string) string {
	tilde, rest := splitTilde(p)
	if tilde == "" {
		return Quote(p)
	}
	if rest == "" {
		return tilde
	}
	return tilde + Quote(rest)
}

// splitTilde splits "~user/rest" into "~user" and "/rest" when the user part
// is made of characters that need no quoting; otherwise tilde is "".
func splitTilde(p string) (tilde, rest string) {
	if !strings.HasPrefix(p, "~") {
		return "", p
	}
	end := strings.IndexByte(p, '/')
	if end < 0 {
		end = len(p)
	}
	user := p[1:end]
	for _, r := range user {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return "", p
		}
	}
	if end < len(p) {
		end++ // keep the slash bare: it must end the tilde prefix unquoted
	}
	return p[:end], p[end:]
}

// Glob quotes a remote glob pattern so that only its wildcards (*, ? and
// simple [...] classes) and a leading ~ stay active: no parameter
// expansion, command substitution or word splitting can happen.
func Glob(pattern string) string {
	tilde, rest := splitTilde(pattern)
	var b strings.Builder
	b.WriteString(tilde)
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			b.WriteString(Quote(lit.String()))
			lit.Reset()
		}
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch c {
		case '*', '?':
			flush()
			b.WriteByte(c)
			continue
		case '[':
			if end := strings.IndexByte(rest[i+1:], ']'); end > 0 {
				class := rest[i+1 : i+1+end]
				if isSimpleClass(class) {
					flush()
					b.WriteString("[" + class + "]")
					i += end + 1
					continue
				}
			}
		}
		lit.WriteByte(c)
	}
	flush()
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// isSimpleClass accepts bracket expressions made of letters, digits, "-",
// "_", "." and a leading "!" or "^", which need no quoting inside brackets.
func isSimpleClass(c string) bool {
	for i, r := range c {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok && !(i == 0 && (r == '!' || r == '^')) {
			return false
		}
	}
	return true
}
