package shellx

import (
	"fmt"
	"regexp"
	"strings"
)

// varRef matches what Python's os.path.expandvars expands: $name or
// ${name}.
var varRef = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// identifier is a name the shell can look up.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Argv returns shell code running words as one command without any shell
// interpretation. With expand, each word gets the expansion Ansible's
// command module applies on the host: $NAME and ${NAME} are replaced by
// the variable's value when it is set in the command's environment (and
// left as written otherwise), then a leading ~ or ~user becomes the home
// directory. setup holds statements to run first (possibly empty); call is
// the command and its arguments, to follow `exec` or stand alone.
func Argv(words []string, expand bool) (setup, call string) {
	if !expand || !needsExpansion(words) {
		return "", QuoteArgs(words)
	}
	var b strings.Builder
	b.WriteString("set --\n")
	for _, w := range words {
		tilde, rest := splitTilde(w)
		if !strings.Contains(w, "$") {
			fmt.Fprintf(&b, "set -- \"$@\" %s\n", Path(w))
			continue
		}
		// Build the word piece by piece in __hactl_w.
		b.WriteString("__hactl_w=" + tilde + "\n")
		last := 0
		for _, m := range varRef.FindAllStringSubmatchIndex(rest, -1) {
			lit := rest[last:m[0]]
			if lit != "" {
				fmt.Fprintf(&b, "__hactl_w=\"$__hactl_w\"%s\n", Quote(lit))
			}
			ref := rest[m[0]:m[1]]
			name := strings.TrimSuffix(strings.TrimPrefix(rest[m[2]:m[3]], "{"), "}")
			if identifier.MatchString(name) {
				fmt.Fprintf(&b, "if [ \"${%s+set}\" = set ]; then __hactl_w=\"$__hactl_w$%s\"; else __hactl_w=\"$__hactl_w\"%s; fi\n", name, name, Quote(ref))
			} else {
				fmt.Fprintf(&b, "__hactl_w=\"$__hactl_w\"%s\n", Quote(ref))
			}
			last = m[1]
		}
		if last < len(rest) {
			fmt.Fprintf(&b, "__hactl_w=\"$__hactl_w\"%s\n", Quote(rest[last:]))
		}
		b.WriteString("set -- \"$@\" \"$__hactl_w\"\n")
	}
	return b.String(), `"$@"`
}

func needsExpansion(words []string) bool {
	for _, w := range words {
		if t, _ := splitTilde(w); t != "" || varRef.MatchString(w) {
			return true
		}
	}
	return false
}
