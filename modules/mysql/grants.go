package mysql

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// privSet is a set of privilege names for one object; "GRANT" stands for
// WITH GRANT OPTION.
type privSet map[string]bool

// grants maps a normalised object ("db.*", "db.tbl", "*.*") to its
// privileges.
type grants map[string]privSet

// normPriv upper-cases a privilege and spells ALL as ALL PRIVILEGES.
func normPriv(p string) string {
	p = strings.Join(strings.Fields(strings.ToUpper(p)), " ")
	if p == "ALL" {
		return "ALL PRIVILEGES"
	}
	return p
}

// normObject removes backtick quoting: `db`.`t` → db.t.
func normObject(o string) (string, error) {
	o = strings.TrimSpace(o)
	parts, err := splitObject(o)
	if err != nil {
		return "", err
	}
	return parts[0] + "." + parts[1], nil
}

// splitObject splits "db.tbl" (either part possibly backtick-quoted) at
// the dot outside quotes.
func splitObject(o string) ([2]string, error) {
	var parts []string
	var cur strings.Builder
	inq := false
	for i := 0; i < len(o); i++ {
		ch := o[i]
		switch {
		case ch == '`' && inq && i+1 < len(o) && o[i+1] == '`':
			cur.WriteByte('`')
			i++
		case ch == '`':
			inq = !inq
		case ch == '.' && !inq:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	parts = append(parts, cur.String())
	if inq || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return [2]string{}, fmt.Errorf("invalid privilege object %q (want db.table, db.* or *.*)", o)
	}
	return [2]string{parts[0], parts[1]}, nil
}

// quoteObject renders a normalised object for GRANT/REVOKE.
func quoteObject(o string) string {
	p, err := splitObject(o)
	if err != nil {
		return o
	}
	q := func(s string) string {
		if s == "*" {
			return s
		}
		return ident(s)
	}
	return q(p[0]) + "." + q(p[1])
}

// splitPrivs splits "SELECT (a, b),INSERT" at commas outside parentheses.
func splitPrivs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parsePriv reads community.mysql's priv argument: a string
// "db.*:ALL,GRANT/other.*:SELECT" or a mapping {"db.*": "ALL,GRANT"}.
func parsePriv(v any) (grants, error) {
	g := grants{}
	add := func(obj, privs string) error {
		o, err := normObject(obj)
		if err != nil {
			return err
		}
		set := privSet{}
		for _, p := range splitPrivs(privs) {
			p = normPriv(p)
			switch p {
			case "", "USAGE":
				continue
			case "REQUIRESSL":
				return fmt.Errorf("privilege REQUIRESSL is not supported; use the server's REQUIRE options")
			}
			set[p] = true
		}
		g[o] = set
		return nil
	}
	switch x := v.(type) {
	case string:
		for part := range strings.SplitSeq(x, "/") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			i := strings.LastIndex(part, ":")
			if i < 0 {
				return nil, fmt.Errorf("priv %q: want object:privileges", part)
			}
			if err := add(part[:i], part[i+1:]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := add(k, fmt.Sprint(x[k])); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("priv must be a string or a mapping, got %T", v)
	}
	return g, nil
}

// parseShowGrants reads SHOW GRANTS lines into grants. Proxy and role
// grants are ignored; USAGE alone means no privilege.
func parseShowGrants(lines []string) (grants, error) {
	g := grants{}
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l, "GRANT ")
		if !ok {
			continue
		}
		on := strings.Index(rest, " ON ")
		if on < 0 {
			continue // a role grant
		}
		privs := rest[:on]
		if strings.HasPrefix(privs, "PROXY") {
			continue
		}
		after := rest[on+4:]
		to := strings.Index(after, " TO ")
		if to < 0 {
			return nil, fmt.Errorf("cannot read grant %q", l)
		}
		objText := after[:to]
		if strings.HasPrefix(objText, "PROCEDURE ") || strings.HasPrefix(objText, "FUNCTION ") || strings.HasPrefix(objText, "PACKAGE ") {
			continue
		}
		obj, err := normObject(objText)
		if err != nil {
			return nil, err
		}
		set := g[obj]
		if set == nil {
			set = privSet{}
		}
		for _, p := range splitPrivs(privs) {
			if p = normPriv(p); p != "USAGE" && p != "" {
				set[p] = true
			}
		}
		if strings.HasSuffix(after, " WITH GRANT OPTION") || strings.Contains(after, " WITH GRANT OPTION ") {
			set["GRANT"] = true
		}
		if len(set) > 0 {
			g[obj] = set
		} else if _, seen := g[obj]; !seen && obj != "*.*" {
			g[obj] = set
		}
	}
	return g, nil
}

