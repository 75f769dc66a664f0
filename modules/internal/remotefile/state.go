package remotefile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/transport"
)

// File types as Ansible's file module names them.
const (
	TypeAbsent    = "absent"
	TypeFile      = "file"
	TypeDirectory = "directory"
	TypeLink      = "link"
	TypeChar      = "char"
	TypeBlock     = "block"
	TypeFifo      = "fifo"
	TypeSocket    = "socket"
)

// State is what Gather learned about one path.
type State struct {
	// Path is the path as asked; Resolved is the same path with a leading
	// "~" expanded by the host's shell (equal to Path otherwise).
	Path, Resolved string
	Exists         bool
	// ParentDir is true when the parent directory exists.
	ParentDir bool
	// Type is one of the Type* constants.
	Type string
	// Mode holds the permission bits (including setuid, setgid, sticky).
	Mode       uint32
	UID, GID   int
	Owner      string // user name; "" when the id has no name
	Group      string
	Size       int64
	Mtime      float64 // seconds since the epoch
	Atime      float64
	Ctime      float64
	Nlink      uint64
	Inode      uint64
	Dev        uint64
	Blocks     int64
	BlockSize  int64
	RDevMajor  uint64
	RDevMinor  uint64
	LinkTarget string // for symlinks (followed or not): the link's text
	RealPath   string // for symlinks (followed or not): the resolved target
	// LinkToDir is true for a symlink whose target is a directory.
	LinkToDir bool
	// Readable, Writable and Executable are access(2) answers for the
	// user the command runs as.
	Readable, Writable, Executable bool
	// Sums maps an algorithm (sha1, md5, sha256, …) to the hex digest of
	// a regular file's content.
	Sums map[string]string
	// Content is the file's content when it was asked for and the file
	// is no larger than GatherOpts.MaxContent; HasContent says so.
	Content    []byte
	HasContent bool
	// Umask is the host's umask for the command's user.
	Umask uint32
	// Err is set when the path exists but could not be examined.
	Err string
}

// ModeString returns the mode as Ansible prints it ("0644").
func (s State) ModeString() string { return FormatMode(s.Mode) }

// FormatMode formats permission bits as four octal digits.
func FormatMode(m uint32) string { return fmt.Sprintf("%04o", m&0o7777) }

// GatherOpts selects what Gather reads.
type GatherOpts struct {
	// Follow describes the target of a final symlink instead of the link.
	Follow bool
	// Sums lists checksum algorithms to compute for regular files:
	// md5, sha1, sha224, sha256, sha384, sha512.
	Sums []string
	// MaxContent > 0 reads regular files up to that many bytes.
	MaxContent int64
}

// sumAlgorithms are the digests coreutils provides as NAMEsum.
var sumAlgorithms = map[string]bool{"md5": true, "sha1": true, "sha224": true, "sha256": true, "sha384": true, "sha512": true}

// gatherFunc is the shell function printing one path's record. Arguments:
// index, path, follow (0/1), parent directory, max content bytes (-1:
// none), resolve (1: print the path as the shell expanded it, for "~"),
// then checksum algorithms. It runs as few programs as it can (stat, one
// NAMEsum per algorithm, base64 for content and links): on a loaded host
// every fork and exec shows in the task's time. The checksum lines keep
// NAMEsum's own "HEX  -" format; ParseGather takes the first word.
const gatherFunc = `__hs() {
  i=$1 p=$2 L=$3 par=$4 max=$5 R=$6; shift 6; sums=$*
  echo "@@hactl $i"
  if [ "$R" = 1 ]; then printf 'resolved '; printf '%s' "$p" | base64 | tr -d '\n'; echo; fi
  if [ -d "$par" ]; then echo "parent 1"; else echo "parent 0"; fi
  S=; [ "$L" = 1 ] && S=-L
  if [ "$L" = 1 ]; then [ -e "$p" ] || { echo absent; return 0; }
  else [ -e "$p" ] || [ -L "$p" ] || { echo absent; return 0; }; fi
  x=$(stat $S --printf '%f %u %g %s %.9Y %.9X %.9Z %h %i %d %b %B %t %T\nowner %U\ngroup %G' -- "$p" 2>&1) || { printf 'stat %s\n' "$x"; echo "error stat failed"; return 0; }
  printf 'stat %s\n' "$x"
  a=; [ -r "$p" ] && a=${a}r; [ -w "$p" ] && a=${a}w; [ -x "$p" ] && a=${a}x; echo "access $a"
  if [ -L "$p" ]; then
    printf 'link '; readlink -- "$p" | base64 | tr -d '\n'; echo
    printf 'real '; readlink -f -- "$p" | base64 | tr -d '\n'; echo
    [ -d "$p" ] && echo "linkdir 1"
    [ "$L" = 1 ] || return 0
  fi
  [ -f "$p" ] && [ -r "$p" ] || return 0
  for a in $sums; do printf 'sum %s ' "$a"; "${a}sum" < "$p"; done
  set -f; set -- $x; set +f
  if [ "$max" -ge 0 ] && [ "$4" -le "$max" ]; then
    echo content; if base64 < "$p"; then echo "@@end"; else echo "@@fail"; fi
  fi
}
printf 'umask '; umask
`

