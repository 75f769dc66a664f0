package facts

import (
	"strings"
)

// factMap holds facts by name without the ansible_ prefix.
type factMap map[string]any

// scriptParams are the setup arguments the shell snippets need.
type scriptParams struct {
	factPath string // directory of local *.fact files
	timeout  int    // seconds, for commands that may hang (stat on a dead NFS mount)
}

// snippet is shell code whose output becomes one named section.
type snippet struct {
	name  string
	shell func(marker string, p scriptParams) string
}

// collector gathers one family of facts: shell snippets run on the host,
// and a parser turning their sections into facts.
type collector struct {
	// name is the gather_subset name selecting this collector alone.
	name string
	// group is the subset it belongs to: min, hardware, network or virtual.
	group    string
	snippets []snippet
	parse    func(s sections, f factMap)
}

// static returns a snippet function for fixed shell code.
func static(code string) func(string, scriptParams) string {
	return func(string, scriptParams) string { return code }
}

// collectors lists every collector, in the order their output is parsed
// (later ones may read facts set by earlier ones).
var collectors = []collector{
	platformCollector,
	distributionCollector,
	lsbCollector,
	userCollector,
	envCollector,
	dateTimeCollector,
	serviceMgrCollector,
	pkgMgrCollector,
	pythonCollector,
	selinuxCollector,
	apparmorCollector,
	dnsCollector,
	cmdlineCollector,
	fipsCollector,
	sshKeysCollector,
	localCollector,
	hardwareCollector,
	mountsCollector,
	networkCollector,
	virtualCollector,
}

// keyValues parses lines of KEY=VALUE (os-release style: values may be
// quoted with " or ').
func keyValues(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			if v != "" && line[len(k)+1] == '"' {
				v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(v)
			}
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

// firstLine returns the first line of s, trimmed.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// lines returns the non-empty trimmed lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
