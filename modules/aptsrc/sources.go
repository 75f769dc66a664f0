package aptsrc

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

// sourceLine is one line of a sources file as Ansible's SourcesList keeps
// it.
type sourceLine struct {
	valid, enabled  bool
	source, comment string
}

var sourceTypes = []string{"deb", "deb-src"}

// parseSource is Ansible's SourcesList._parse.
func parseSource(line string) sourceLine {
	s := sourceLine{enabled: true}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "#") {
		s.enabled = false
		line = line[1:]
	}
	if i := strings.Index(line, "#"); i > 0 {
		s.comment = strings.TrimSpace(line[i+1:])
		line = line[:i]
	}
	s.source = strings.TrimSpace(line)
	if s.source != "" {
		chunks := strings.Fields(s.source)
		if slices.Contains(sourceTypes, chunks[0]) {
			s.valid = true
			s.source = strings.Join(chunks, " ")
		}
	}
	return s
}

// invalidText is the line Ansible names in "Invalid repository string".
func invalidText(line string) string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "#")
	if i := strings.Index(line, "#"); i > 0 {
		line = line[:i]
	}
	return line
}

func (s sourceLine) render() string {
	var b strings.Builder
	if !s.enabled {
		b.WriteString("# ")
	}
	b.WriteString(s.source)
	if s.comment != "" {
		b.WriteString(" # " + s.comment)
	}
	b.WriteString("\n")
	return b.String()
}

// sourcesList holds every sources file, in the order they were read.
type sourcesList struct {
	order []string
	files map[string][]sourceLine
	added map[string]bool // files that got a new line
}

func newSourcesList() *sourcesList {
	return &sourcesList{files: map[string][]sourceLine{}, added: map[string]bool{}}
}

func (l *sourcesList) load(file, content string) {
	var lines []sourceLine
	for _, ln := range splitLines(content) {
		lines = append(lines, parseSource(ln))
	}
	if _, ok := l.files[file]; !ok {
		l.order = append(l.order, file)
	}
	l.files[file] = lines
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// dump renders every non-empty file.
func (l *sourcesList) dump() map[string]string {
	out := map[string]string{}
	for _, f := range l.order {
		lines := l.files[f]
		if len(lines) == 0 {
			continue
		}
		var b strings.Builder
		for _, s := range lines {
			b.WriteString(s.render())
		}
		out[f] = b.String()
	}
	return out
}

var (
	optionsRe  = regexp.MustCompile(`\[[^\]]+\]`)
	protocolRe = regexp.MustCompile(`\w+://`)
	nonAlnumRe = regexp.MustCompile(`[^a-zA-Z0-9]`)
)

// suggestFilename is Ansible's _suggest_filename: the repository's host
// and path made into a name, or the filename argument, plus ".list".
func suggestFilename(source, filename string, hasFilename bool) string {
	if hasFilename {
		return filename + ".list"
	}
	line := optionsRe.ReplaceAllString(source, "")
	line = protocolRe.ReplaceAllString(line, "")
	var parts []string
	for _, p := range strings.Fields(line) {
		if !slices.Contains(sourceTypes, p) {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ".list"
	}
	first := parts[0]
	if i := strings.Index(first, "@"); i >= 0 {
		first = first[i+1:]
	}
	return strings.Join(strings.Fields(nonAlnumRe.ReplaceAllString(first, " ")), "_") + ".list"
}

// expandPath puts a bare file name in the sources.list.d directory.
func expandPath(name, partsDir string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return path.Join(partsDir, name)
}

// add enables every line with the source or appends it to file.
func (l *sourcesList) add(source, file string) {
	found := false
	for _, f := range l.order {
		for i, s := range l.files[f] {
			if s.valid && s.source == source {
				l.files[f][i].enabled = true
				found = true
			}
		}
	}
	if found {
		return
	}
	if _, ok := l.files[file]; !ok {
		l.order = append(l.order, file)
	}
	l.files[file] = append(l.files[file], sourceLine{valid: true, enabled: true, source: source})
	l.added[file] = true
}

// remove drops every enabled line with the source.
func (l *sourcesList) remove(source string) {
	for _, f := range l.order {
		l.files[f] = slices.DeleteFunc(l.files[f], func(s sourceLine) bool { return s.valid && s.enabled && s.source == source })
	}
}
