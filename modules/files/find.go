package files

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Find{}) }

// Find is the find module: list files matching criteria on the host.
type Find struct{}

// Spec describes the find module.
func (Find) Spec() module.Spec {
	return module.Spec{
		Name:  "find",
		Short: "Find files by name, type, age, size or content",
		Doc: `Lists the entries of the directories in paths (and below them with recurse) that match every criterion given, and returns them in files as stat-like dictionaries (path, mode, uid, pw_name, size, mtime, isdir, isreg, islnk, …). Never changes anything.

Names are matched on their last element: patterns and excludes are shell globs (fnmatch: *, ?, [..], [!..]), or Python regular expressions anchored at the start of the name with use_regex. Entries whose name starts with "." are left out unless hidden (their content is still walked, as Ansible does). file_type chooses files, directories, links or any. age ("2d", "-1h", units s m h d w; negative means newer than) is compared with age_stamp; size ("10m", "-100k", units b k m g t; negative means at most) applies to regular files; contains is a regular expression a line must match from its start (or that must be found anywhere in the file with read_whole_file), for file_type file only.

The listing is one find(1) command on the host; when contains or get_checksum is given, a second command reads only the candidates left by the other criteria. With follow, find -L walks symlinked directories and the entries are described by their targets. Paths may use ~ and $VAR (expanded by the host's shell; an unset variable stays as written).`,
		Params: []module.Param{
			{Name: "paths", Type: module.List, Elements: module.Str, Required: true, Aliases: []string{"name", "path"}, Doc: "Directories to search."},
			{Name: "patterns", Type: module.List, Elements: module.Str, Default: []any{}, Aliases: []string{"pattern"}, Doc: "Name patterns; any may match (default: everything)."},
			{Name: "excludes", Type: module.List, Elements: module.Str, Aliases: []string{"exclude"}, Doc: "Name patterns to leave out."},
			{Name: "contains", Type: module.Str, Doc: "Regular expression the content must match (file_type file)."},
			{Name: "read_whole_file", Type: module.Bool, Default: false, Doc: "Search contains in the whole content instead of matching line starts."},
			{Name: "file_type", Type: module.Str, Default: "file", Choices: []any{"any", "directory", "file", "link"}, Doc: "Kind of entry to return."},
			{Name: "age", Type: module.Str, Doc: `Minimum age ("4w", "3d", "2h"; a negative value is a maximum).`},
			{Name: "age_stamp", Type: module.Str, Default: "mtime", Choices: []any{"atime", "ctime", "mtime"}, Doc: "Which time age compares."},
			{Name: "size", Type: module.Str, Doc: `Minimum size ("1m", "500k"; a negative value is a maximum).`},
			{Name: "recurse", Type: module.Bool, Default: false, Doc: "Descend into subdirectories."},
			{Name: "depth", Type: module.Int, Doc: "With recurse, how deep to go (1: the directories' own entries)."},
			{Name: "hidden", Type: module.Bool, Default: false, Doc: `Include entries whose name starts with ".".`},
			{Name: "follow", Type: module.Bool, Default: false, Doc: "Walk into symlinked directories."},
			{Name: "get_checksum", Type: module.Bool, Default: false, Doc: "Add the SHA-1 of regular files as checksum."},
			{Name: "use_regex", Type: module.Bool, Default: false, Doc: "patterns and excludes are regular expressions."},
		},
		CheckMode: true,
		Examples: `- name: Old rotated logs
  find:
    paths: /var/log/haproxy
    patterns: "*.gz"
    age: 2w
  register: old

- file:
    path: "{{ item.path }}"
    state: absent
  loop: "{{ old.files }}"`,
		Returns: []module.ReturnValue{
			{Name: "files", Type: module.List, Doc: "The matching entries, each a dictionary like stat's."},
			{Name: "matched", Type: module.Int, Doc: "How many entries matched."},
			{Name: "examined", Type: module.Int, Doc: "How many entries were looked at."},
			{Name: "skipped_paths", Type: module.Dict, Doc: "Paths that could not be searched, with the reason."},
			{Name: "msg", Type: module.Str, Doc: `"All paths examined", or a note that some were not.`},
		},
	}
}

// findQuery is the validated criteria of one find run.
type findQuery struct {
	patterns, excludes []string
	useRegex           bool
	patRe, exRe        []*regexp.Regexp
	fileType           string
	age                *int64 // seconds
	ageStamp           string
	size               *int64 // bytes
	contains           *regexp.Regexp
	wholeFile          bool
	recurse            bool
	depth              int
	hidden             bool
	follow             bool
	checksum           bool
}

// Run searches.
func (Find) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	q, res, ok := parseFindArgs(a)
	if !ok {
		return res, nil
	}
	scan, err := scanPaths(ctx, t, a.Strings("paths"), q)
	if err != nil {
		return module.Result{}, err
	}
	now := float64(time.Now().UnixNano()) / 1e9
	var matches []findEntry
	for _, e := range scan.ordered() {
		if q.keep(e, now) {
			matches = append(matches, e)
		}
	}
	if matches, err = q.readContent(ctx, t, matches); err != nil {
		return module.Result{}, err
	}
	files := make([]any, 0, len(matches))
	for _, e := range matches {
		files = append(files, e.dict())
	}
	msg := "All paths examined"
	if len(scan.skipped) > 0 {
		msg = "Not all paths examined, check warnings for details"
	}
	return module.Result{Msg: msg, Data: map[string]any{
		"files": files, "matched": len(files), "examined": scan.examined, "skipped_paths": scan.skipped, "msg": msg,
	}}, nil
}

