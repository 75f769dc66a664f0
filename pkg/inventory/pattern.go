package inventory

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Match is the result of a host pattern query.
type Match struct {
	// Hosts are the selected hosts in Ansible's order, without duplicates.
	Hosts []*Host
	// Unmatched lists the pattern parts that matched no group and no host
	// (Ansible warns "Could not match supplied host pattern, ignoring").
	Unmatched []string
}

// Select returns the hosts matching an Ansible host pattern: "all" or "*",
// group and host names, globs ("web*"), "~regex", unions ("a:b", "a,b"),
// intersections ("a:&b"), exclusions ("a:!b"), and subscripts ("g[0]",
// "g[-1]", "g[1:3]", "g[1:]"). Templated patterns must be rendered first.
// Matching nothing is not an error; parts that match nothing are reported
// through Options.Warn.
func (inv *Inventory) Select(pattern string) ([]*Host, error) {
	return inv.SelectLimited(pattern, "")
}

// SelectLimited is Select restricted by a --limit pattern, which uses the
// same grammar plus "@file" (a file listing one pattern per line).
func (inv *Inventory) SelectLimited(pattern, limit string) ([]*Host, error) {
	m, err := inv.Query(pattern, limit)
	if err != nil {
		return nil, err
	}
	for _, u := range m.Unmatched {
		inv.warn("could not match supplied host pattern, ignoring: %s", u)
	}
	return m.Hosts, nil
}

// Query is SelectLimited returning the unmatched pattern parts instead of
// warning about them.
func (inv *Inventory) Query(pattern, limit string) (*Match, error) {
	parts := splitHostPattern(pattern)
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty host pattern %q", pattern)
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	m := &Match{}
	hosts, err := inv.evaluate(parts, &m.Unmatched)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(limit) != "" {
		if hosts, err = inv.limit(hosts, limit, &m.Unmatched); err != nil {
			return nil, err
		}
	}
	m.Hosts = dedupHosts(hosts)
	return m, nil
}

// Limit keeps the hosts that match the --limit pattern, in their order.
func (inv *Inventory) Limit(hosts []*Host, limit string) ([]*Host, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var unmatched []string
	out, err := inv.limit(hosts, limit, &unmatched)
	if err != nil {
		return nil, err
	}
	for _, u := range unmatched {
		inv.warn("could not match supplied host pattern, ignoring: %s", u)
	}
	return out, nil
}

func (inv *Inventory) limit(hosts []*Host, limit string, unmatched *[]string) ([]*Host, error) {
	var subset []string
	for _, p := range splitHostPattern(limit) {
		if !strings.HasPrefix(p, "@") {
			subset = append(subset, p)
			continue
		}
		file := p[1:]
		st, err := os.Stat(file)
		if err != nil {
			return nil, fmt.Errorf("unable to find limit file %s: %w", file, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("limit starting with \"@\" must be a file, not a directory: %s", file)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading limit file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			subset = append(subset, strings.TrimSpace(line))
		}
	}
	allowed, err := inv.evaluate(subset, unmatched)
	if err != nil {
		return nil, fmt.Errorf("limit %q: %w", limit, err)
	}
	in := make(map[*Host]bool, len(allowed))
	for _, h := range allowed {
		in[h] = true
	}
	out := make([]*Host, 0, len(hosts))
	for _, h := range hosts {
		if in[h] {
			out = append(out, h)
		}
	}
	return out, nil
}

var subsetSplitRE = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)

