package files

import (
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/remotefile"
)

// archiveFormat is one kind of archive unarchive handles.
type archiveFormat struct {
	key     string // what the detection script prints
	handler string // Ansible's handler name, returned as "handler"
	tarFlag string // tar's decompression flag ("" for zip and plain tar)
}

var archiveFormats = map[string]archiveFormat{
	"zip": {"zip", "ZipArchive", ""},
	"gz":  {"gz", "TgzArchive", "-z"},
	"tar": {"tar", "TarArchive", ""},
	"bz2": {"bz2", "TarBzipArchive", "-j"},
	"xz":  {"xz", "TarXzArchive", "-J"},
	"zst": {"zst", "TarZstdArchive", "--zstd"},
}

// archiveEntry is one member of an archive as its listing describes it.
type archiveEntry struct {
	raw    string // the name as stored (returned by list_files)
	name   string // cleaned relative path ("." for the top directory)
	typ    byte   // '-' file, 'd' directory, 'l' symlink, 'h' hard link, others
	perm   uint32 // permission bits, including setuid/setgid/sticky
	size   int64
	mtime  int64  // seconds since the epoch
	stamp  string // zip: the time as zipinfo -T prints it (UTC)
	target string // symlink or hard link target (tar)
}

var tarLine = regexp.MustCompile(`^(\S{10})\s+\S+\s+(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(".*)$`)

// parseTarListing reads `tar -tv --full-time --quoting-style=c` output
// made with TZ=UTC.
func parseTarListing(out string) ([]archiveEntry, error) {
	var entries []archiveEntry
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := tarLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("unexpected line in the archive listing: %q", line)
		}
		e := archiveEntry{typ: m[1][0], perm: permBits(m[1])}
		if e.typ == '-' || e.typ == 'h' || e.typ == 'l' || e.typ == 'd' {
			n, err := strconv.ParseInt(m[2], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("size %q in the archive listing: %w", m[2], err)
			}
			e.size = n
		}
		ts, err := time.Parse("2006-01-02 15:04:05", m[3])
		if err != nil {
			return nil, fmt.Errorf("time %q in the archive listing: %w", m[3], err)
		}
		e.mtime = ts.Unix()
		name, rest, err := unquoteC(m[4])
		if err != nil {
			return nil, fmt.Errorf("name in %q: %w", line, err)
		}
		e.raw = name
		switch {
		case strings.HasPrefix(rest, " -> "):
			e.target, _, err = unquoteC(rest[4:])
		case strings.HasPrefix(rest, " link to "):
			e.target, _, err = unquoteC(rest[9:])
		}
		if err != nil {
			return nil, fmt.Errorf("link target in %q: %w", line, err)
		}
		if e.name = cleanMember(name); e.name == "" {
			continue
		}
		entries = append(entries, e)
	}
	return entries, nil
}

var zipLine = regexp.MustCompile(`^(\S{10})\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(\d{8}\.\d{6}) (.*)$`)

// parseZipListing reads `zipinfo -T` output made with TZ=UTC (header and
// trailer lines are skipped).
func parseZipListing(out string) []archiveEntry {
	var entries []archiveEntry
	for _, line := range strings.Split(out, "\n") {
		m := zipLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		e := archiveEntry{raw: m[4], typ: m[1][0], perm: permBits(m[1]), stamp: m[3]}
		e.size, _ = strconv.ParseInt(m[2], 10, 64)
		if strings.HasSuffix(e.raw, "/") {
			e.typ = 'd'
		}
		if e.name = cleanMember(e.raw); e.name == "" {
			continue
		}
		entries = append(entries, e)
	}
	return entries
}

// cleanMember normalizes a member name relative to dest; names climbing
// out of it give "" (tar and unzip refuse to write them).
func cleanMember(name string) string {
	c := path.Clean("./" + name)
	if c == ".." || strings.HasPrefix(c, "../") || strings.HasPrefix(name, "/") {
		return ""
	}
	return c
}

// permBits reads "drwsr-x--T"-style permissions.
func permBits(s string) uint32 {
	if len(s) < 10 {
		return 0
	}
	var m uint32
	for i, c := range s[1:10] {
		bit := uint32(1) << (8 - i)
		switch c {
		case 'r', 'w', 'x':
			m |= bit
		case 's':
			m |= bit
			m |= map[int]uint32{2: 0o4000, 5: 0o2000}[i]
		case 'S':
			m |= map[int]uint32{2: 0o4000, 5: 0o2000}[i]
		case 't':
			m |= bit | 0o1000
		case 'T':
			m |= 0o1000
		}
	}
	return m
}

// unquoteC reads a C-quoted string ("…" with \n, \t, \\, \", \ooo, …) at
// the start of s and returns it and what follows.
func unquoteC(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, errors.New("not a quoted string")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], nil
		case c != '\\':
			b.WriteByte(c)
		case i+1 >= len(s):
			return "", "", errors.New("unfinished escape")
		default:
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '0', '1', '2', '3':
				if i+2 >= len(s) {
					return "", "", errors.New("short octal escape")
				}
				n, err := strconv.ParseUint(s[i:i+3], 8, 8)
				if err != nil {
					return "", "", fmt.Errorf("octal escape: %w", err)
				}
				b.WriteByte(byte(n))
				i += 2
			default:
				b.WriteByte(e)
			}
		}
	}
	return "", "", errors.New("unterminated quoted string")
}

// compareOpts says what a comparison takes into account.
type compareOpts struct {
	checkMode bool // compare permissions (no mode argument, extracting as root)
	keepNewer bool // a destination file newer than the member is kept
}

// memberDiff tells why a member is not in place in dest ("" when it is).
// What is compared: the type (file, directory, symlink); for files the
// size and the modification time in whole seconds (tar) or the time
// zipinfo prints (zip); for tar symlinks the target; the permission bits
// when opts.checkMode. Owners and the content itself are not compared.
func memberDiff(e archiveEntry, st remotefile.State, o compareOpts) string {
	if !st.Exists {
		return "missing"
	}
	switch e.typ {
	case '-', 'h':
		if st.Type != remotefile.TypeFile {
			return "not a file"
		}
	case 'd':
		if st.Type != remotefile.TypeDirectory {
			return "not a directory"
		}
	case 'l':
		if st.Type != remotefile.TypeLink {
			return "not a symlink"
		}
		if e.target != "" && st.LinkTarget != e.target {
			return "symlink differs"
		}
		return ""
	default:
		return ""
	}
	if e.typ == '-' {
		got := int64(math.Floor(st.Mtime))
		sameTime, newer := got == e.mtime, got > e.mtime
		if e.stamp != "" {
			stamp := time.Unix(got, 0).UTC().Format("20060102.150405")
			sameTime, newer = stamp == e.stamp, stamp > e.stamp
		}
		switch {
		case o.keepNewer && newer:
			return "" // kept as it is, whatever its size
		case st.Size != e.size:
			return "size differs"
		case !sameTime:
			return "mod time differs"
		}
	}
	if o.checkMode && st.Mode != e.perm {
		return "mode differs"
	}
	return ""
}
