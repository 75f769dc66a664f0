package remotefile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// Attrs are the attributes a task asks for; empty fields are left alone.
type Attrs struct {
	Mode  ModeSpec
	Owner string // user name or numeric id
	Group string // group name or numeric id
}

// AttrsFromArgs reads the usual mode/owner/group arguments.
func AttrsFromArgs(mode any, owner, group string) (Attrs, error) {
	m, err := ParseModeSpec(mode)
	if err != nil {
		return Attrs{}, err
	}
	return Attrs{Mode: m, Owner: owner, Group: group}, nil
}

// AttrPlan is the attribute change a path needs.
type AttrPlan struct {
	Owner, Group string // "" when unchanged
	Mode         uint32
	SetMode      bool
	// Before and After describe the changed attributes for --diff.
	Before, After map[string]string
}

// Empty reports whether nothing needs to change.
func (p AttrPlan) Empty() bool { return p.Owner == "" && p.Group == "" && !p.SetMode }

// PlanAttrs compares a with the state s of an existing path. For symlinks
// not followed, the mode is not planned (Linux cannot chmod a link).
func (a Attrs) PlanAttrs(s State) (AttrPlan, error) {
	p := AttrPlan{Before: map[string]string{}, After: map[string]string{}}
	if a.Owner != "" && !sameID(a.Owner, s.Owner, s.UID) {
		p.Owner = a.Owner
		p.Before["owner"], p.After["owner"] = idText(s.Owner, s.UID), a.Owner
	}
	if a.Group != "" && !sameID(a.Group, s.Group, s.GID) {
		p.Group = a.Group
		p.Before["group"], p.After["group"] = idText(s.Group, s.GID), a.Group
	}
	if a.Mode.IsSet() && s.Type != TypeLink {
		want, err := a.Mode.Resolve(s.Mode, s.Type == TypeDirectory, s.Umask)
		if err != nil {
			return AttrPlan{}, err
		}
		if want != s.Mode {
			p.Mode, p.SetMode = want, true
			p.Before["mode"], p.After["mode"] = FormatMode(s.Mode), FormatMode(want)
		}
	}
	return p, nil
}

// sameID reports whether want (a name or a number) names the owner
// currently holding the path.
func sameID(want, name string, id int) bool {
	if n, err := strconv.Atoi(want); err == nil {
		return n == id
	}
	return want == name
}

func idText(name string, id int) string {
	if name != "" {
		return name
	}
	return strconv.Itoa(id)
}

// Script returns shell commands applying the plan to the path held in the
// shell variable named by pathVar (chown first: it may clear setuid bits).
// With noFollow, a symlink itself is changed (chown -h) and never chmod'ed.
func (p AttrPlan) Script(pathVar string, noFollow bool) string {
	var b strings.Builder
	h := ""
	if noFollow {
		h = "-h "
	}
	if p.Owner != "" {
		fmt.Fprintf(&b, "chown %s-- %s \"$%s\" || exit 1\n", h, transport.Quote(p.Owner), pathVar)
	}
	if p.Group != "" {
		fmt.Fprintf(&b, "chgrp %s-- %s \"$%s\" || exit 1\n", h, transport.Quote(p.Group), pathVar)
	}
	if p.SetMode {
		if noFollow {
			fmt.Fprintf(&b, "[ -L \"$%s\" ] || chmod %04o \"$%s\" || exit 1\n", pathVar, p.Mode, pathVar)
		} else {
			fmt.Fprintf(&b, "chmod %04o \"$%s\" || exit 1\n", p.Mode, pathVar)
		}
	}
	return b.String()
}