// splitHostPattern splits a pattern into parts like Ansible: on commas if
// there are any, else on colons outside brackets unless the whole pattern
// is one address (an IPv6 address, host:port, or a name with a range).
func splitHostPattern(pattern string) []string {
	var parts []string
	switch {
	case strings.Contains(pattern, ","):
		parts = strings.Split(pattern, ",")
	default:
		if _, _, ok := parseAddress(pattern); ok {
			parts = []string{pattern}
		} else {
			parts = subsetSplitRE.FindAllString(pattern, -1)
		}
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// evaluate applies pattern parts in Ansible's order: plain parts first
// (union), then &parts (intersection), then !parts (exclusion); with only
// & and ! parts, the base is "all".
func (inv *Inventory) evaluate(parts []string, unmatched *[]string) ([]*Host, error) {
	var regular, and, not []string
	for _, p := range parts {
		switch {
		case p == "":
		case p[0] == '!':
			not = append(not, p)
		case p[0] == '&':
			and = append(and, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	var hosts []*Host
	for _, p := range append(append(regular, and...), not...) {
		if h, ok := inv.hosts[p]; ok {
			hosts = append(hosts, h)
			continue
		}
		that, err := inv.matchOne(p, unmatched)
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case '!':
			drop := hostSet(that)
			kept := hosts[:0:0]
			for _, h := range hosts {
				if !drop[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		case '&':
			keep := hostSet(that)
			kept := hosts[:0:0]
			for _, h := range hosts {
				if keep[h] {
					kept = append(kept, h)
				}
			}
			hosts = kept
		default:
			have := hostSet(hosts)
			for _, h := range that {
				if !have[h] {
					hosts = append(hosts, h)
				}
			}
		}
	}
	return hosts, nil
}

func hostSet(hs []*Host) map[*Host]bool {
	m := make(map[*Host]bool, len(hs))
	for _, h := range hs {
		m[h] = true
	}
	return m
}

func dedupHosts(hs []*Host) []*Host {
	seen := make(map[*Host]bool, len(hs))
	out := make([]*Host, 0, len(hs))
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

var subscriptRE = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)

// matchOne matches one pattern part (without its & or ! prefix) and
// applies its subscript.
func (inv *Inventory) matchOne(p string, unmatched *[]string) ([]*Host, error) {
	if p[0] == '&' || p[0] == '!' {
		p = p[1:]
	}
	if p == "" {
		return nil, nil
	}
	expr := p
	var sub []string
	if p[0] != '~' {
		if m := subscriptRE.FindStringSubmatch(p); m != nil {
			expr, sub = m[1], m[2:]
		}
	}
	hosts, err := inv.enumerate(expr, unmatched)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return hosts, nil
	}
	if sub[0] != "" {
		i, err := strconv.Atoi(sub[0])
		if err == nil && i < 0 {
			i += len(hosts)
		}
		if err != nil || i < 0 || i >= len(hosts) {
			return nil, fmt.Errorf("no hosts matched the subscripted pattern '%s'", p)
		}
		return []*Host{hosts[i]}, nil
	}
	if sub[2] == "-" {
		inv.warn("use [x:y] inclusive subscripts instead of [x-y] which has been removed")
	}
	start, err1 := strconv.Atoi(sub[1])
	end := len(hosts) - 1
	if sub[3] != "" {
		var err error
		if end, err = strconv.Atoi(sub[3]); err != nil || end == 0 {
			// Ansible treats an end of 0 as "no end": a single host.
			if err == nil && start < len(hosts) {
				return []*Host{hosts[start]}, nil
			}
			return nil, fmt.Errorf("no hosts matched the subscripted pattern '%s'", p)
		}
	}
	if err1 != nil {
		return nil, fmt.Errorf("no hosts matched the subscripted pattern '%s'", p)
	}
	// Python slice semantics: out-of-range bounds are clipped.
	if end+1 > len(hosts) {
		end = len(hosts) - 1
	}
	if start >= end+1 {
		return []*Host{}, nil
	}
	return hosts[start : end+1], nil
}

// enumerate returns the hosts of every group matching expr and, when no
// group matched or expr is a glob or regex, the matching hosts.
func (inv *Inventory) enumerate(expr string, unmatched *[]string) ([]*Host, error) {
	var results []*Host
	var groups []*Group
	var hosts []*Host
	if expr[0] != '~' && !strings.ContainsAny(expr, "*?[") {
		if g, ok := inv.groups[expr]; ok {
			groups = append(groups, g)
		}
		if h, ok := inv.hosts[expr]; ok {
			hosts = append(hosts, h)
		}
	} else {
		re, err := compileHostPattern(expr)
		if err != nil {
			return nil, err
		}
		for _, g := range inv.groupOrder {
			if re.MatchString(g.Name) {
				groups = append(groups, g)
			}
		}
		for _, h := range inv.hostOrder {
			if re.MatchString(h.Name) {
				hosts = append(hosts, h)
			}
		}
	}
	for _, g := range groups {
		results = append(results, inv.groupAllHosts(g)...)
	}
	if len(groups) == 0 || expr[0] == '~' || strings.ContainsAny(expr, ".?*[") {
		results = append(results, hosts...)
	}
	if len(results) == 0 && isLocalhostName(expr) {
		results = append(results, inv.implicitLocalhost(expr))
	}
	if len(results) == 0 && len(groups) == 0 && expr != "all" {
		*unmatched = append(*unmatched, expr)
	}
	return results, nil
}

// compileHostPattern compiles "~regex" (matched at the start of names, as
// Python's re.match) or a shell glob (matched against whole names).
func compileHostPattern(expr string) (*regexp.Regexp, error) {
	var src string
	if expr[0] == '~' {
		src = `^(?:` + expr[1:] + `)`
	} else {
		src = `(?s)^` + globToRegexp(expr) + `$`
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("invalid host list pattern %q: %w", expr, err)
	}
	return re, nil
}

// globToRegexp translates a shell glob as Python's fnmatch.translate.
func globToRegexp(pat string) string {
	var b strings.Builder
	rs := []rune(pat)
	for i := 0; i < len(rs); {
		c := rs[i]
		i++
		switch c {
		case '*':
			for i < len(rs) && rs[i] == '*' {
				i++
			}
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			stuff := rs[i:j]
			i = j + 1
			if string(stuff) == "!" {
				b.WriteString(".")
				continue
			}
			b.WriteByte('[')
			for k, r := range stuff {
				switch {
				case k == 0 && r == '!':
					b.WriteByte('^')
				case r == '\\' || r == '[' || r == ']' || (k == 0 && r == '^'):
					b.WriteByte('\\')
					b.WriteRune(r)
				default:
					b.WriteRune(r)
				}
			}
			b.WriteByte(']')
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
