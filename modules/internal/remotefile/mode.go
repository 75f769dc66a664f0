package remotefile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ModeSpec is a requested mode as given in a task: an octal string
// ("0644", "644"), a symbolic string ("u=rw,g=r,o=r", "a+x"), or an
// integer. Integers are used as the mode's value, as Ansible does: YAML
// 0644 is the octal integer 420 and means rw-r--r--, but YAML 644 is the
// decimal integer 644 (0o1204) — quote modes to avoid the surprise.
type ModeSpec struct {
	raw   any
	octal uint32
	isNum bool
	sym   string
}

// ParseModeSpec validates a mode argument. nil gives a zero ModeSpec
// (IsSet false).
func ParseModeSpec(v any) (ModeSpec, error) {
	switch x := v.(type) {
	case nil:
		return ModeSpec{}, nil
	case int:
		return intMode(v, int64(x))
	case int64:
		return intMode(v, x)
	case float64:
		if x != float64(int64(x)) {
			return ModeSpec{}, fmt.Errorf("mode %v is not an integer", x)
		}
		return intMode(v, int64(x))
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return ModeSpec{}, fmt.Errorf("mode must be in octal or symbolic form")
		}
		if isOctal(s) {
			n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O"), 8, 32)
			if err != nil || n > 0o7777 {
				return ModeSpec{}, fmt.Errorf("mode %q is not a valid octal mode", x)
			}
			return ModeSpec{raw: v, octal: uint32(n), isNum: true}, nil
		}
		if _, err := ApplySymbolic(s, 0, false, 0); err != nil {
			return ModeSpec{}, err
		}
		return ModeSpec{raw: v, sym: s}, nil
	}
	return ModeSpec{}, fmt.Errorf("mode must be in octal or symbolic form, not %T", v)
}

func intMode(raw any, n int64) (ModeSpec, error) {
	if n < 0 || n > 0o7777 {
		return ModeSpec{}, fmt.Errorf("mode %d is out of range (give it as a quoted octal string such as \"0644\")", n)
	}
	return ModeSpec{raw: raw, octal: uint32(n), isNum: true}, nil
}

func isOctal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '7' {
			return false
		}
	}
	return true
}

// IsSet reports whether a mode was given.
func (m ModeSpec) IsSet() bool { return m.isNum || m.sym != "" }

// Raw returns the value as given.
func (m ModeSpec) Raw() any { return m.raw }

// Resolve returns the permission bits the mode asks for, given the
// current bits of the path (for symbolic modes), whether it is a
// directory (for X) and the host's umask (for symbolic clauses naming no
// user class).
func (m ModeSpec) Resolve(current uint32, isDir bool, umask uint32) (uint32, error) {
	if m.isNum {
		return m.octal, nil
	}
	return ApplySymbolic(m.sym, current, isDir, umask)
}

var symClause = regexp.MustCompile(`^([ugo]*|a)((?:[-+=][rwxXstugo]*)+)$`)
var symOp = regexp.MustCompile(`[-+=][rwxXstugo]*`)

// ApplySymbolic applies a chmod-style symbolic mode ("u=rw,g=r,o-rwx",
// "a+X", "g=u") to current the way Ansible does: a clause naming no class
// applies to all three, with the bits set in the umask left alone.
func ApplySymbolic(sym string, current uint32, isDir bool, umask uint32) (uint32, error) {
	mode := current & 0o7777
	for _, clause := range strings.Split(sym, ",") {
		g := symClause.FindStringSubmatch(clause)
		if g == nil {
			return 0, fmt.Errorf("mode must be in octal or symbolic form: bad symbolic permission %q", clause)
		}
		users := g[1]
		useUmask := users == ""
		if users == "" || users == "a" {
			users = "ugo"
		}
		for _, op := range symOp.FindAllString(g[2], -1) {
			operator, perms := op[0], op[1:]
			for _, u := range []byte(users) {
				bits := symbolicBits(u, perms, mode, isDir, useUmask, umask)
				switch operator {
				case '+':
					mode |= bits
				case '-':
					mode &^= bits
				case '=':
					mode = mode&^classMask(u) | bits
				}
			}
		}
	}
	return mode, nil
}

// classMask is what "=" resets for a class: its rwx bits and its special bit.
func classMask(u byte) uint32 {
	switch u {
	case 'u':
		return 0o4700
	case 'g':
		return 0o2070
	}
	return 0o1007
}

// symbolicBits returns the bits perms set for class u.
func symbolicBits(u byte, perms string, cur uint32, isDir, useUmask bool, umask uint32) uint32 {
	shift := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[u]
	var rwx, copied, special uint32
	for _, p := range perms {
		switch p {
		case 'r':
			rwx |= 4
		case 'w':
			rwx |= 2
		case 'x':
			rwx |= 1
		case 'X':
			if isDir || cur&0o111 != 0 {
				rwx |= 1
			}
		case 'u':
			copied |= cur >> 6 & 7
		case 'g':
			copied |= cur >> 3 & 7
		case 'o':
			copied |= cur & 7
		case 's':
			switch u {
			case 'u':
				special |= 0o4000
			case 'g':
				special |= 0o2000
			}
		case 't':
			if u == 'o' {
				special |= 0o1000
			}
		}
	}
	bits := rwx << shift
	if useUmask {
		bits &^= umask
	}
	return bits | copied<<shift | special
}

// Absolute returns the bits of a numeric mode, which do not depend on
// the path's current mode or the umask; ok is false for a symbolic or
// unset mode.
func (m ModeSpec) Absolute() (bits uint32, ok bool) { return m.octal, m.isNum }
