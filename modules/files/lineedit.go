package files

import (
	"regexp"
	"strings"
)

// lineSpec is what lineinfile looks for and wants, already compiled.
type lineSpec struct {
	re           *regexp.Regexp // regexp argument (nil when absent)
	search       *string        // search_string argument
	line         string
	insertAfter  string // "", "EOF", "BOF" or a regexp (see insRe)
	insertBefore string // "", "BOF" or a regexp
	insRe        *regexp.Regexp
	backrefs     bool
	firstMatch   bool
}

// splitLines splits text after every "\n", keeping the terminators, as
// Python's readlines does.
func splitLines(text string) []string {
	var out []string
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

func trimEOL(s string) string { return strings.TrimRight(s, "\r\n") }

// present makes sure the line is in lines, following Ansible's rules:
// a line matching regexp (or containing search_string) is replaced — the
// last one, or the first with firstmatch; otherwise, if the exact line is
// not there, it is inserted after/before the last (first with firstmatch)
// line matching insertafter/insertbefore, or at BOF/EOF. With backrefs and
// no match nothing changes.
func (s lineSpec) present(lines []string) ([]string, string, error) {
	matchIdx, insIdx := -1, -1
	var match []int
	var matchLine string
	found := false
	switch {
	case s.re != nil:
		for i, l := range lines {
			if m := s.re.FindStringSubmatchIndex(l); m != nil {
				matchIdx, match, matchLine, found = i, m, l, true
				if s.firstMatch {
					break
				}
			}
		}
	case s.search != nil:
		for i, l := range lines {
			if strings.Contains(l, *s.search) {
				matchIdx, found = i, true
				if s.firstMatch {
					break
				}
			}
		}
	}
	if !found {
		for i, l := range lines {
			if trimEOL(l) == s.line {
				matchIdx = i
			} else if s.insRe != nil && s.insRe.MatchString(l) {
				if s.insertAfter != "" {
					insIdx = i + 1
				} else {
					insIdx = i
				}
				if s.firstMatch {
					break
				}
			}
		}
	}
	withNL := s.line + "\n"
	switch {
	case matchIdx != -1:
		newLine := s.line
		if s.backrefs && match != nil {
			var err error
			if newLine, err = expandPy(s.line, s.re, matchLine, match); err != nil {
				return nil, "", err
			}
		}
		if !strings.HasSuffix(newLine, "\n") {
			newLine += "\n"
		}
		if lines[matchIdx] != newLine {
			lines[matchIdx] = newLine
			return lines, "line replaced", nil
		}
		return lines, "", nil
	case s.backrefs:
		return lines, "", nil
	case s.insertBefore == "BOF" || s.insertAfter == "BOF":
		return append([]string{withNL}, lines...), "line added", nil
	case s.insertAfter == "EOF" || insIdx == -1:
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") && !strings.HasSuffix(lines[n-1], "\r") {
			lines = append(lines, "\n")
		}
		return append(lines, withNL), "line added", nil
	case s.insertAfter != "":
		if insIdx == len(lines) {
			if trimEOL(lines[insIdx-1]) != s.line {
				return append(lines, withNL), "line added", nil
			}
			return lines, "", nil
		}
		if trimEOL(lines[insIdx]) != s.line {
			return insertAt(lines, insIdx, withNL), "line added", nil
		}
		return lines, "", nil
	}
	return insertAt(lines, insIdx, withNL), "line added", nil
}

func insertAt(lines []string, i int, l string) []string {
	out := make([]string, 0, len(lines)+1)
	out = append(out, lines[:i]...)
	out = append(out, l)
	return append(out, lines[i:]...)
}

// absent removes every line matching regexp, containing search_string,
// or equal to line; it returns the remaining lines and how many went.
func (s lineSpec) absent(lines []string) ([]string, int) {
	var out []string
	n := 0
	for _, l := range lines {
		var hit bool
		switch {
		case s.re != nil:
			hit = s.re.MatchString(l)
		case s.search != nil:
			hit = strings.Contains(l, *s.search)
		default:
			hit = trimEOL(l) == s.line
		}
		if hit {
			n++
			continue
		}
		out = append(out, l)
	}
	return out, n
}
