package facts

import (
	"fmt"
	"strings"
)

// section is one named chunk of the gather script's output.
type section struct {
	name string
	body string
}

// sections is the parsed output: section name to body; names may repeat
// (local facts), so the order is kept too.
type sections struct {
	list []section
}

// get returns the body of the first section with that name.
func (s sections) get(name string) (string, bool) {
	for _, x := range s.list {
		if x.name == name {
			return x.body, true
		}
	}
	return "", false
}

// all returns the bodies of every section with that name, in order.
func (s sections) all(name string) []string {
	var out []string
	for _, x := range s.list {
		if x.name == name {
			out = append(out, x.body)
		}
	}
	return out
}

// header returns the shell statement printing the header of a section.
// Headers start on a line of their own whatever the previous section
// printed last.
func header(marker, name string) string {
	return fmt.Sprintf("printf '\\n%s %s\\n'", marker, name)
}

// buildScript joins the snippets of the chosen collectors into one shell
// script. Each snippet runs with stderr discarded.
func buildScript(marker string, cs []collector, p scriptParams) string {
	var b strings.Builder
	b.WriteString("export LC_ALL=C\n")
	for _, c := range cs {
		for _, s := range c.snippets {
			b.WriteString(header(marker, s.name) + "\n")
			b.WriteString("{\n" + s.shell(marker, p) + "\n} 2>/dev/null\n")
		}
	}
	return b.String()
}

// splitSections cuts the script's output at the section headers.
func splitSections(out, marker string) sections {
	var s sections
	parts := strings.Split(out, "\n"+marker+" ")
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		s.list = append(s.list, section{name: name, body: body})
	}
	return s
}
