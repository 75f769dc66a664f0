package files

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// findEntry is one entry find(1) listed.
type findEntry struct {
	path, name   string
	depth        int
	typ          byte // find's %y: f d l b c p s
	walkDir      bool // a directory once symlinks are followed (os.walk's dirs)
	mode         uint32
	uid, gid     int
	owner, group string
	size         int64
	inode, dev   uint64
	nlink        uint64
	atime, mtime float64
	ctime        float64
	sum          string
	order        int // position in find's output
	root         int // index of the searched path
}

// findScan is the listing of every searched path.
type findScan struct {
	entries   []findEntry
	examined  int
	skipped   map[string]any
	rootPaths []string        // the searched paths as the host expanded them
	walked    map[string]bool // real paths of the directories listed
}

// findFormat is one NUL-terminated record per entry; the path comes last
// so it may hold any character but NUL.
const findFormat = `E\t%d\t%y\t%Y\t%m\t%U\t%G\t%s\t%i\t%D\t%n\t%A@\t%T@\t%C@\t%u\t%g\t%p\0`

// varRe finds $NAME and ${NAME} in a path, which Ansible expands from the
// host's environment.
var varRe = regexp.MustCompile(`\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})`)

// shellPathWithVars quotes p for the shell leaving ~ and environment
// variables to expand; an unset variable stays as written (like Python's
// os.path.expandvars). Nothing else is interpreted.
func shellPathWithVars(p string) string {
	ms := varRe.FindAllStringSubmatchIndex(p, -1)
	if len(ms) == 0 {
		return shellx.Path(p)
	}
	var b strings.Builder
	last := 0
	for i, m := range ms {
		switch lit := p[last:m[0]]; {
		case i == 0 && lit != "":
			b.WriteString(shellx.Path(lit))
		case lit != "":
			b.WriteString(transport.Quote(lit))
		}
		name := ""
		if m[2] >= 0 {
			name = p[m[2]:m[3]]
		} else {
			name = p[m[4]:m[5]]
		}
		raw := strings.NewReplacer(`$`, `\$`, `}`, `\}`).Replace(p[m[0]:m[1]])
		fmt.Fprintf(&b, `"${%s-%s}"`, name, raw)
		last = m[1]
	}
	if rest := p[last:]; rest != "" {
		b.WriteString(transport.Quote(rest))
	}
	return b.String()
}

// findRoot is one directory to list: a searched path, or (with follow)
// a symlinked directory found below one.
type findRoot struct {
	word   string // the path as a shell word
	idx    int    // index of the searched path it belongs to
	offset int    // depth of the root below its searched path
	sub    bool   // a symlinked directory, not a searched path
}

// findScript lists every root in one command. find -H reads a root that
// is itself a symlink as its target, like Python's os.walk does.
func findScript(roots []findRoot, q findQuery) string {
	var b strings.Builder
	b.WriteString("__e=$(mktemp) || exit 90\n")
	for _, r := range roots {
		opts := ""
		switch {
		case !q.recurse:
			opts = " -maxdepth 1"
		case q.depth > 0:
			// One level more than depth: Ansible walks the directories
			// at depth and counts their entries as examined.
			opts = fmt.Sprintf(" -maxdepth %d", max(q.depth+1-r.offset, 1))
		}
		kind := "P"
		if r.sub {
			kind = "Q"
		}
		fmt.Fprintf(&b, "p=%s\nprintf '%s\\t%d\\t%d\\t%%s\\0' \"$p\"\n", r.word, kind, r.idx, r.offset)
		fmt.Fprintf(&b, "if [ -d \"$p\" ]; then printf 'R\\t%%s\\0' \"$(readlink -f -- \"$p\")\"; find -H \"$p\" -mindepth 1%s -printf '%s' 2>\"$__e\"; "+
			"printf 'X\\t%%s\\0' \"$(head -c 4096 \"$__e\" | base64 | tr -d '\\n')\"; else printf 'N\\0'; fi\n",
			opts, findFormat)
	}
	b.WriteString("rm -f -- \"$__e\"\n")
	return b.String()
}

// scanPaths lists the searched paths in one command; with follow and
// recurse, symlinked directories found are listed in one more command
// per level of links. A link to a directory already walked is not walked
// again (Python would loop until the path grows too long).
func scanPaths(ctx context.Context, t *module.Target, paths []string, q findQuery) (findScan, error) {
	roots := make([]findRoot, len(paths))
	for i, p := range paths {
		roots[i] = findRoot{word: shellPathWithVars(p), idx: i}
	}
	scan := findScan{skipped: map[string]any{}, walked: map[string]bool{}}
	for round := 0; len(roots) > 0; round++ {
		if round > 40 {
			return scan, fmt.Errorf("find: symlinked directories nested more than 40 deep")
		}
		res, err := t.Conn.Run(ctx, findScript(roots, q), transport.RunOpts{})
		if err != nil {
			return scan, fmt.Errorf("find: %w", err)
		}
		if res.RC != 0 {
			return scan, fmt.Errorf("find: rc %d: %s", res.RC, strings.TrimSpace(string(res.Stderr)))
		}
		from := len(scan.entries)
		if err := scan.parse(res.Stdout); err != nil {
			return scan, err
		}
		roots = nil
		if !q.follow || !q.recurse {
			continue
		}
		for _, e := range scan.entries[from:] {
			if e.typ == 'l' && e.walkDir && (q.depth == 0 || e.depth < q.depth+1) {
				roots = append(roots, findRoot{word: transport.Quote(e.path), idx: e.root, offset: e.depth, sub: true})
			}
		}
	}
	return scan, nil
}

