package lab

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mount is one line of /proc/self/mountinfo, the fields the lab needs.
type mount struct {
	Point  string
	FSType string
	Source string
	Opts   string // super options, e.g. lowerdir=...
}

// readMounts parses /proc/self/mountinfo.
func readMounts() ([]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		out = append(out, mount{Point: unescapeMount(a[4]), FSType: b[0], Source: b[1], Opts: b[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isMountpoint reports whether path is a mount point.
func isMountpoint(path string) bool {
	ms, err := readMounts()
	if err != nil {
		return false
	}
	path = filepath.Clean(path)
	for _, m := range ms {
		if m.Point == path {
			return true
		}
	}
	return false
}

// mountsUnder returns the mount points at or below dir, deepest first (the
// order to unmount them in).
func mountsUnder(dir string) []string {
	ms, err := readMounts()
	if err != nil {
		return nil
	}
	dir = filepath.Clean(dir)
	var out []string
	for _, m := range ms {
		if m.Point == dir || strings.HasPrefix(m.Point, dir+"/") {
			out = append(out, m.Point)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// treeUsers returns the overlay mounts whose lower layer is tree.
func treeUsers(tree string) []string {
	ms, err := readMounts()
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		if m.FSType == "overlay" && strings.Contains(m.Opts, "lowerdir="+tree+",") {
			out = append(out, m.Point)
		}
	}
	return out
}

// unmountAll unmounts every mount at or below dir, deepest first. A busy
// mount is detached lazily as a last resort.
func unmountAll(ctx context.Context, dir string) error {
	var errs []error
	for _, p := range mountsUnder(dir) {
		if _, err := run(ctx, "umount", p); err != nil {
			if _, err2 := run(ctx, "umount", "-l", p); err2 != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("unmount under %s: %v", dir, errs)
	}
	return nil
}
