package inventory

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	iniSectionRE   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupNameRE = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// iniError is a parse error at a line of an INI inventory.
func iniError(path string, line int, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, a...))
}

// pendingGroup records a group used in [x:vars] or [x:children] before
// being declared; it must be declared later in the same file.
type pendingGroup struct {
	line    int
	state   string
	parents []*Group
}

// parseINI parses an Ansible INI inventory into inv.
func (inv *Inventory) parseINI(data []byte, path string) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	lines := bytes.Split(data, []byte("\n"))
	pending := map[string]*pendingGroup{}
	var pendingOrder []string
	group := inv.groups["ungrouped"]
	state := "hosts"
	for i, raw := range lines {
		lineno := i + 1
		line := strings.TrimSpace(string(bytes.TrimSuffix(raw, []byte("\r"))))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) {
			return iniError(path, lineno, "invalid UTF-8")
		}
		if m := iniSectionRE.FindStringSubmatch(line); m != nil {
			name, kind := m[1], m[2]
			if kind == "" {
				kind = "hosts"
			}
			if kind != "hosts" && kind != "children" && kind != "vars" {
				return iniError(path, lineno, "section [%s:%s] has unknown type: %s", name, m[2], kind)
			}
			if _, ok := inv.groups[name]; !ok {
				// [g] or [g:children] declares a group; [g:vars] may only
				// refer to one declared elsewhere.
				if _, isPending := pending[name]; kind == "vars" && !isPending {
					pending[name] = &pendingGroup{line: lineno, state: "vars"}
					pendingOrder = append(pendingOrder, name)
				}
			}
			group, state = inv.addGroup(name), kind
			if p, ok := pending[name]; ok && kind != "vars" {
				if p.state == "children" {
					if err := inv.addPendingChildren(name, pending); err != nil {
						return iniError(path, p.line, "%v", err)
					}
				} else {
					delete(pending, name)
				}
			}
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			return iniError(path, lineno, "invalid section entry: %q; make sure there are no spaces and no other invalid characters in the section entry", line)
		}
		switch state {
		case "hosts":
			if err := inv.parseINIHostLine(line, path, group); err != nil {
				return iniError(path, lineno, "%v", err)
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return iniError(path, lineno, "expected key=value, got: %s", line)
			}
			if err := inv.setGroupVar(group, strings.TrimSpace(k), parseINIValue(strings.TrimSpace(v))); err != nil {
				return iniError(path, lineno, "%v", err)
			}
		case "children":
			m := iniGroupNameRE.FindStringSubmatch(line)
			if m == nil {
				return iniError(path, lineno, "expected group name, got: %s", line)
			}
			child, ok := inv.groups[m[1]]
			if !ok {
				p, isPending := pending[m[1]]
				if !isPending {
					p = &pendingGroup{line: lineno, state: "children"}
					pending[m[1]] = p
					pendingOrder = append(pendingOrder, m[1])
				}
				p.parents = append(p.parents, group)
				continue
			}
			if err := inv.addChild(group, child); err != nil {
				return iniError(path, lineno, "%v", err)
			}
		}
	}
	for _, name := range pendingOrder {
		p, ok := pending[name]
		if !ok {
			continue
		}
		if p.state == "vars" {
			return iniError(path, p.line, "section [%s:vars] not valid for undefined group: %s", name, name)
		}
		return iniError(path, p.line, "section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1].Name, name)
	}
	return nil
}

// addPendingChildren links a group, now declared, to the parents that
// named it earlier in [parent:children] sections.
func (inv *Inventory) addPendingChildren(name string, pending map[string]*pendingGroup) error {
	p := pending[name]
	delete(pending, name)
	for _, parent := range p.parents {
		if err := inv.addChild(parent, inv.groups[name]); err != nil {
			return err
		}
		if pp, ok := pending[parent.Name]; ok && pp.state == "children" {
			if err := inv.addPendingChildren(parent.Name, pending); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseINIHostLine handles "host[range][:port] key=value …".
func (inv *Inventory) parseINIHostLine(line, path string, group *Group) error {
	tokens, err := shlexSplit(line)
	if err != nil {
		return fmt.Errorf("error parsing host definition %q: %v", line, err)
	}
	if len(tokens) == 0 || tokens[0] == "" {
		return fmt.Errorf("expected a host name, got: %s", line)
	}
	pattern := tokens[0]
	names, port, err := expandHostPattern(pattern, inv.rangeLimit)
	if err != nil {
		return err
	}
	if port == 0 && strings.HasSuffix(strings.TrimSpace(pattern), ":") {
		return fmt.Errorf("invalid host pattern %q: a trailing ':' is reserved for a port", pattern)
	}
	vars := make([][2]any, 0, len(tokens)-1)
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("expected key=value host variable assignment, got: %s", t)
		}
		vars = append(vars, [2]any{k, parseINIValue(v)})
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "---" {
			return fmt.Errorf("invalid host pattern %q: '---' is normally a sign this is a YAML file", pattern)
		}
	}
	for _, n := range names {
		h := inv.placeHost(n, path, port, group)
		for _, kv := range vars {
			h.Vars[kv[0].(string)] = kv[1]
		}
	}
	if len(vars) > 0 {
		inv.changed()
	}
	return nil
}