// text renders a privilege set for GRANT (without GRANT OPTION).
func (s privSet) text() string {
	var ps []string
	for _, p := range slices.Sorted(maps.Keys(s)) {
		if p != "GRANT" {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return "USAGE"
	}
	return strings.Join(ps, ", ")
}

func (s privSet) equal(o privSet) bool { return maps.Equal(s, o) }

// minus returns the privileges of s not in o.
func (s privSet) minus(o privSet) privSet {
	out := privSet{}
	for p := range s {
		if !o[p] {
			out[p] = true
		}
	}
	return out
}

// String renders grants in the priv argument's syntax, sorted, for diffs.
func (g grants) String() string {
	var parts []string
	for _, o := range slices.Sorted(maps.Keys(g)) {
		ps := slices.Sorted(maps.Keys(g[o]))
		if len(ps) == 0 {
			ps = []string{"USAGE"}
		}
		parts = append(parts, o+":"+strings.Join(ps, ","))
	}
	return strings.Join(parts, "/")
}

// grantPlan returns the statements turning cur into want for account acc.
// With appendOnly nothing is revoked; subtract revokes want's privileges
// instead of granting them.
func grantPlan(acc string, cur, want grants, appendOnly, subtract bool) []string {
	var sql []string
	revokeAll := func(o string, have privSet) {
		if len(have.minus(privSet{"GRANT": true})) > 0 {
			sql = append(sql, "REVOKE ALL PRIVILEGES ON "+quoteObject(o)+" FROM "+acc)
		}
		if have["GRANT"] {
			sql = append(sql, "REVOKE GRANT OPTION ON "+quoteObject(o)+" FROM "+acc)
		}
	}
	grant := func(o string, s privSet) {
		stmt := "GRANT " + s.text() + " ON " + quoteObject(o) + " TO " + acc
		if s["GRANT"] {
			stmt += " WITH GRANT OPTION"
		}
		sql = append(sql, stmt)
	}
	for _, o := range slices.Sorted(maps.Keys(want)) {
		w, have := want[o], cur[o]
		switch {
		case subtract:
			drop := privSet{}
			for p := range w {
				if have[p] {
					drop[p] = true
				}
			}
			if len(drop) == 0 {
				continue
			}
			if ps := drop.minus(privSet{"GRANT": true}); len(ps) > 0 {
				sql = append(sql, "REVOKE "+ps.text()+" ON "+quoteObject(o)+" FROM "+acc)
			}
			if drop["GRANT"] {
				sql = append(sql, "REVOKE GRANT OPTION ON "+quoteObject(o)+" FROM "+acc)
			}
		case appendOnly:
			if add := w.minus(have); len(add) > 0 {
				grant(o, add)
			}
		case !w.equal(have):
			revokeAll(o, have)
			if len(w) > 0 {
				grant(o, w)
			}
		}
	}
	if !appendOnly && !subtract {
		for _, o := range slices.Sorted(maps.Keys(cur)) {
			if _, ok := want[o]; !ok {
				revokeAll(o, cur[o])
			}
		}
	}
	return sql
}
