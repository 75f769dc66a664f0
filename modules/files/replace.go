package files

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Replace{}) }

// Replace is the replace module: substitute every match of a regular
// expression in a file.
type Replace struct{}

// Spec describes the replace module.
func (Replace) Spec() module.Spec {
	return module.Spec{
		Name:  "replace",
		Short: "Replace every match of a regular expression in a file",
		Doc: `Replaces all matches of regexp in the file by replace, in multiline mode (^ and $ match at every line). after and before limit the work to the text following the first match of after and/or preceding before (matched with . matching newlines); when they do not match the file is left alone.

Python's syntax is accepted as far as Go's RE2 engine allows: lookaround and backreferences inside the pattern are refused with an error; \1, \g<1> and \g<name> work in replace. Empty matches right after a previous match are skipped (RE2 semantics), where Python 3.7+ would also replace them.`,
		Params: append(append([]module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "The file to edit."},
			{Name: "regexp", Type: module.Str, Required: true, Doc: "Python-style regular expression to replace."},
			{Name: "replace", Type: module.Str, Default: "", Doc: "Replacement text; may use \\1 or \\g<name>. Empty removes the matches."},
			{Name: "after", Type: module.Str, Doc: "Only replace after the first match of this expression."},
			{Name: "before", Type: module.Str, Doc: "Only replace before the first match of this expression."},
			{Name: "encoding", Type: module.Str, Default: "utf-8", Doc: "Encoding of the file; only utf-8 is supported."},
		}, writeParams()...), attrParams()...),
		CheckMode: true,
		Examples: `- name: Point every server line to the new address
  replace:
    path: /etc/haproxy/haproxy.cfg
    regexp: '^(\s+server\s+\S+\s+)192\.168\.56\.(\d+)'
    replace: '\g<1>10.77.0.\2'
    backup: true`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Str, Doc: `"N replacements made", or "" when nothing changed.`},
			{Name: "backup_file", Type: module.Str, Doc: "The backup's path, when backup made one."},
		},
	}
}

// replaceText performs the substitution; section is "" when after/before
// did not match (msg then says so and nothing changes).
func replaceText(contents, expr, repl, after, before string) (out string, n int, msg string, err error) {
	pattern := ""
	switch {
	case after != "" && before != "":
		pattern = after + "(?P<subsection>.*?)" + before
	case after != "":
		pattern = after + "(?P<subsection>.*)"
	case before != "":
		pattern = "(?P<subsection>.*)" + before
	}
	start, end := 0, len(contents)
	if pattern != "" {
		sre, err := compilePy("(?s)"+pattern, false)
		if err != nil {
			return "", 0, "", err
		}
		m := sre.FindStringSubmatchIndex(contents)
		if m == nil {
			return contents, 0, "Pattern for before/after params did not match the given file: " + pattern, nil
		}
		g := sre.SubexpIndex("subsection")
		start, end = m[2*g], m[2*g+1]
	}
	re, err := compilePy(expr, true)
	if err != nil {
		return "", 0, "", err
	}
	section := contents[start:end]
	replaced, n, err := subn(re, repl, section)
	if err != nil {
		return "", 0, "", err
	}
	if n == 0 || replaced == section {
		return contents, n, "", nil
	}
	return contents[:start] + replaced + contents[end:], n, fmt.Sprintf("%d replacements made", n), nil
}

// subn replaces every match with the expanded Python template.
func subn(re *regexp.Regexp, repl, s string) (string, int, error) {
	var b strings.Builder
	last, n := 0, 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		exp, err := expandPy(repl, re, s, m)
		if err != nil {
			return "", 0, err
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(exp)
		last = m[1]
		n++
	}
	b.WriteString(s[last:])
	return b.String(), n, nil
}

// Run edits the file.
func (Replace) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p := a.String("path")
	data := map[string]any{}
	if enc := strings.ToLower(strings.ReplaceAll(a.String("encoding"), "-", "")); enc != "utf8" {
		return failed(fmt.Sprintf("encoding %q is not supported (only utf-8)", a.String("encoding")), data), nil
	}
	st, attrs, res, err := openForEdit(ctx, t, a, data)
	if err != nil {
		return module.Result{}, err
	}
	if res != nil {
		return *res, nil
	}
	switch {
	case !st.Exists:
		data["rc"] = 257
		return failed(fmt.Sprintf("Path %s does not exist !", p), data), nil
	}
	before := string(st.Content)
	after, _, msg, err := replaceText(before, a.String("regexp"), a.String("replace"), a.String("after"), a.String("before"))
	if err != nil {
		return failed(err.Error(), data), nil
	}
	if strings.HasPrefix(msg, "Pattern for before/after") {
		data["msg"] = msg
		return module.Result{Msg: msg, Data: data}, nil
	}
	return editResult(ctx, t, editJob{path: p, header: p, st: st, before: before, after: after, changed: before != after,
		msg: msg, attrs: attrs, backup: a.Bool("backup"), validate: a.String("validate"), data: data, backupKey: "backup_file"})
}
