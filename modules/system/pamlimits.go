package system

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(PamLimits{}) }

// PamLimits is the pam_limits module (community.general.pam_limits).
type PamLimits struct{}

var (
	pamItems = []any{"core", "data", "fsize", "memlock", "nofile", "rss", "stack", "cpu", "nproc", "as", "maxlogins", "maxsyslogins", "priority", "locks",
		"sigpending", "msgqueue", "nice", "rtprio", "chroot"}
	pamTypes = []any{"soft", "hard", "-"}
)

// Spec describes the pam_limits module.
func (PamLimits) Spec() module.Spec {
	return module.Spec{
		Name:  "pam_limits",
		Short: "Set one limit in /etc/security/limits.conf",
		Doc: `Sets one limit (domain, type, item, value) in limits.conf or another file in its format, editing the file line by line the way Ansible does: the matching line is replaced by a tab-separated one, other lines are kept byte for byte, and a missing limit is appended. With use_max or use_min an existing value is only raised or lowered. A missing file is created (an empty file counts as a change). The result's msg is the line that now holds the limit.

Like Ansible, a comment on an earlier line is carried onto a new line when no comment is given. Unlike Ansible, the backup copy is only made when the file changes.`,
		Params: []module.Param{
			{Name: "domain", Type: module.Str, Required: true, Doc: "A user, @group, wildcard or uid/gid range."},
			{Name: "limit_type", Type: module.Str, Required: true, Choices: pamTypes, Doc: "soft, hard or - (both)."},
			{Name: "limit_item", Type: module.Str, Required: true, Choices: pamItems, Doc: "The limited resource."},
			{Name: "value", Type: module.Str, Required: true, Doc: "A number, or unlimited, infinity or -1 (nice and priority: -20 to 19)."},
			{Name: "use_max", Type: module.Bool, Default: false, Doc: "Keep the larger of the current and the given value."},
			{Name: "use_min", Type: module.Bool, Default: false, Doc: "Keep the smaller of the current and the given value."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a timestamped copy of the file before changing it."},
			{Name: "dest", Type: module.Str, Default: "/etc/security/limits.conf", Doc: "The limits file."},
			{Name: "comment", Type: module.Str, Default: "", Doc: "A comment put after the limit."},
		},
		CheckMode: true,
		Examples: `- name: Let MariaDB open many files
  pam_limits:
    domain: mysql
    limit_type: '-'
    limit_item: nofile
    value: "65535"
    dest: /etc/security/limits.d/mysql.conf`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Str, Doc: "The line holding the limit."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup's path, when one was made."},
		},
	}
}

// pyRepr quotes s as Python's repr does for simple strings.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isUnlimited(v string) bool { return v == "unlimited" || v == "infinity" || v == "-1" }

// limitValueError returns Ansible's message for an invalid value ("" when
// valid).
func limitValueError(item, value, prefix string) string {
	if item == "nice" || item == "priority" {
		if n, err := strconv.Atoi(value); err != nil || n < -20 || n > 19 {
			return fmt.Sprintf("%s Value of %s for item %s is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.", prefix, pyRepr(value), pyRepr(item))
		}
		return ""
	}
	if isUnlimited(value) || isDigits(value) {
		return ""
	}
	return fmt.Sprintf("%s Value of %s for item %s is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.", prefix, pyRepr(value), pyRepr(item))
}

var spaceRun = regexp.MustCompile(`\s+`)

// limitsPlan is the outcome of the edit.
type limitsPlan struct {
	content string
	changed bool
	msg     string
	err     string // a failure message
}