// parse decodes findScript's records into the scan.
func (s *findScan) parse(out []byte) error {
	root, rootPath, offset, skip := -1, "", 0, false
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		f := strings.SplitN(string(rec), "\t", 17)
		switch f[0] {
		case "P", "Q":
			if len(f) < 4 {
				return fmt.Errorf("find: bad record %q", rec)
			}
			root, _ = strconv.Atoi(f[1])
			offset, _ = strconv.Atoi(f[2])
			if f[0] == "P" {
				rootPath = strings.Join(f[3:], "\t")
				s.rootPaths = append(s.rootPaths, rootPath)
			} else if root >= 0 && root < len(s.rootPaths) {
				rootPath = s.rootPaths[root]
			}
			skip = false
		case "R":
			real := strings.Join(f[1:], "\t")
			skip = s.walked[real]
			s.walked[real] = true
		case "N":
			s.skipped[rootPath] = fmt.Sprintf("'%s' is not a directory", rootPath)
		case "X":
			if len(f) > 1 && f[1] != "" {
				msg, _ := base64.StdEncoding.DecodeString(f[1])
				if m := strings.TrimSpace(string(msg)); m != "" {
					s.skipped[rootPath] = m
				}
			}
		case "E":
			if len(f) != 17 {
				return fmt.Errorf("find: bad record %q", rec)
			}
			if skip {
				continue
			}
			e, err := parseFindEntry(f)
			if err != nil {
				return err
			}
			e.depth += offset
			e.order, e.root = len(s.entries), root
			s.entries = append(s.entries, e)
			s.examined++
		default:
			return fmt.Errorf("find: unexpected output %q", rec)
		}
	}
	return nil
}

func parseFindEntry(f []string) (findEntry, error) {
	e := findEntry{owner: f[14], group: f[15]}
	e.path = path.Clean(f[16])
	e.name = path.Base(e.path)
	if len(f[2]) == 1 {
		e.typ = f[2][0]
	}
	e.walkDir = f[3] == "d"
	var err error
	ints := []*int64{new(int64), new(int64), new(int64), new(int64), new(int64), new(int64), new(int64), new(int64)}
	for i, idx := range []int{1, 5, 6, 7, 8, 9, 10, 4} {
		base := 10
		if idx == 4 {
			base = 8
		}
		if *ints[i], err = strconv.ParseInt(f[idx], base, 64); err != nil {
			return e, fmt.Errorf("find: field %q of %s: %w", f[idx], f[16], err)
		}
	}
	e.depth, e.uid, e.gid, e.size = int(*ints[0]), int(*ints[1]), int(*ints[2]), *ints[3]
	e.inode, e.dev, e.nlink, e.mode = uint64(*ints[4]), uint64(*ints[5]), uint64(*ints[6]), uint32(*ints[7])
	for i, dst := range []*float64{&e.atime, &e.mtime, &e.ctime} {
		if *dst, err = strconv.ParseFloat(f[11+i], 64); err != nil {
			return e, fmt.Errorf("find: time %q of %s: %w", f[11+i], f[16], err)
		}
	}
	if e.owner == strconv.Itoa(e.uid) {
		e.owner = ""
	}
	if e.group == strconv.Itoa(e.gid) {
		e.group = ""
	}
	return e, nil
}

// ordered returns the entries in the order Python's os.walk yields them:
// per searched path, each directory's non-directories then directories
// (in the order the directory lists them), then the walk goes into each
// of those directories in turn.
func (s findScan) ordered() []findEntry {
	children := map[string][]findEntry{}
	roots := map[int]string{}
	var rootOrder []int
	for _, e := range s.entries {
		parent := path.Dir(e.path)
		if e.depth == 1 {
			if _, ok := roots[e.root]; !ok {
				roots[e.root] = parent
				rootOrder = append(rootOrder, e.root)
			}
		}
		key := strconv.Itoa(e.root) + "\x00" + parent
		children[key] = append(children[key], e)
	}
	var out []findEntry
	var walk func(root int, dir string)
	walk = func(root int, dir string) {
		list := children[strconv.Itoa(root)+"\x00"+dir]
		var dirs []findEntry
		for _, e := range list {
			if e.walkDir {
				dirs = append(dirs, e)
			} else {
				out = append(out, e)
			}
		}
		out = append(out, dirs...)
		for _, d := range dirs {
			walk(root, d.path)
		}
	}
	for _, r := range rootOrder {
		walk(r, roots[r])
	}
	return out
}

// dict is the entry as Ansible's find returns it.
func (e findEntry) dict() map[string]any {
	m := e.mode
	bit := func(b uint32) bool { return m&b != 0 }
	d := map[string]any{
		"path": e.path, "mode": fmt.Sprintf("%04o", m&0o7777),
		"isdir": e.typ == 'd', "ischr": e.typ == 'c', "isblk": e.typ == 'b', "isreg": e.typ == 'f',
		"isfifo": e.typ == 'p', "islnk": e.typ == 'l', "issock": e.typ == 's',
		"uid": e.uid, "gid": e.gid, "size": e.size, "inode": e.inode, "dev": e.dev, "nlink": e.nlink,
		"atime": e.atime, "mtime": e.mtime, "ctime": e.ctime, "gr_name": e.group, "pw_name": e.owner,
		"wusr": bit(0o200), "rusr": bit(0o400), "xusr": bit(0o100),
		"wgrp": bit(0o020), "rgrp": bit(0o040), "xgrp": bit(0o010),
		"woth": bit(0o002), "roth": bit(0o004), "xoth": bit(0o001),
		"isuid": bit(0o4000), "isgid": bit(0o2000),
	}
	if e.sum != "" {
		d["checksum"] = e.sum
	}
	return d
}
