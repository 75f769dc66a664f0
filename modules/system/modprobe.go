package system

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Modprobe{}) }

const (
	modulesLoadDir = "/etc/modules-load.d"
	modprobeDir    = "/etc/modprobe.d"
)

// Modprobe is the modprobe module (community.general.modprobe).
type Modprobe struct{}

// Spec describes the modprobe module.
func (Modprobe) Spec() module.Spec {
	return module.Spec{
		Name:  "modprobe",
		Short: "Load or unload a kernel module, now and at boot",
		Doc: `Loads (or unloads) a kernel module with modprobe, and with persistent: present makes it load at boot with its parameters: NAME.conf in /etc/modules-load.d holds the name and NAME.conf in /etc/modprobe.d holds "options NAME PARAM=VALUE" lines. persistent: absent comments out every line loading the module or setting its options in those directories. A module counts as loaded when /proc/modules lists it or it is built into the kernel (modules.builtin).

Files are edited as Ansible edits them (lines commented with "#", the file written back with Ansible's line joining). Unlike Ansible, check mode writes nothing at all.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The kernel module."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the module is loaded."},
			{Name: "params", Type: module.Str, Default: "", Doc: "Parameters, e.g. \"numdummies=2 foo=bar\"."},
			{Name: "persistent", Type: module.Str, Default: "disabled", Choices: []any{"disabled", "present", "absent"}, Doc: "Whether the module loads at boot (disabled leaves the files alone)."},
		},
		CheckMode: true,
		Examples: `- name: Keepalived's IPVS needs ip_vs at boot
  modprobe:
    name: ip_vs
    state: present
    persistent: present`,
		Returns: []module.ReturnValue{
			{Name: "name", Type: module.Str, Doc: "The module."},
			{Name: "params", Type: module.Str, Doc: "The params argument."},
			{Name: "state", Type: module.Str, Doc: "The state argument."},
		},
	}
}

// modState is what the gather script saw.
type modState struct {
	loaded      bool
	loadFiles   map[string]string // /etc/modules-load.d files
	optionFiles map[string]string // /etc/modprobe.d files
}

var modNameRe = regexp.MustCompile(`^[A-Za-z0-9_.+-]+$`)

func gatherModule(ctx context.Context, conn transport.Conn, name string) (modState, error) {
	script := fmt.Sprintf(`n=%s
u=$(printf '%%s' "$n" | tr - _)
if grep -q "^$u " /proc/modules 2>/dev/null || grep -q "/$n\.ko\$" "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null; then echo loaded; else echo unloaded; fi
for f in %s/* %s/*; do [ -f "$f" ] || continue; printf '%%s %%s\n' "$(printf '%%s' "$f" | base64 -w0)" "$(base64 -w0 < "$f")"; done
`, transport.Quote(name), modulesLoadDir, modprobeDir)
	out, err := hostcmd.Must(ctx, conn, "modprobe: gather", script)
	if err != nil {
		return modState{}, err
	}
	first, rest, _ := strings.Cut(out, "\n")
	st := modState{loaded: strings.TrimSpace(first) == "loaded", loadFiles: map[string]string{}, optionFiles: map[string]string{}}
	for l := range strings.SplitSeq(strings.TrimSpace(rest), "\n") {
		if l == "" {
			continue
		}
		n, c, _ := strings.Cut(l, " ")
		name, err1 := base64.StdEncoding.DecodeString(n)
		content, err2 := base64.StdEncoding.DecodeString(strings.TrimSpace(c))
		if err1 != nil || err2 != nil {
			return modState{}, fmt.Errorf("modprobe: gather: bad line %q", l)
		}
		if path.Dir(string(name)) == modulesLoadDir {
			st.loadFiles[string(name)] = string(content)
		} else {
			st.optionFiles[string(name)] = string(content)
		}
	}
	return st, nil
}

// modRegexps are Ansible's three patterns for the module's lines.
type modRegexps struct{ module, params, values *regexp.Regexp }

func compileModRegexps(name string) modRegexps {
	c := func(p string) *regexp.Regexp {
		re, err := regexp.Compile(fmt.Sprintf(p, name))
		if err != nil {
			re = regexp.MustCompile(fmt.Sprintf(p, regexp.QuoteMeta(name)))
		}
		return re
	}
	return modRegexps{
		module: c(`^ *%s *(?:[#;].*)?\n?\z`),
		params: c(`^options %s \w+=\S+ *(?:[#;].*)?\n?\z`),
		values: c(`^options %s (\w+=\S+) *(?:[#;].*)?\n?\z`),
	}
}

func anyLine(files map[string]string, re *regexp.Regexp) bool {
	for _, c := range files {
		for l := range strings.Lines(c) {
			if re.MatchString(l) {
				return true
			}
		}
	}
	return false
}

func permanentParams(files map[string]string, re *regexp.Regexp) []string {
	set := map[string]bool{}
	for _, c := range files {
		for l := range strings.Lines(c) {
			if m := re.FindStringSubmatch(l); m != nil {
				set[m[1]] = true
			}
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// commentOut prefixes matching lines with "#"; the file is written back
// the way Ansible writes it ('\n'.join of lines that keep their "\n").
func commentOut(content string, re *regexp.Regexp) (string, bool) {
	lines := slices.Collect(strings.Lines(content))
	changed := false
	for i, l := range lines {
		if re.MatchString(l) {
			lines[i] = "#" + l
			changed = true
		}
	}
	return strings.Join(lines, "\n"), changed
}

// fileEdit is one planned file write.
type fileEdit struct {
	path, before, after string
	exists              bool
}

// planPersistent returns the file edits persistent asks for.
func planPersistent(st modState, name, params, persistent string) []fileEdit {
	re := compileModRegexps(name)
	persisted := anyLine(st.loadFiles, re.module)
	have := permanentParams(st.optionFiles, re.values)
	want := strings.Fields(params)
	slices.Sort(want)
	want = slices.Compact(want)
	paramsSet := slices.Equal(have, want)
	var edits []fileEdit
	commentAll := func(files map[string]string, r *regexp.Regexp) {
		for _, p := range sortedKeys(files) {
			if after, ok := commentOut(files[p], r); ok {
				edits = append(edits, fileEdit{path: p, before: files[p], after: after, exists: true})
			}
		}
	}
	switch {
	case persistent == "present" && !(persisted && paramsSet):
		if !persisted {
			p := path.Join(modulesLoadDir, name+".conf")
			c, ok := st.loadFiles[p]
			edits = append(edits, fileEdit{path: p, before: c, after: name + "\n", exists: ok})
		}
		if !paramsSet {
			commentAll(st.optionFiles, re.params)
			p := path.Join(modprobeDir, name+".conf")
			before, ok := st.optionFiles[p]
			var lines []string
			for _, w := range strings.Fields(params) {
				lines = append(lines, "options "+name+" "+w)
			}
			edits = slices.DeleteFunc(edits, func(e fileEdit) bool { return e.path == p })
			edits = append(edits, fileEdit{path: p, before: before, after: strings.Join(lines, "\n") + "\n", exists: ok})
		}
	case persistent == "absent" && (persisted || len(have) > 0):
		if persisted {
			commentAll(st.loadFiles, re.module)
		}
		if len(have) > 0 {
			commentAll(st.optionFiles, re.params)
		}
	}
	return edits
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Run loads or unloads the module and edits the boot files.
func (Modprobe) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, state, params, persistent := a.String("name"), a.String("state"), a.String("params"), a.String("persistent")
	data := map[string]any{"name": name, "params": params, "state": state}
	fail := func(msg string) (module.Result, error) {
		return module.Result{Failed: true, Msg: msg, Data: data}, nil
	}
	if !modNameRe.MatchString(name) {
		return fail(fmt.Sprintf("modprobe: %q is not a module name", name))
	}
	words, err := shellx.Split(params)
	if err != nil || strings.ContainsAny(params, "\n\r") {
		return fail(fmt.Sprintf("modprobe: cannot split params %q", params))
	}
	st, err := gatherModule(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	res := module.Result{Data: data}
	// modprobe runs argv; false when it failed, the task's answer then in
	// r and err.
	modprobe := func(what string, argv []string) (ok bool, r module.Result, err error) {
		out, err := hostcmd.Run(ctx, t.Conn, what, transport.QuoteArgs(argv), transport.RunOpts{})
		if err != nil {
			return false, module.Result{}, err
		}
		if out.RC != 0 {
			data["rc"], data["stdout"], data["stderr"] = out.RC, out.Stdout, out.Stderr
			r, err = fail(out.Stderr)
			return false, r, err
		}
		return true, module.Result{}, nil
	}
	switch {
	case state == "present" && !st.loaded:
		argv := []string{"modprobe"}
		if t.Check {
			argv = append(argv, "-n")
		}
		if ok, r, err := modprobe("modprobe", append(append(argv, name), words...)); !ok {
			return r, err
		}
		res.Changed = true
	case state == "absent" && st.loaded:
		argv := []string{"modprobe", "-r", name}
		if t.Check {
			argv = append(argv, "-n")
		}
		if ok, r, err := modprobe("modprobe -r", argv); !ok {
			return r, err
		}
		res.Changed = true
	}
	edits := planPersistent(st, name, params, persistent)
	if len(edits) > 0 {
		res.Changed = true
	}
	for _, e := range edits {
		if t.Diff {
			d := remotefile.ContentDiff(e.path, e.path, []byte(e.before), []byte(e.after))
			if !e.exists {
				d.BeforeHeader = "/dev/null"
			}
			res.Diff = append(res.Diff, d)
		}
		if t.Check {
			continue
		}
		cur, err := remotefile.Gather(ctx, t.Conn, e.path, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return module.Result{}, fmt.Errorf("modprobe: %w", err)
		}
		if !cur.ParentDir {
			if _, err := hostcmd.Must(ctx, t.Conn, "modprobe: mkdir", "mkdir -p -- "+transport.Quote(path.Dir(e.path))); err != nil {
				return module.Result{}, err
			}
		}
		if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: e.path, Content: []byte(e.after), Current: cur}); err != nil {
			return module.Result{}, fmt.Errorf("modprobe: write %s: %w", e.path, err)
		}
	}
	return res, nil
}
