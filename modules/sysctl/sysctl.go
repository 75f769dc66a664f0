// Package sysctl implements the sysctl module (ansible.posix.sysctl):
// kernel parameters in a sysctl.conf-style file and in /proc/sys.
//
// The file is read and written with remotefile (atomic replace); the
// running value is read with `sysctl -e -n`. The file is rewritten the way
// Ansible rewrites it — every setting as key=value, surrounding blanks
// stripped, only the first line of a repeated key kept — so a file
// managed by both tools converges to the same bytes.
package sysctl

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Sysctl{}) }

// Sysctl is the sysctl module.
type Sysctl struct{}

// Spec describes the sysctl module.
func (Sysctl) Spec() module.Spec {
	return module.Spec{
		Name:  "sysctl",
		Short: "Manage kernel parameters (sysctl)",
		Doc: `Sets a kernel parameter in a sysctl file (so it survives reboots) and, with reload, applies the file with sysctl -p; with sysctl_set it also writes the running value with sysctl -w when that differs.

Values yes/no/true/false/on/off are written as 1 and 0. Running values are compared word by word, so "4096 87380 6291456" matches whatever whitespace the kernel prints. Inside containers only namespaced parameters (net.*, some kernel.*) can be written; others fail unless ignoreerrors is set.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Aliases: []string{"key"}, Doc: "The parameter, e.g. net.ipv4.ip_forward."},
			{Name: "value", Type: module.Str, Aliases: []string{"val"}, Doc: "The value; required with state present."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "Whether the parameter is set in the file."},
			{Name: "sysctl_file", Type: module.Path, Default: "/etc/sysctl.conf", Doc: "The file holding the setting."},
			{Name: "reload", Type: module.Bool, Default: true, Doc: "After a change, apply the file with sysctl -p; also counts a running value that differs from the file as a change."},
			{Name: "sysctl_set", Type: module.Bool, Default: false, Doc: "Check the running value and set it with sysctl -w when it differs."},
			{Name: "ignoreerrors", Type: module.Bool, Default: false, Doc: "Ignore unknown keys (sysctl -e)."},
		},
		CheckMode:  true,
		RequiredIf: []module.RequiredIf{{Param: "state", Value: "present", Requires: []string{"value"}}},
		Examples: `- name: Let HAProxy and keepalived bind the VIP on the backup node
  sysctl:
    name: net.ipv4.ip_nonlocal_bind
    value: "1"
    sysctl_file: /etc/sysctl.d/60-ha.conf
    sysctl_set: true

- name: Forward packets
  sysctl:
    name: net.ipv4.ip_forward
    value: "1"
    state: present
    reload: true`,
	}
}

var (
	boolTrue  = map[string]bool{"y": true, "yes": true, "on": true, "1": true, "true": true, "t": true}
	boolFalse = map[string]bool{"n": true, "no": true, "off": true, "0": true, "false": true, "f": true}
)

// normValue is Ansible's _parse_value.
func normValue(v string) string {
	switch l := strings.ToLower(v); {
	case boolTrue[l]:
		return "1"
	case boolFalse[l]:
		return "0"
	}
	return strings.TrimSpace(v)
}

// sameWords compares values word by word.
func sameWords(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// parsed is a sysctl file as Ansible reads it.
type parsed struct {
	lines  []string          // stripped lines
	values map[string]string // last value of each key
}

func parse(content string) parsed {
	p := parsed{values: map[string]string{}}
	if content == "" {
		return p
	}
	for l := range strings.SplitSeq(strings.TrimSuffix(content, "\n"), "\n") {
		l = strings.TrimSpace(l)
		p.lines = append(p.lines, l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") || !strings.Contains(l, "=") {
			continue
		}
		k, v, _ := strings.Cut(l, "=")
		p.values[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return p
}

// render is Ansible's fix_lines followed by write_sysctl.
func (p parsed) render(name, value string, present bool) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, l := range p.lines {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") || !strings.Contains(l, "=") {
			b.WriteString(l + "\n")
			continue
		}
		k, v, _ := strings.Cut(l, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch {
		case k != name:
			b.WriteString(k + "=" + v + "\n")
		case present:
			b.WriteString(k + "=" + value + "\n")
		}
	}
	if !seen[name] && present {
		b.WriteString(name + "=" + value + "\n")
	}
	return b.String()
}

// Run sets the parameter.
func (Sysctl) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name := strings.TrimSpace(a.String("name"))
	value := normValue(a.String("value"))
	present := a.String("state") == "present"
	file := a.String("sysctl_file")
	if name == "" || strings.ContainsAny(name, "= \t\n") || strings.HasPrefix(name, "-") {
		return module.Failf("sysctl: %q is not a parameter name", name), nil
	}
	if strings.Contains(value, "\n") {
		return module.Failf("sysctl: the value holds a newline"), nil
	}
	st, err := remotefile.Gather(ctx, t.Conn, file, remotefile.GatherOpts{Follow: true, MaxContent: 4 << 20})
	if err != nil {
		return module.Result{}, fmt.Errorf("sysctl: read %s: %w", file, err)
	}
	if st.Exists && st.Type != remotefile.TypeFile {
		return module.Failf("sysctl: %s is a %s, not a file", file, st.Type), nil
	}
	if st.Exists && !st.HasContent {
		return module.Failf("sysctl: cannot read %s", file), nil
	}
	proc, procOK, err := running(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	p := parse(string(st.Content))
	cur, inFile := p.values[name]
	var changed, writeFile, setProc bool
	switch {
	case !inFile && present:
		changed, writeFile = true, true
	case !inFile:
	case !present:
		changed, writeFile = cur != "", cur != ""
	case cur != value:
		changed, writeFile = true, true
	case a.Bool("reload"):
		changed = !procOK || !sameWords(proc, value)
	}
	if a.Bool("sysctl_set") && present && (!procOK || !sameWords(proc, value)) {
		changed, setProc = true, procOK
	}
	res := module.Result{Changed: changed, Data: map[string]any{}}
	after := []byte(p.render(name, value, present))
	if writeFile && t.Diff {
		res.Diff = append(res.Diff, remotefile.ContentDiff(file, file, st.Content, after))
	}
	if t.Check || !changed {
		return res, nil
	}
	if setProc {
		if msg, err := sysctlCmd(ctx, t.Conn, a, "-w", name+"="+value); err != nil || msg != "" {
			return module.Result{Failed: msg != "", Msg: fmt.Sprintf("setting %s failed: %s", name, msg)}, err
		}
	}
	if writeFile {
		if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: file, Content: after, Current: st}); err != nil {
			return module.Result{}, fmt.Errorf("sysctl: write %s: %w", file, err)
		}
	}
	if a.Bool("reload") {
		if msg, err := sysctlCmd(ctx, t.Conn, a, "-p", st.Resolved); err != nil || msg != "" {
			res.Failed, res.Msg = msg != "", "Failed to reload sysctl: "+msg
			return res, err
		}
	}
	return res, nil
}

// running reads the running value; ok is false when the key is unknown.
func running(ctx context.Context, conn transport.Conn, name string) (string, bool, error) {
	out, err := hostcmd.Run(ctx, conn, "sysctl: read running value", "sysctl -e -n -- "+transport.Quote(name), transport.RunOpts{Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(out.Stdout), out.RC == 0 && strings.TrimSpace(out.Stdout) != "", nil
}

// sysctlCmd runs sysctl with one operation; msg is non-empty when sysctl
// failed (a non-zero status, or the errors sysctl reports with status 0).
func sysctlCmd(ctx context.Context, conn transport.Conn, a module.Args, op, arg string) (string, error) {
	w := []string{"sysctl"}
	if a.Bool("ignoreerrors") {
		w = append(w, "-e")
	}
	w = append(w, op, arg)
	out, err := hostcmd.Run(ctx, conn, "sysctl "+op, transport.QuoteArgs(w), transport.RunOpts{Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return "", err
	}
	if out.RC != 0 || strings.Contains(out.Stderr, ": Invalid argument") || strings.Contains(out.Stderr, ": Read-only file system") {
		return strings.TrimSpace(out.Stdout + out.Stderr), nil
	}
	return "", nil
}
