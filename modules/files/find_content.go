package files

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// readContent applies contains and adds checksums, reading only the
// regular files among the matches, in one command.
func (q findQuery) readContent(ctx context.Context, t *module.Target, matches []findEntry) ([]findEntry, error) {
	needContent := q.contains != nil && q.fileType == "file"
	if !needContent && !q.checksum {
		return matches, nil
	}
	var b strings.Builder
	for i, e := range matches {
		if e.typ != 'f' {
			continue
		}
		fmt.Fprintf(&b, "p=%s\n", transport.Quote(e.path))
		if q.checksum {
			fmt.Fprintf(&b, "printf 'S %d %%s\\n' \"$(sha1sum < \"$p\" 2>/dev/null | cut -d' ' -f1)\"\n", i)
		}
		if needContent {
			fmt.Fprintf(&b, "printf 'C %d\\n'; base64 < \"$p\" 2>/dev/null; printf 'E\\n'\n", i)
		}
	}
	if b.Len() == 0 {
		return matches, nil
	}
	res, err := t.Conn.Run(ctx, b.String(), transport.RunOpts{})
	if err != nil {
		return nil, fmt.Errorf("find: read files: %w", err)
	}
	content := map[int][]byte{}
	cur := -1
	var buf strings.Builder
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if cur >= 0 {
			if line == "E" {
				data, err := base64.StdEncoding.DecodeString(buf.String())
				if err != nil {
					return nil, fmt.Errorf("find: decode %s: %w", matches[cur].path, err)
				}
				content[cur], cur = data, -1
				buf.Reset()
			} else {
				buf.WriteString(line)
			}
			continue
		}
		var kind string
		var i int
		var rest string
		if n, _ := fmt.Sscanf(line, "%s %d %s", &kind, &i, &rest); n < 2 || i < 0 || i >= len(matches) {
			continue
		}
		switch kind {
		case "S":
			matches[i].sum = rest
		case "C":
			cur = i
		}
	}
	if !needContent {
		return matches, nil
	}
	var out []findEntry
	for i, e := range matches {
		if data, ok := content[i]; ok && q.containsOK(data) {
			out = append(out, e)
		}
	}
	return out, nil
}

// containsOK is Ansible's contentfilter on decoded text: a match at the
// start of some line (each with its newline), or anywhere with
// read_whole_file. Content that is not UTF-8 never matches (Python fails
// to decode it).
func (q findQuery) containsOK(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	text := string(data)
	if q.wholeFile {
		return q.contains.MatchString(text)
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		if loc := q.contains.FindStringIndex(line); loc != nil && loc[0] == 0 {
			return true
		}
	}
	return false
}
