package files

import (
	"regexp"
	"strings"
)

// blockSpec is what blockinfile wants, already compiled.
type blockSpec struct {
	present        bool
	block          string
	marker0        string // begin marker line, with its newline
	marker1        string
	insertAfter    string // "" when insertbefore is used
	insertBefore   string
	insRe          *regexp.Regexp
	insMultiline   bool // the insert pattern has (?m): searched in the whole text
	prependNewline bool
	appendNewline  bool
}

// splitKeep splits like Python's bytes.splitlines(keepends=True): after
// "\n", "\r\n" or a lone "\r".
func splitKeep(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			out = append(out, s[start:i+1])
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// apply returns the text with the marked block inserted, replaced or
// removed, following Ansible's blockinfile: an existing block (both
// markers found) is replaced in place; otherwise the block goes after
// the last line matching insertafter, before the last line matching
// insertbefore, or at EOF/BOF.
func (s blockSpec) apply(original string) string {
	lines := splitKeep(original)
	var blockLines []string
	if s.present && s.block != "" {
		b := s.block
		if !strings.HasSuffix(b, "\n") {
			b += "\n"
		}
		blockLines = append(append([]string{s.marker0}, splitKeep(b)...), s.marker1)
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if l == s.marker0 {
			n0 = i
		}
		if l == s.marker1 {
			n1 = i
		}
	}
	switch {
	case n0 == -1 || n1 == -1:
		n0 = s.insertPosition(original, lines)
	case n0 < n1:
		lines = append(lines[:n0:n0], lines[n1+1:]...)
	default:
		lines = append(lines[:n1:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	if s.prependNewline && s.present && n0 != 0 && lines[n0-1] != "\n" {
		lines = insertAt(lines, n0, "\n")
		n0++
	}
	out := make([]string, 0, len(lines)+len(blockLines)+1)
	out = append(out, lines[:n0]...)
	out = append(out, blockLines...)
	after := lines[n0:]
	if s.appendNewline && s.present && len(after) > 0 && after[0] != "\n" {
		out = append(out, "\n")
	}
	return strings.Join(append(out, after...), "")
}

// insertPosition finds where a new block goes.
func (s blockSpec) insertPosition(original string, lines []string) int {
	switch {
	case s.insRe != nil:
		n0 := -1
		if s.insMultiline {
			if m := s.insRe.FindStringIndex(original); m != nil {
				if s.insertAfter != "" {
					n0 = strings.Count(original[:m[1]], "\n")
				} else {
					n0 = strings.Count(original[:m[0]], "\n")
				}
			}
		} else {
			for i, l := range lines {
				if s.insRe.MatchString(l) {
					n0 = i
				}
			}
		}
		switch {
		case n0 == -1:
			return len(lines)
		case s.insertAfter != "":
			return n0 + 1
		}
		return n0
	case s.insertBefore != "":
		return 0 // BOF
	}
	return len(lines) // EOF
}
