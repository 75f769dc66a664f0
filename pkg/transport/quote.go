package transport

import "strings"

// Quote returns s quoted for a POSIX shell so that the shell reads it back
// as exactly one word equal to s: quotes, `$(…)`, backquotes, globs,
// newlines and spaces all stay literal. The empty string becomes a pair
// of single quotes.
// Words made only of characters no shell treats specially are returned
// as they are, to keep command lines readable.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if isSafeWord(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			// Close the quote, add an escaped quote, reopen.
			b.WriteString(`'\''`)
			continue
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// QuoteArgs quotes every argument with Quote and joins them with spaces,
// producing a command line that a POSIX shell splits back into args.
func QuoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = Quote(a)
	}
	return strings.Join(quoted, " ")
}

// isSafeWord reports whether s contains only characters that no POSIX
// shell (nor csh or fish) interprets.
func isSafeWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == '/' || c == ',' || c == '+' || c == ':' || c == '@':
		default:
			return false
		}
	}
	// A leading '-' is fine for the shell; '~' and '=' are excluded above
	// because of tilde expansion and zsh's =cmd expansion.
	return true
}
