package haproxy

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// fragment is one piece of an assembled configuration.
type fragment struct {
	name  string
	order int
	text  string
}

// span says which lines of the assembled file came from which fragment.
type span struct {
	name        string
	first, last int // 1-based line numbers of the fragment's own text
}

// candidate is the configuration the task asks for.
type candidate struct {
	text  string
	spans []span // empty for content/src
	what  string // "content", the src name or "N fragments", for --diff
}

// defaultOrder is the order of a fragment that gives none.
const defaultOrder = 500

// buildCandidate renders the requested configuration on the controller.
func buildCandidate(t *module.Target, a module.Args) (candidate, error) {
	switch {
	case a.Has("content"):
		return candidate{text: a.String("content"), what: "content"}, nil
	case a.Has("src"):
		text, err := readSrc(t, a.String("src"))
		if err != nil {
			return candidate{}, err
		}
		return candidate{text: text, what: a.String("src")}, nil
	}
	frags, err := parseFragments(t, a.List("fragments"))
	if err != nil {
		return candidate{}, err
	}
	c := assemble(frags)
	return c, nil
}

// readSrc reads a controller-side template (looked up like the template
// module does) and renders it with the host's variables.
func readSrc(t *module.Target, name string) (string, error) {
	p := name
	if t.FindFile != nil {
		found, err := t.FindFile("templates", name)
		if err != nil {
			if found, err = t.FindFile("files", name); err != nil {
				return "", fmt.Errorf("src %s: %w", name, err)
			}
		}
		p = found
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("src %s: %w", name, err)
	}
	if t.Render == nil {
		return string(raw), nil
	}
	out, err := t.Render(name, string(raw))
	if err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return out, nil
}

// fragmentName is what a fragment may be called: it appears in comments
// of the live file and in error messages.
var fragmentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)

// parseFragments checks and reads the fragments argument.
func parseFragments(t *module.Target, raw []any) ([]fragment, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("fragments is empty")
	}
	seen := map[string]bool{}
	out := make([]fragment, 0, len(raw))
	for i, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("fragments[%d]: expected a mapping with name and content or src, got %T", i, r)
		}
		for k := range m {
			if k != "name" && k != "content" && k != "src" && k != "order" {
				return nil, fmt.Errorf("fragments[%d]: unsupported key %q (name, content, src, order)", i, k)
			}
		}
		name, _ := m["name"].(string)
		if !fragmentName.MatchString(name) {
			return nil, fmt.Errorf("fragments[%d]: name %q must be letters, digits, '_', '.', '@' or '-'", i, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("fragments: name %q used twice", name)
		}
		seen[name] = true
		f := fragment{name: name, order: defaultOrder}
		if o, ok := m["order"]; ok && o != nil {
			n, err := toInt(o)
			if err != nil {
				return nil, fmt.Errorf("fragment %s: order: %w", name, err)
			}
			f.order = n
		}
		content, hasContent := m["content"]
		src, hasSrc := m["src"].(string)
		switch {
		case hasContent && hasSrc:
			return nil, fmt.Errorf("fragment %s: give content or src, not both", name)
		case hasContent:
			s, ok := content.(string)
			if !ok {
				return nil, fmt.Errorf("fragment %s: content must be a string, got %T", name, content)
			}
			f.text = s
		case hasSrc:
			s, err := readSrc(t, src)
			if err != nil {
				return nil, fmt.Errorf("fragment %s: %w", name, err)
			}
			f.text = s
		default:
			return nil, fmt.Errorf("fragment %s: content or src is required", name)
		}
		out = append(out, f)
	}
	return out, nil
}

func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%v is not an integer", v)
}

// header opens every assembled file.
const header = "# Managed by hactl (haproxy_config, fragments): change the playbook, not this file.\n"

// assemble joins fragments by order, then name, each under a comment
// naming it, and records where each one's lines are.
func assemble(frags []fragment) candidate {
	sorted := slices.Clone(frags)
	slices.SortStableFunc(sorted, func(a, b fragment) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return strings.Compare(a.name, b.name)
	})
	var b strings.Builder
	b.WriteString(header)
	line := 2
	var spans []span
	for _, f := range sorted {
		fmt.Fprintf(&b, "\n# --- fragment %s (order %d) ---\n", f.name, f.order)
		line += 2
		text := f.text
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		n := strings.Count(text, "\n")
		b.WriteString(text)
		spans = append(spans, span{name: f.name, first: line, last: line + n - 1})
		line += n
	}
	return candidate{text: b.String(), spans: spans, what: fmt.Sprintf("%d fragments", len(frags))}
}

