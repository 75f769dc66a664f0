package mount

import (
	"strconv"
	"strings"
)

// escapeFstab escapes a value for an fstab field like Ansible: backslash,
// space and ampersand as octal escapes.
func escapeFstab(v string) string {
	return strings.NewReplacer(`\`, `\134`, " ", `\040`, "&", `\046`).Replace(v)
}

// entry is the desired fstab line, escaped.
type entry struct {
	src, name, fstype, opts, dump, passno string
	rawSrc                                string // unescaped, for the swap rule
	hasSrc                                bool
}

func (e entry) line() string {
	return strings.Join([]string{e.src, e.name, e.fstype, e.opts, e.dump, e.passno}, " ") + "\n"
}

// otherSwap is Ansible's exception: swap lines (mount point "none") of
// another source are different entries.
func (e entry) otherSwap(f []string) bool {
	return e.hasSrc && f[1] == "none" && f[2] == "swap" && f[0] != e.rawSrc
}

// setMount is Ansible's _set_mount_save_old for Linux: matching lines (4
// to 6 fields, same mount point) are rewritten when a field differs (a
// missing dump or passno always differs), a missing entry is appended.
func setMount(content string, e entry) (string, bool) {
	var b strings.Builder
	exists, changed := false, false
	for line := range strings.Lines(content) {
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		t := strings.TrimSpace(line)
		f := strings.Fields(line)
		if t == "" || strings.HasPrefix(t, "#") || len(f) < 4 || len(f) > 6 || f[1] != e.name || e.otherSwap(f) {
			b.WriteString(line)
			continue
		}
		exists = true
		cur := [6]string{f[0], f[1], f[2], f[3], "\x00", "\x00"} // Python's int 0 never equals a string
		copy(cur[4:], f[4:])
		want := [6]string{e.src, e.name, e.fstype, e.opts, e.dump, e.passno}
		for i := range cur {
			if i != 1 && cur[i] != want[i] {
				cur[i] = want[i]
				changed = true
			}
		}
		if changed {
			b.WriteString(strings.Join(cur[:], " ") + "\n")
		} else {
			b.WriteString(line)
		}
	}
	if !exists {
		b.WriteString(e.line())
		changed = true
	}
	return b.String(), changed
}

// unsetMount removes the 6-field lines for the mount point.
func unsetMount(content string, e entry) (string, bool) {
	var b strings.Builder
	changed := false
	for line := range strings.Lines(content) {
		t := strings.TrimSpace(line)
		f := strings.Fields(line)
		if t == "" || strings.HasPrefix(t, "#") || len(f) != 6 || f[1] != e.name || e.otherSwap(f) {
			b.WriteString(line)
			continue
		}
		changed = true
	}
	return b.String(), changed
}

// mountInfo is one mount as Ansible's get_linux_mounts reports it.
type mountInfo struct {
	dst, src, opts, fs string
	source             string // the source field as the kernel gives it
}

// linuxMounts parses /proc/self/mountinfo the way Ansible does, including
// its idea of a bind mount's source (the root within the parent mount).
func linuxMounts(text string) map[string]mountInfo {
	type rec struct {
		id, parent               int
		root, dst, opts, fs, src string
	}
	byID := map[int]*rec{}
	var order []int
	for l := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 10 {
			continue
		}
		id, err1 := strconv.Atoi(f[0])
		parent, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		if _, dup := byID[id]; !dup {
			order = append(order, id)
		}
		byID[id] = &rec{id: id, parent: parent, root: f[3], dst: f[4], opts: f[5], fs: f[len(f)-3], src: f[len(f)-2]}
	}
	out := map[string]mountInfo{}
	for _, id := range order {
		m := byID[id]
		src := m.src
		if p, ok := byID[m.parent]; ok && m.parent != 1 {
			if len(p.root) > 1 && strings.HasPrefix(m.root, p.root+"/") {
				m.root = m.root[len(p.root):]
			}
			if p.dst != "/" {
				m.root = p.dst + m.root
			}
			src = m.root
		}
		out[m.dst] = mountInfo{dst: m.dst, src: src, opts: m.opts, fs: m.fs, source: m.src}
	}
	return out
}