// Gather reads the state of one path in one Run.
func Gather(ctx context.Context, c transport.Conn, p string, o GatherOpts) (State, error) {
	st, err := GatherMany(ctx, c, []string{p}, o)
	if err != nil {
		return State{}, err
	}
	return st[0], nil
}

// GatherMany reads the state of every path in one Run, in order.
func GatherMany(ctx context.Context, c transport.Conn, paths []string, o GatherOpts) ([]State, error) {
	qs := make([]Query, len(paths))
	for i, p := range paths {
		qs[i] = Query{Path: p, Opts: o}
	}
	return GatherQueries(ctx, c, qs)
}

// Query is one path to gather with its own options.
type Query struct {
	Path string
	Opts GatherOpts
}

// GatherQueries reads the state of every queried path in one Run, in
// order, each with its own options (one round trip where a module needs
// a path and, say, a link's source followed).
func GatherQueries(ctx context.Context, c transport.Conn, qs []Query) ([]State, error) {
	script, err := QueriesScript(qs)
	if err != nil {
		return nil, err
	}
	paths := queryPaths(qs)
	res, err := c.Run(ctx, script, transport.RunOpts{})
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", strings.Join(paths, ", "), err)
	}
	if res.RC != 0 {
		return nil, fmt.Errorf("read state of %s: rc %d: %s", strings.Join(paths, ", "), res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	return ParseGather(paths, res.Stdout)
}

func queryPaths(qs []Query) []string {
	paths := make([]string, len(qs))
	for i, q := range qs {
		paths[i] = q.Path
	}
	return paths
}

// GatherScript returns the shell script Gather runs.
func GatherScript(paths []string, o GatherOpts) (string, error) {
	qs := make([]Query, len(paths))
	for i, p := range paths {
		qs[i] = Query{Path: p, Opts: o}
	}
	return QueriesScript(qs)
}

// QueriesScript returns the shell script GatherQueries runs; its output
// is decoded by ParseGather. It may end a longer script (a write), as
// long as nothing before it prints lines starting with "@@hactl" or
// "umask".
func QueriesScript(qs []Query) (string, error) {
	var b strings.Builder
	b.WriteString(gatherFunc)
	for i, q := range qs {
		o := q.Opts
		for _, a := range o.Sums {
			if !sumAlgorithms[a] {
				return "", fmt.Errorf("unsupported checksum algorithm %q (supported: md5, sha1, sha224, sha256, sha384, sha512)", a)
			}
		}
		if q.Path == "" {
			return "", fmt.Errorf("empty path")
		}
		follow := "0"
		if o.Follow {
			follow = "1"
		}
		limit := "-1"
		if o.MaxContent > 0 {
			limit = strconv.FormatInt(o.MaxContent, 10)
		}
		// Only a leading "~" makes the shell's path differ from ours.
		resolve := "0"
		if strings.HasPrefix(q.Path, "~") {
			resolve = "1"
		}
		fmt.Fprintf(&b, "__hs %d %s %s %s %s %s", i, shellx.Path(q.Path), follow, shellx.Path(parentOf(q.Path)), limit, resolve)
		for _, a := range o.Sums {
			b.WriteString(" " + a)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// parentOf returns the directory holding p ("/" for "/x", "." for "x").
func parentOf(p string) string {
	trimmed := strings.TrimRight(p, "/")
	if trimmed == "" {
		return "/"
	}
	return path.Dir(trimmed)
}

// ParseGather decodes the records GatherScript prints.
func ParseGather(paths []string, out []byte) ([]State, error) {
	states := make([]State, len(paths))
	for i, p := range paths {
		states[i] = State{Path: p, Resolved: p, Type: TypeAbsent}
	}
	var umask uint32 = 0o022
	cur := -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<30)
	var content *bytes.Buffer
	for sc.Scan() {
		line := sc.Text()
		if content != nil {
			switch line {
			case "@@end":
				data, err := base64.StdEncoding.DecodeString(content.String())
				if err != nil {
					return nil, fmt.Errorf("decode content of %s: %w", states[cur].Path, err)
				}
				states[cur].Content, states[cur].HasContent = data, true
				content = nil
			case "@@fail":
				content = nil
			default:
				content.WriteString(line)
			}
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		if key == "umask" {
			if u, err := strconv.ParseUint(strings.TrimSpace(val), 8, 32); err == nil {
				umask = uint32(u)
			}
			continue
		}
		if key == "@@hactl" {
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n >= len(paths) {
				return nil, fmt.Errorf("unexpected record %q in state output", line)
			}
			cur = n
			continue
		}
		if cur < 0 {
			continue
		}
		s := &states[cur]
		if err := s.parseField(key, val); err != nil {
			return nil, fmt.Errorf("state of %s: %w", s.Path, err)
		}
		if key == "content" {
			content = &bytes.Buffer{}
		}
	}
	if content != nil {
		return nil, fmt.Errorf("state output of %s ended inside its content", states[cur].Path)
	}
	for i := range states {
		states[i].Umask = umask
	}
	return states, nil
}

// parseField stores one "key value" line of a record.
func (s *State) parseField(key, val string) error {
	switch key {
	case "resolved":
		if b, err := base64.StdEncoding.DecodeString(val); err == nil && len(b) > 0 {
			s.Resolved = string(b)
		}
	case "parent":
		s.ParentDir = val == "1"
	case "absent":
		s.Exists, s.Type = false, TypeAbsent
	case "error":
		s.Err = val
	case "stat":
		return s.parseStat(val)
	case "owner":
		if val != "UNKNOWN" {
			s.Owner = val
		}
	case "group":
		if val != "UNKNOWN" {
			s.Group = val
		}
	case "access":
		s.Readable = strings.Contains(val, "r")
		s.Writable = strings.Contains(val, "w")
		s.Executable = strings.Contains(val, "x")
	case "linkdir":
		s.LinkToDir = val == "1"
	case "link", "real":
		b, err := base64.StdEncoding.DecodeString(val)
		if err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		t := strings.TrimSuffix(string(b), "\n")
		if key == "link" {
			s.LinkTarget = t
		} else {
			s.RealPath = t
		}
	case "sum":
		alg, rest, _ := strings.Cut(val, " ")
		if f := strings.Fields(rest); len(f) > 0 {
			sum := f[0]
			if s.Sums == nil {
				s.Sums = map[string]string{}
			}
			s.Sums[alg] = sum
		}
	}
	return nil
}

// parseStat decodes stat's "%f %u %g %s %.9Y %.9X %.9Z %h %i %d %b %B %t %T".
func (s *State) parseStat(val string) error {
	f := strings.Fields(val)
	if len(f) != 14 {
		s.Err = "unexpected stat output: " + val
		return nil
	}
	raw, err := strconv.ParseUint(f[0], 16, 32)
	if err != nil {
		return fmt.Errorf("mode %q: %w", f[0], err)
	}
	s.Exists = true
	s.Mode = uint32(raw) & 0o7777
	s.Type = typeName(uint32(raw) & 0o170000)
	ints := make([]int64, 0, 13)
	floats := map[int]float64{}
	for i, v := range f[1:] {
		switch i {
		case 3, 4, 5: // times
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("time %q: %w", v, err)
			}
			floats[i] = x
			ints = append(ints, 0)
		case 11, 12: // device numbers in hex
			x, err := strconv.ParseInt(v, 16, 64)
			if err != nil {
				return fmt.Errorf("device %q: %w", v, err)
			}
			ints = append(ints, x)
		default:
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("stat field %q: %w", v, err)
			}
			ints = append(ints, x)
		}
	}
	s.UID, s.GID, s.Size = int(ints[0]), int(ints[1]), ints[2]
	s.Mtime, s.Atime, s.Ctime = floats[3], floats[4], floats[5]
	s.Nlink, s.Inode, s.Dev = uint64(ints[6]), uint64(ints[7]), uint64(ints[8])
	s.Blocks, s.BlockSize = ints[9], ints[10]
	s.RDevMajor, s.RDevMinor = uint64(ints[11]), uint64(ints[12])
	return nil
}

func typeName(t uint32) string {
	switch t {
	case 0o100000:
		return TypeFile
	case 0o040000:
		return TypeDirectory
	case 0o120000:
		return TypeLink
	case 0o020000:
		return TypeChar
	case 0o060000:
		return TypeBlock
	case 0o010000:
		return TypeFifo
	case 0o140000:
		return TypeSocket
	}
	return "unknown"
}

// FileMode converts the state's type and permissions to an fs.FileMode.
func (s State) FileMode() fs.FileMode {
	m := fs.FileMode(s.Mode & 0o777)
	if s.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if s.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if s.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch s.Type {
	case TypeDirectory:
		m |= fs.ModeDir
	case TypeLink:
		m |= fs.ModeSymlink
	}
	return m
}
