package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Template{}) }

// Template is the template module: render a Jinja2 file from the
// controller and put the result on the host like copy does.
type Template struct{}

// Spec describes the template module.
func (Template) Spec() module.Spec {
	return module.Spec{
		Name:  "template",
		Short: "Render a Jinja2 template onto the host",
		Doc: `Renders the controller file src with the host's variables and writes the result to dest exactly like copy writes content: only when it differs, atomically, with optional backup and validate, then mode, owner and group.

A relative src is looked up in the role's and playbook's templates/ directories. The engine is configured as Ansible configures Jinja2 (trim_blocks on, lstrip_blocks off, the trailing newline kept, undefined variables are errors). Besides the host's variables a template sees template_path, template_fullpath, template_destpath, template_host, template_uid and ansible_managed (unless the inventory defines it).

newline_sequence converts every newline of the rendered text, including those coming from variable values. Only UTF-8 output is supported; custom Jinja delimiters are not.`,
		Params: append(append([]module.Param{
			{Name: "src", Type: module.Path, Required: true, Doc: "The template on the controller."},
			{Name: "dest", Type: module.Path, Required: true, Doc: "Where the rendered file goes on the host."},
			{Name: "force", Type: module.Bool, Default: true, Doc: "Replace an existing dest whose content differs; with false only a missing dest is written."},
			{Name: "follow", Type: module.Bool, Default: false, Doc: "When dest is a symlink, write through it to its target."},
			{Name: "newline_sequence", Type: module.Str, Default: `\n`, Choices: []any{`\n`, `\r`, `\r\n`}, Doc: "Line ending of the rendered file."},
			{Name: "trim_blocks", Type: module.Bool, Default: true, Doc: "Remove the first newline after a block tag."},
			{Name: "lstrip_blocks", Type: module.Bool, Default: false, Doc: "Strip spaces and tabs from the start of a line up to a block tag."},
			{Name: "output_encoding", Type: module.Str, Default: "utf-8", Doc: "Encoding of the written file; only utf-8 is supported."},
		}, writeParams()...), attrParams()...),
		CheckMode: true,
		Examples: `- name: Configure HAProxy
  template:
    src: haproxy.cfg.j2
    dest: /etc/haproxy/haproxy.cfg
    owner: root
    group: root
    mode: "0644"
    validate: haproxy -c -f %s
    backup: true`,
		Returns: fileReturns,
	}
}

// Run renders and writes.
func (Template) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	dest := a.String("dest")
	data := map[string]any{"dest": dest}
	if enc := strings.ToLower(strings.ReplaceAll(a.String("output_encoding"), "-", "")); enc != "utf8" {
		return failed(fmt.Sprintf("output_encoding %q is not supported (only utf-8)", a.String("output_encoding")), data), nil
	}
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), data), nil
	}
	src, err := t.FindFile("templates", a.String("src"))
	if err != nil {
		return failed(fmt.Sprintf("Could not find or access '%s': %v", a.String("src"), err), data), nil
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return failed(fmt.Sprintf("Could not read template '%s': %v", src, err), data), nil
	}
	text := adjustWhitespace(string(raw), a.Bool("trim_blocks"), a.Bool("lstrip_blocks"))
	text = templateVars(t, src, a.String("src"), dest) + text
	out, err := t.Render(src, text)
	if err != nil {
		return failed(fmt.Sprintf("AnsibleError: template error while templating %s: %v", a.String("src"), err), data), nil
	}
	if nl := unescapeNewline(a.String("newline_sequence")); nl != "\n" {
		out = strings.ReplaceAll(out, "\n", nl)
	}
	if a.String("mode") == "preserve" {
		fi, err := os.Stat(src)
		if err != nil {
			return failed(err.Error(), data), nil
		}
		if attrs, err = preserveMode(a, attrs, fi.Mode()); err != nil {
			return failed(err.Error(), data), nil
		}
	}
	job := putJob{dest: dest, content: []byte(out), attrs: attrs, backup: a.Bool("backup"),
		validate: a.String("validate"), force: a.Bool("force"), follow: a.Bool("follow"), afterHeader: src}
	data["src"] = src
	if strings.HasSuffix(dest, "/") {
		if job.dest, job.parentPlanned, err = intoDir(ctx, t, dest, filepath.Base(src)); err != nil {
			return module.Result{}, err
		}
	} else {
		job.intoBase = filepath.Base(src)
	}
	return finishPut(ctx, t, job, "", data)
}

func unescapeNewline(s string) string {
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(s)
}

// templateVars returns {% set %} statements defining the template_*
// variables Ansible provides. They print nothing and take no line.
func templateVars(t *module.Target, full, given, dest string) string {
	host, _ := os.Hostname()
	uid := ""
	if fi, err := os.Stat(full); err == nil {
		uid = fileOwner(fi)
	}
	vars := [][2]string{
		{"template_path", given}, {"template_fullpath", full}, {"template_destpath", dest},
		{"template_host", host}, {"template_uid", uid},
	}
	if _, ok := t.Vars["ansible_managed"]; !ok {
		vars = append(vars, [2]string{"ansible_managed", "Ansible managed"})
	}
	var b strings.Builder
	for _, v := range vars {
		q, _ := json.Marshal(v[1]) // a JSON string is a valid Jinja string literal
		fmt.Fprintf(&b, "{%% set %s = %s %%}", v[0], q)
	}
	return b.String()
}

var (
	// blockLine matches a line's leading blanks before a block or comment
	// tag that does not opt out with "+".
	blockLine = regexp.MustCompile(`(?m)^[ \t]+(\{%|\{#)([^+]|$)`)
	// blockEnd matches the end of a block tag followed by a newline,
	// unless the tag already strips (-%}) or keeps (+%}) it.
	blockEnd = regexp.MustCompile(`([^-+])([%#])\}(\r?\n)`)
)

// adjustWhitespace rewrites template text so that the engine, which
// always trims blocks and never lstrips them, renders it as Jinja2 would
// with the requested settings.
func adjustWhitespace(text string, trim, lstrip bool) string {
	if lstrip {
		text = blockLine.ReplaceAllString(text, "$1$2")
	}
	if !trim {
		// A doubled newline loses one to the engine's trim_blocks.
		text = blockEnd.ReplaceAllString(text, "$1$2}$3$3")
	}
	return text
}