// planLimits edits content the way Ansible's pam_limits does.
func planLimits(file, content, domain, typ, item, value string, useMax, useMin bool, comment string) limitsPlan {
	var b strings.Builder
	var p limitsPlan
	found := false
	newValue := value
	for line := range strings.Lines(content) {
		if strings.HasPrefix(line, "#") {
			b.WriteString(line)
			continue
		}
		norm := strings.TrimSpace(spaceRun.ReplaceAllString(line, " "))
		if norm == "" {
			b.WriteString(line)
			continue
		}
		norm, _, _ = strings.Cut(norm, "#")
		oldComment := ""
		if _, c, ok := strings.Cut(line, "#"); ok {
			oldComment = c
		}
		norm = strings.TrimRight(norm, " \t\r\n\v\f")
		if comment == "" {
			comment = oldComment
		}
		f := strings.Split(norm, " ")
		if len(f) != 4 {
			b.WriteString(line)
			continue
		}
		if e := limitValueError(f[2], f[3], fmt.Sprintf("Invalid configuration found in '%s'.", file)); e != "" {
			return limitsPlan{err: e}
		}
		if f[0] != domain || f[1] != typ || f[2] != item {
			b.WriteString(line)
			continue
		}
		found = true
		actual := f[3]
		if value == actual {
			p.msg = line
			b.WriteString(line)
			continue
		}
		// Ansible compares the type (not the item) with nice/priority
		// here, so unlimited values are always recognised.
		au, vu := isUnlimited(actual), isUnlimited(value)
		if useMax {
			switch {
			case au:
				newValue = actual
			case vu:
				newValue = value
			default:
				newValue = strconv.Itoa(max(atoi(value), atoi(actual)))
			}
		}
		if useMin {
			switch {
			case au && vu:
				newValue = actual
			case au:
				newValue = value
			case vu:
				newValue = actual
			default:
				newValue = strconv.Itoa(min(atoi(value), atoi(actual)))
			}
		}
		if newValue == actual {
			p.msg = line
			b.WriteString(line)
			continue
		}
		p.changed = true
		if comment != "" {
			comment = "\t#" + comment
		}
		p.msg = domain + "\t" + typ + "\t" + item + "\t" + newValue + comment + "\n"
		b.WriteString(p.msg)
	}
	if !found {
		p.changed = true
		if comment != "" {
			comment = "\t#" + comment
		}
		p.msg = domain + "\t" + typ + "\t" + item + "\t" + newValue + comment + "\n"
		b.WriteString(p.msg)
	}
	p.content = b.String()
	return p
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// Run sets the limit.
func (PamLimits) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	dest := a.String("dest")
	st, err := remotefile.Gather(ctx, t.Conn, dest, remotefile.GatherOpts{Follow: true, MaxContent: 16 << 20})
	if err != nil {
		return module.Result{}, fmt.Errorf("pam_limits: read %s: %w", dest, err)
	}
	created := false
	switch {
	case st.Exists && st.Type == remotefile.TypeFile && !st.Writable:
		return module.Failf("%s is not writable. Use sudo", dest), nil
	case st.Exists && (st.Type != remotefile.TypeFile || !st.HasContent):
		return module.Failf("pam_limits: cannot read %s as a file", dest), nil
	case !st.Exists && !st.ParentDir:
		return module.Failf("directory %s is not writable (check presence, access rights, use sudo)", path.Dir(dest)), nil
	case !st.Exists:
		created = true
	}
	if a.Bool("use_max") && a.Bool("use_min") {
		return module.Failf("Cannot use use_min and use_max at the same time."), nil
	}
	if e := limitValueError(a.String("limit_item"), a.String("value"), ""); e != "" {
		return module.Failf("%s", e), nil
	}
	p := planLimits(dest, string(st.Content), a.String("domain"), a.String("limit_type"), a.String("limit_item"), a.String("value"), a.Bool("use_max"), a.Bool("use_min"), a.String("comment"))
	if p.err != "" {
		return module.Failf("%s", p.err), nil
	}
	for _, v := range []string{a.String("domain"), a.String("value"), a.String("comment")} {
		if strings.ContainsAny(v, "\n\r") {
			return module.Failf("pam_limits: arguments must not hold line breaks"), nil
		}
	}
	res := module.Result{Changed: p.changed || created, Msg: p.msg, Data: map[string]any{}}
	if t.Diff {
		res.Diff = []module.FileDiff{remotefile.ContentDiff(dest, dest, st.Content, []byte(p.content))}
	}
	if t.Check || !res.Changed {
		return res, nil
	}
	backup, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: dest, Content: []byte(p.content), Current: st, Backup: a.Bool("backup")})
	if err != nil {
		return module.Result{}, fmt.Errorf("pam_limits: write %s: %w", dest, err)
	}
	if backup != "" {
		res.Data["backup_file"] = backup
	}
	return res, nil
}