// lineRef matches haproxy's "[file:line]" references in its messages.
var lineRef = regexp.MustCompile(`\[([^\]:]+):(\d+)\]`)

// explain rewrites haproxy's references to the candidate's temporary file
// into the live path and, for assembled files, the fragment and its line.
// NOTICE lines (version, executable path) are dropped.
func (c candidate) explain(msg, tmpPath, livePath string) string {
	var keep []string
	for line := range strings.SplitSeq(msg, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.Contains(t, "[NOTICE]") {
			keep = append(keep, t)
		}
	}
	msg = strings.Join(keep, "\n")
	msg = lineRef.ReplaceAllStringFunc(msg, func(ref string) string {
		m := lineRef.FindStringSubmatch(ref)
		if path.Base(m[1]) != path.Base(tmpPath) {
			return ref
		}
		n, _ := strconv.Atoi(m[2])
		for _, s := range c.spans {
			if n >= s.first && n <= s.last {
				return fmt.Sprintf("[%s:%d, fragment %s line %d]", livePath, n, s.name, n-s.first+1)
			}
		}
		return fmt.Sprintf("[%s:%d]", livePath, n)
	})
	return strings.ReplaceAll(msg, tmpPath, livePath+" (candidate)")
}

// cfgFacts is what the module reads in a configuration.
type cfgFacts struct {
	// sockets are the addresses of the global section's stats sockets.
	sockets []string
	// backends are the names of the backend and listen sections.
	backends []string
	// stateFile is the global server-state-file (joined with
	// server-state-base when relative); loadState says a defaults or
	// backend section loads it.
	stateFile string
	loadState bool
}

// inspect reads the facts the module needs from configuration text. It
// is not a parser of haproxy's grammar: it reads section keywords and a
// few directives, which is all the checks need.
func inspect(text string) cfgFacts {
	var f cfgFacts
	section, base := "", ""
	for raw := range strings.SplitSeq(text, "\n") {
		line := strings.TrimSpace(raw)
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		indented := raw != "" && (raw[0] == ' ' || raw[0] == '\t')
		switch w[0] {
		case "global", "defaults", "frontend", "backend", "listen", "userlist", "peers", "resolvers", "mailers", "program", "http-errors", "ring", "cache":
			if !indented || section == "" {
				section = w[0]
				if (w[0] == "backend" || w[0] == "listen") && len(w) > 1 {
					f.backends = append(f.backends, w[1])
				}
				continue
			}
		}
		switch {
		case section == "global" && len(w) >= 3 && w[0] == "stats" && w[1] == "socket":
			f.sockets = append(f.sockets, w[2])
		case section == "global" && len(w) >= 2 && w[0] == "server-state-file":
			f.stateFile = w[1]
		case section == "global" && len(w) >= 2 && w[0] == "server-state-base":
			base = w[1]
		case (section == "defaults" || section == "backend" || section == "listen") && w[0] == "load-server-state-from-file" && len(w) >= 2 && w[1] != "none":
			f.loadState = true
		}
	}
	if f.stateFile != "" && !strings.HasPrefix(f.stateFile, "/") && base != "" {
		f.stateFile = path.Join(base, f.stateFile)
	}
	return f
}

// unixSocket returns the first stats socket that is a unix path ("" if
// none).
func (f cfgFacts) unixSocket() string {
	for _, s := range f.sockets {
		if p, ok := unixPath(s); ok {
			return p
		}
	}
	return ""
}

// unixPath reports whether a bind address is a unix socket and its path.
func unixPath(addr string) (string, bool) {
	if p, ok := strings.CutPrefix(addr, "unix@"); ok {
		return p, true
	}
	if strings.HasPrefix(addr, "/") {
		return addr, true
	}
	return "", false
}

// exposedSockets returns the stats sockets reachable from other hosts:
// any TCP address that is not loopback. abns@, fd@ and sockpair@ are
// local to the host.
func (f cfgFacts) exposedSockets() []string {
	var out []string
	for _, s := range f.sockets {
		if _, ok := unixPath(s); ok {
			continue
		}
		if strings.HasPrefix(s, "abns@") || strings.HasPrefix(s, "fd@") || strings.HasPrefix(s, "sockpair@") {
			continue
		}
		host := s
		for _, p := range []string{"ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"} {
			host = strings.TrimPrefix(host, p)
		}
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		host = strings.Trim(host, "[]")
		if host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.") {
			continue
		}
		out = append(out, s)
	}
	return out
}
