package remotefile

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// MaxDiffSize is the largest content shown in a diff, Ansible's default
// max_file_size_for_diff.
const MaxDiffSize = 104448

// Diffable reports why content cannot be shown in a diff ("" when it can).
func Diffable(b []byte) string {
	switch {
	case bytes.IndexByte(b, 0) >= 0:
		return "binary"
	case len(b) > MaxDiffSize:
		return "huge"
	}
	return ""
}

// ContentDiff builds the --diff record for a file whose content goes
// from before to after. Binary or huge content is replaced by a one-line
// note, so the diff says that the content changed without showing it.
// beforeHeader and afterHeader name the two sides (usually the
// destination, and the source for templates).
func ContentDiff(beforeHeader, afterHeader string, before, after []byte) module.FileDiff {
	return module.FileDiff{
		BeforeHeader: beforeHeader,
		AfterHeader:  afterHeader,
		Before:       diffText(before),
		After:        diffText(after),
	}
}

func diffText(b []byte) string {
	switch Diffable(b) {
	case "binary":
		return fmt.Sprintf("(binary content, %d bytes: diff skipped)\n", len(b))
	case "huge":
		return fmt.Sprintf("(%d bytes, larger than %d: diff skipped)\n", len(b), MaxDiffSize)
	}
	return string(b)
}

// StateDiff builds the --diff record for a change of state or attributes
// of path: each side lists "path: …" then the given keys sorted
// ("state: absent" → "state: file").
func StateDiff(path string, before, after map[string]string) module.FileDiff {
	return module.FileDiff{
		BeforeHeader: path,
		AfterHeader:  path,
		Before:       fields(path, before),
		After:        fields(path, after),
	}
}

func fields(path string, m map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "path: %s\n", path)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, m[k])
	}
	return b.String()
}

// ContentDiffFrom builds the content diff for a destination whose state
// Gather read (with MaxContent of at least MaxDiffSize to show it): a
// missing or non-regular destination has empty content, one too large to
// have been read gets a note.
func ContentDiffFrom(st State, afterHeader string, after []byte) module.FileDiff {
	d := ContentDiff(st.Resolved, afterHeader, nil, after)
	switch {
	case !st.Exists || st.Type != TypeFile:
	case st.HasContent:
		d.Before = diffText(st.Content)
	default:
		d.Before = fmt.Sprintf("(%d bytes, larger than %d: diff skipped)\n", st.Size, MaxDiffSize)
	}
	return d
}
