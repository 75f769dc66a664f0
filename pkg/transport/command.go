package transport

import (
	"fmt"
	"sort"
	"strings"
)

// The SSH transport sends `exec /bin/sh -c '<script>'` to the login shell
// of the remote user (bash, zsh, …): the command always runs under /bin/sh,
// whatever that shell, at the cost of one exec and no extra round trip.
// The script sets the working directory and the environment first, with
// every value quoted so that `$`, quotes and newlines stay literal.

// shellScript prefixes cmd with the chdir and exports opt asks for; the
// result is meant for /bin/sh -c.
func shellScript(cmd string, opt RunOpts) (string, error) {
	if opt.Dir == "" && len(opt.Env) == 0 {
		return cmd, nil
	}
	var b strings.Builder
	if opt.Dir != "" {
		// A failed cd must not run cmd elsewhere.
		fmt.Fprintf(&b, "cd -- %s || exit 1\n", Quote(opt.Dir))
	}
	if len(opt.Env) > 0 {
		names := make([]string, 0, len(opt.Env))
		for k := range opt.Env {
			if !validEnvName(k) {
				return "", fmt.Errorf("invalid environment variable name %q", k)
			}
			names = append(names, k)
		}
		sort.Strings(names)
		b.WriteString("export")
		for _, k := range names {
			fmt.Fprintf(&b, " %s=%s", k, Quote(opt.Env[k]))
		}
		b.WriteByte('\n')
	}
	b.WriteString(cmd)
	return b.String(), nil
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