// parseFindArgs checks the criteria; on a problem it returns Ansible's
// failed result.
func parseFindArgs(a module.Args) (findQuery, module.Result, bool) {
	q := findQuery{
		patterns: a.Strings("patterns"), excludes: a.Strings("excludes"), useRegex: a.Bool("use_regex"),
		fileType: a.String("file_type"), ageStamp: a.String("age_stamp"), wholeFile: a.Bool("read_whole_file"),
		recurse: a.Bool("recurse"), depth: a.Int("depth"), hidden: a.Bool("hidden"), follow: a.Bool("follow"),
		checksum: a.Bool("get_checksum"),
	}
	if len(q.patterns) == 0 {
		q.patterns = []string{"*"}
		if q.useRegex {
			q.patterns = []string{".*"}
		}
	}
	if a.Has("age") {
		n, ok := parseUnits(a.String("age"), ageUnits)
		if !ok {
			return q, failed("failed to process age", map[string]any{"age": a.String("age")}), false
		}
		q.age = &n
	}
	if a.Has("size") {
		n, ok := parseUnits(a.String("size"), sizeUnits)
		if !ok {
			return q, failed("failed to process size", map[string]any{"size": a.String("size")}), false
		}
		q.size = &n
	}
	if q.useRegex {
		for _, list := range []struct {
			src []string
			dst *[]*regexp.Regexp
		}{{q.patterns, &q.patRe}, {q.excludes, &q.exRe}} {
			for _, p := range list.src {
				re, err := compilePy(p, false)
				if err != nil {
					return q, failed(fmt.Sprintf("invalid regular expression %q: %v", p, err), nil), false
				}
				*list.dst = append(*list.dst, re)
			}
		}
	}
	if a.Has("contains") {
		re, err := compilePy(a.String("contains"), false)
		if err != nil {
			return q, failed(fmt.Sprintf("invalid regular expression %q in contains: %v", a.String("contains"), err), nil), false
		}
		q.contains = re
	}
	return q, module.Result{}, true
}

var (
	ageUnits  = map[string]int64{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
	sizeUnits = map[string]int64{"": 1, "b": 1, "k": 1024, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
	unitsRe   = regexp.MustCompile(`^(-?\d+)([a-z]?)$`)
)

// parseUnits reads find's age and size values: an optionally negative
// integer and one unit letter (case-insensitive).
func parseUnits(s string, units map[string]int64) (int64, bool) {
	m := unitsRe.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, false
	}
	mult, ok := units[m[2]]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return n * mult, true
}

// keep applies every criterion but contains to one entry.
func (q findQuery) keep(e findEntry, now float64) bool {
	if strings.HasPrefix(e.name, ".") && !q.hidden {
		return false
	}
	if q.depth > 0 && e.depth > q.depth {
		return false
	}
	switch q.fileType {
	case "directory":
		if e.typ != 'd' {
			return false
		}
	case "file":
		if e.typ != 'f' || !q.sizeOK(e) {
			return false
		}
	case "link":
		if e.typ != 'l' {
			return false
		}
	case "any":
		if e.typ == 'f' && !q.sizeOK(e) {
			return false
		}
	}
	return q.nameOK(e.name) && q.ageOK(e, now)
}

// nameOK is Ansible's pfilter: some pattern matches and no exclude does.
func (q findQuery) nameOK(name string) bool {
	match := func(i int, pats []string, res []*regexp.Regexp) bool {
		if q.useRegex {
			loc := res[i].FindStringIndex(name)
			return loc != nil && loc[0] == 0
		}
		return fnmatch(pats[i], name)
	}
	for i := range q.patterns {
		if !match(i, q.patterns, q.patRe) {
			continue
		}
		for j := range q.excludes {
			if match(j, q.excludes, q.exRe) {
				return false
			}
		}
		return true
	}
	return false
}

func (q findQuery) ageOK(e findEntry, now float64) bool {
	if q.age == nil {
		return true
	}
	stamp := map[string]float64{"atime": e.atime, "ctime": e.ctime, "mtime": e.mtime}[q.ageStamp]
	age := float64(*q.age)
	if age >= 0 {
		return now-stamp >= age
	}
	return now-stamp <= -age
}

func (q findQuery) sizeOK(e findEntry) bool {
	if q.size == nil {
		return true
	}
	if *q.size >= 0 {
		return e.size >= *q.size
	}
	return e.size <= -*q.size
}

// fnmatch matches a name against a shell glob as Python's fnmatch does:
// * and ? match any character, [...] a class, [!...] its complement, and
// an unclosed [ is literal.
func fnmatch(pattern, name string) bool {
	re, err := regexp.Compile(globRegexp(pattern))
	if err != nil {
		return false
	}
	return re.MatchString(name)
}

// globRegexp translates an fnmatch pattern into an anchored regexp.
func globRegexp(pat string) string {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			class := rs[i+1 : j]
			b.WriteByte('[')
			if len(class) > 0 && class[0] == '!' {
				b.WriteByte('^')
				class = class[1:]
			}
			for _, r := range class {
				if r == '\\' || r == '[' || r == ']' || r == '^' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return b.String()
}
