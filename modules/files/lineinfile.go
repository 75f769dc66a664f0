package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(LineInFile{}) }

// LineInFile is the lineinfile module: make sure one line is (or is not)
// in a text file.
type LineInFile struct{}

// Spec describes the lineinfile module.
func (LineInFile) Spec() module.Spec {
	return module.Spec{
		Name:  "lineinfile",
		Short: "Ensure a particular line is in a file, or replace it with a regular expression",
		Doc: `Manages one line of a text file. With state=present the last line matching regexp (or containing search_string) is replaced by line (the first one with firstmatch); when none matches and line is not already there, line is inserted after the last line matching insertafter, before the one matching insertbefore, or at BOF/EOF (the default). With state=absent every line matching regexp, containing search_string or equal to line is removed.

Regular expressions use Python's syntax as far as Go's RE2 engine allows: lookaround and backreferences inside the pattern are refused with an error. With backrefs, \1 and \g<name> in line are replaced by the groups of the match, and nothing changes when regexp does not match.

The file is rewritten atomically, with optional backup and validate; mode, owner and group are then brought in line. To manage several lines use blockinfile; to change a file wholesale use copy or template.`,
		Params: append(append([]module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "The file to edit."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "Whether the line should be there."},
			{Name: "line", Type: module.Str, Aliases: []string{"value"}, Doc: "The line to insert or replace (required with state=present)."},
			{Name: "regexp", Type: module.Str, Aliases: []string{"regex"}, Doc: "Python-style regular expression searched in every line."},
			{Name: "search_string", Type: module.Str, Doc: "Literal string searched in every line, instead of regexp."},
			{Name: "insertafter", Type: module.Str, Doc: "Insert after the last line matching this regular expression, or BOF/EOF. Default EOF."},
			{Name: "insertbefore", Type: module.Str, Doc: "Insert before the last line matching this regular expression, or BOF."},
			{Name: "backrefs", Type: module.Bool, Default: false, Doc: "Expand \\1 and \\g<name> in line from the regexp match; do nothing when it does not match."},
			{Name: "firstmatch", Type: module.Bool, Default: false, Doc: "Use the first matching line for regexp, search_string and insertafter/insertbefore instead of the last."},
			{Name: "create", Type: module.Bool, Default: false, Doc: "Create the file (and its directories) when missing; otherwise a missing file is an error."},
		}, writeParams()...), attrParams()...),
		CheckMode: true,
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"},
			{"backrefs", "search_string"}},
		Examples: `- name: Disable SELinux
  lineinfile:
    path: /etc/selinux/config
    regexp: '^SELINUX='
    line: SELINUX=disabled

- name: Let wheel sudo, checked before it is installed
  lineinfile:
    path: /etc/sudoers
    regexp: '^%wheel'
    line: '%wheel ALL=(ALL) NOPASSWD: ALL'
    validate: /usr/sbin/visudo -cf %s

- name: Remove a host entry
  lineinfile:
    path: /etc/hosts
    search_string: '192.168.56.99'
    state: absent`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Str, Doc: `What happened: "line added", "line replaced", "N line(s) removed", plus a note when attributes changed.`},
			{Name: "backup", Type: module.Str, Doc: `The backup file's path ("" when none was made).`},
			{Name: "found", Type: module.Int, Doc: "With state=absent, how many lines were removed."},
		},
	}
}

// lineSpecFromArgs compiles the arguments into a lineSpec, or returns
// the message Ansible fails with.
func lineSpecFromArgs(a module.Args) (lineSpec, string) {
	s := lineSpec{line: a.String("line"), backrefs: a.Bool("backrefs"), firstMatch: a.Bool("firstmatch"),
		insertAfter: a.String("insertafter"), insertBefore: a.String("insertbefore")}
	present := a.String("state") == "present"
	switch {
	case present && s.backrefs && !a.Has("regexp"):
		return s, "regexp is required with backrefs=true"
	case present && !a.Has("line"):
		return s, "line is required with state=present"
	case !present && !a.Has("regexp") && !a.Has("search_string") && !a.Has("line"):
		return s, "one of line, search_string, or regexp is required with state=absent"
	}
	if a.Has("regexp") {
		re, err := compilePy(a.String("regexp"), false)
		if err != nil {
			return s, err.Error()
		}
		s.re = re
	}
	if a.Has("search_string") {
		v := a.String("search_string")
		s.search = &v
	}
	if s.insertAfter == "" && s.insertBefore == "" {
		s.insertAfter = "EOF"
	}
	insPattern := ""
	switch {
	case s.insertAfter != "" && s.insertAfter != "EOF" && s.insertAfter != "BOF":
		insPattern = s.insertAfter
	case s.insertBefore != "" && s.insertBefore != "BOF":
		insPattern = s.insertBefore
	}
	if insPattern != "" {
		re, err := compilePy(insPattern, false)
		if err != nil {
			return s, err.Error()
		}
		s.insRe = re
	}
	return s, ""
}

// Run edits the file.
func (LineInFile) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p := a.String("path")
	data := map[string]any{"backup": ""}
	spec, msg := lineSpecFromArgs(a)
	if msg != "" {
		return failed(msg, data), nil
	}
	st, attrs, res, err := openForEdit(ctx, t, a, data)
	if err != nil {
		return module.Result{}, err
	}
	if res != nil {
		return *res, nil
	}
	present := a.String("state") == "present"
	if !st.Exists {
		if !present {
			return module.Result{Msg: "file not present", Data: map[string]any{"backup": "", "msg": "file not present"}}, nil
		}
		if !a.Bool("create") {
			data["rc"] = 257
			return failed(fmt.Sprintf("Destination %s does not exist !", p), data), nil
		}
	}
	before := string(st.Content)
	lines := splitLines(before)
	if present {
		if lines, msg, err = spec.present(lines); err != nil {
			return failed(err.Error(), data), nil
		}
	} else {
		var n int
		lines, n = spec.absent(lines)
		data["found"] = n
		if n > 0 {
			msg = fmt.Sprintf("%d line(s) removed", n)
		}
	}
	after := strings.Join(lines, "")
	return editResult(ctx, t, editJob{path: p, st: st, before: before, after: after, changed: before != after || !st.Exists,
		msg: msg, attrs: attrs, backup: a.Bool("backup"), validate: a.String("validate"), data: data, backupKey: "backup"})
}
