// Package mount implements the mount module (ansible.posix.mount): fstab
// entries edited line by line exactly as Ansible edits them, and the live
// mount state read from /proc/self/mountinfo.
package mount

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Mount{}) }

// Mount is the mount module.
type Mount struct{}

// Spec describes the mount module.
func (Mount) Spec() module.Spec {
	return module.Spec{
		Name:  "mount",
		Short: "Manage fstab entries and mounted filesystems",
		Doc: `Keeps a filesystem's fstab entry and its mounted state.

present only writes the entry; mounted writes it, creates the mount point and mounts (or, when the entry changed on a mounted filesystem, remounts); unmounted unmounts without touching fstab; absent removes the entry and then unmounts and removes the mount point; absent_from_fstab only removes the entry; remounted always remounts; ephemeral mounts with the given source, type and options without touching fstab.

fstab lines are rewritten the way Ansible rewrites them (fields separated by one space, space, backslash and ampersand escaped as \040, \134 and \046; a 4- or 5-field line for the mount point is completed), so files managed by both tools stay the same. Whether the path is mounted is read from mountpoint(1) and /proc/self/mountinfo. Like Ansible, absent only unmounts when the fstab entry was there, and ephemeral reports a change whenever the path is already mounted from the same source (it remounts).`,
		Params: []module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"name"}, Doc: "The mount point."},
			{Name: "src", Type: module.Path, Doc: "The device, label, share or directory to mount."},
			{Name: "fstype", Type: module.Str, Doc: "The filesystem type."},
			{Name: "opts", Type: module.Str, Doc: "Mount options (default: defaults)."},
			{Name: "dump", Type: module.Str, Default: "0", Doc: "The fstab dump field."},
			{Name: "passno", Type: module.Str, Default: "0", Doc: "The fstab pass number field."},
			{Name: "state", Type: module.Str, Required: true, Choices: []any{"absent", "absent_from_fstab", "mounted", "present", "unmounted", "remounted", "ephemeral"}, Doc: "The desired state."},
			{Name: "fstab", Type: module.Str, Doc: "Another fstab file (default /etc/fstab); mount and remount get -T FILE."},
			{Name: "boot", Type: module.Bool, Default: true, Doc: "When false, noauto is added to the options (unless they hold defaults)."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a timestamped copy of fstab before changing it."},
		},
		RequiredIf: []module.RequiredIf{
			{Param: "state", Value: "mounted", Requires: []string{"src", "fstype"}},
			{Param: "state", Value: "present", Requires: []string{"src", "fstype"}},
			{Param: "state", Value: "ephemeral", Requires: []string{"src", "fstype"}},
		},
		CheckMode: true,
		Examples: `- name: Mount the shared data volume on the NFS nodes
  mount:
    path: /srv/nfs
    src: /dev/vg_data/lv_nfs
    fstype: ext4
    opts: noatime
    state: mounted

- name: A scratch tmpfs that must not come back after a reboot
  mount:
    path: /run/scratch
    src: tmpfs
    fstype: tmpfs
    opts: size=64m
    state: ephemeral`,
		Returns: []module.ReturnValue{
			{Name: "name", Type: module.Str, Doc: "The mount point."},
			{Name: "src", Type: module.Str, Doc: "The source."},
			{Name: "fstype", Type: module.Str, Doc: "The filesystem type."},
			{Name: "opts", Type: module.Str, Doc: "The options written."},
			{Name: "dump", Type: module.Str, Doc: "The dump field."},
			{Name: "passno", Type: module.Str, Doc: "The pass number."},
			{Name: "fstab", Type: module.Str, Doc: "The fstab file."},
			{Name: "boot", Type: module.Str, Doc: "yes or no."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup of fstab (empty when none)."},
			{Name: "warnings", Type: module.List, Doc: "Notes about ignored arguments."},
		},
	}
}

// live is the mount state of the path.
type live struct {
	exists, ismount bool
	mounts          map[string]mountInfo
}

func gatherLive(ctx context.Context, conn transport.Conn, p string) (live, error) {
	m := hostcmd.Marker()
	script := fmt.Sprintf("p=%s\nif [ -e \"$p\" ]; then echo 1; else echo 0; fi\nif mountpoint -q -- \"$p\" 2>/dev/null; then echo 1; else echo 0; fi\necho %s\ncat /proc/self/mountinfo\n", transport.Quote(p), m)
	out, err := hostcmd.Must(ctx, conn, "mount: gather", script)
	if err != nil {
		return live{}, err
	}
	secs := hostcmd.Sections(out, m)
	if len(secs) != 2 {
		return live{}, fmt.Errorf("mount: unexpected gather output")
	}
	f := strings.Fields(secs[0])
	if len(f) != 2 {
		return live{}, fmt.Errorf("mount: unexpected gather output %q", secs[0])
	}
	return live{exists: f[0] == "1", ismount: f[1] == "1", mounts: linuxMounts(secs[1])}, nil
}

// bindMounted is Ansible's is_bind_mounted on Linux.
func (l live) bindMounted(dest, src string) bool {
	m, ok := l.mounts[dest]
	if !ok {
		m, ok = l.mounts[escapeFstab(dest)]
	}
	if src == "" {
		return ok
	}
	return ok && m.src == src
}

// Run brings the mount to the desired state.
func (Mount) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	state, name := a.String("state"), a.String("path")
	args := map[string]any{"name": name, "opts": "defaults", "dump": a.String("dump"), "passno": a.String("passno"), "fstab": "/etc/fstab", "boot": "yes", "backup_file": ""}
	warnings := []any{}
	for _, k := range []string{"src", "fstype", "opts", "fstab"} {
		if a.Has(k) {
			args[k] = a.String(k)
		}
	}
	opts := strings.Split(args["opts"].(string), ",")
	switch {
	case slices.Contains(opts, "noauto"):
		warnings = append(warnings, "Ignore the 'boot' due to 'opts' contains 'noauto'.")
	case !a.Bool("boot"):
		args["boot"] = "no"
		if slices.Contains(opts, "defaults") {
			warnings = append(warnings, "Ignore the 'boot' due to 'opts' contains 'defaults'.")
		} else {
			args["opts"] = strings.Join(append(opts, "noauto"), ",")
		}
	}
	args["warnings"] = warnings
	str := func(k string) string { s, _ := args[k].(string); return s }
	for _, k := range []string{"name", "src", "fstype", "opts", "dump", "passno"} {
		if strings.ContainsAny(str(k), "\n\t") {
			return module.Failf("mount: %s must not hold a newline or a tab", k), nil
		}
	}
	e := entry{src: escapeFstab(str("src")), name: escapeFstab(name), fstype: escapeFstab(str("fstype")), opts: escapeFstab(str("opts")),
		dump: escapeFstab(str("dump")), passno: escapeFstab(str("passno")), rawSrc: str("src"), hasSrc: a.Has("src")}
	fstab := str("fstab")
	op := &operation{t: t, a: a, args: args, fstab: fstab, name: name, state: state}
	if state != "ephemeral" {
		st, err := remotefile.Gather(ctx, t.Conn, fstab, remotefile.GatherOpts{Follow: true, MaxContent: 16 << 20})
		if err != nil {
			return module.Result{}, fmt.Errorf("mount: read %s: %w", fstab, err)
		}
		if st.Exists && (st.Type != remotefile.TypeFile || !st.HasContent) {
			return module.Failf("Failed to open %s", fstab), nil
		}
		op.fstabState = st
	}
	l, err := gatherLive(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	op.live = l
	return op.run(ctx, e)
}

// operation carries one run's state between its steps.
type operation struct {
	t           *module.Target
	a           module.Args
	args        map[string]any
	fstab, name string
	state       string
	fstabState  remotefile.State
	live        live
	diffs       []module.FileDiff
}

func (o *operation) result(changed bool) (module.Result, error) {
	return module.Result{Changed: changed, Data: o.args, Diff: o.diffs}, nil
}

func (o *operation) fail(format string, v ...any) (module.Result, error) {
	r := module.Failf(format, v...)
	r.Data = o.args
	return r, nil
}

// mounted reports whether the path is a mount point (src, when not empty,
// must match the bind-mount source).
func (o *operation) mounted(src string) bool {
	return o.live.ismount || o.live.bindMounted(o.name, src)
}

func (o *operation) run(ctx context.Context, e entry) (module.Result, error) {
	cur := string(o.fstabState.Content)
	switch o.state {
	case "absent_from_fstab", "absent":
		after, changed := unsetMount(cur, e)
		if !changed || o.t.Check {
			o.diffFstab(cur, after, changed)
			return o.result(changed)
		}
		if err := o.writeFstab(ctx, cur, after); err != nil {
			return module.Result{}, err
		}
		if o.state == "absent" {
			if o.mounted("") {
				if msg, err := o.cmd(ctx, "umount", "umount -- "+transport.Quote(o.name)); err != nil || msg != "" {
					return o.failErr(err, "Error unmounting %s: %s", o.name, msg)
				}
			}
			if msg, err := o.cmd(ctx, "rmdir", "[ ! -e "+transport.Quote(o.name)+" ] || rmdir -- "+transport.Quote(o.name)); err != nil || msg != "" {
				return o.failErr(err, "Error rmdir %s: %s", o.name, msg)
			}
		}
		return o.result(true)
	case "unmounted":
		if !o.mounted("") {
			return o.result(false)
		}
		if !o.t.Check {
			if msg, err := o.cmd(ctx, "umount", "umount -- "+transport.Quote(o.name)); err != nil || msg != "" {
				return o.failErr(err, "Error unmounting %s: %s", o.name, msg)
			}
		}
		return o.result(true)
	case "present":
		after, changed := setMount(cur, e)
		o.diffFstab(cur, after, changed)
		if changed && !o.t.Check {
			if err := o.writeFstab(ctx, cur, after); err != nil {
				return module.Result{}, err
			}
		}
		return o.result(changed)
	case "remounted":
		if !o.t.Check {
			if msg, err := o.remount(ctx); err != nil || msg != "" {
				return o.failErr(err, "Error remounting %s: %s", o.name, msg)
			}
		}
		return o.result(true)
	}
	return o.mount(ctx, e, cur)
}

// mount handles mounted and ephemeral.
func (o *operation) mount(ctx context.Context, e entry, cur string) (module.Result, error) {
	var created []string
	if !o.live.exists && !o.t.Check {
		var err error
		var msg string
		if created, msg, err = o.mkdirs(ctx); err != nil || msg != "" {
			return o.failErr(err, "Error making dir %s: %s", o.name, msg)
		}
	}
	changed := false
	after := cur
	if o.state != "ephemeral" {
		after, changed = setMount(cur, e)
		o.diffFstab(cur, after, changed)
		if changed && !o.t.Check {
			if err := o.writeFstab(ctx, cur, after); err != nil {
				return module.Result{}, err
			}
		}
	}
	var msg string
	var err error
	if o.mounted(o.args["src"].(string)) {
		if changed && !o.t.Check {
			msg, err = o.remount(ctx)
		}
		if o.state == "ephemeral" {
			if !o.live.bindMounted(o.name, e.rawSrc) && !o.sameSource(e.rawSrc) {
				return o.fail("Ephemeral mount point is already mounted with a different source than the specified one. Failing in order to prevent an unwanted unmount or override operation. Try replacing this command with a \"state: unmounted\" followed by a \"state: ephemeral\", or use a different destination path.")
			}
			changed = true
			if !o.t.Check {
				msg, err = o.remount(ctx)
			}
		}
	} else {
		changed = true
		if !o.t.Check {
			msg, err = o.cmd(ctx, "mount", o.mountCmd())
		}
	}
	if err != nil || msg != "" {
		if o.state != "ephemeral" && after != cur && !o.t.Check {
			_ = o.writeFstab(ctx, after, cur)
		}
		for i := len(created) - 1; i >= 0; i-- {
			_, _ = o.cmd(ctx, "rmdir", "rmdir -- "+transport.Quote(created[i]))
		}
		return o.failErr(err, "Error mounting %s: %s", o.name, msg)
	}
	return o.result(changed)
}

// sameSource looks for the source in the mount table by its source
// field, as Ansible does with the output of mount -v.
func (o *operation) sameSource(src string) bool {
	for _, m := range o.live.mounts {
		if (m.dst == o.name || m.dst == escapeFstab(o.name)) && m.source == src {
			return true
		}
	}
	return false
}

func (o *operation) failErr(err error, format string, v ...any) (module.Result, error) {
	if err != nil {
		return module.Result{}, err
	}
	return o.fail(format, v...)
}

// cmd runs a command; msg is its output when it failed.
func (o *operation) cmd(ctx context.Context, what, line string) (string, error) {
	out, err := hostcmd.Run(ctx, o.t.Conn, "mount: "+what, line, transport.RunOpts{Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		if m := strings.TrimSpace(out.Stdout + out.Stderr); m != "" {
			return m, nil
		}
		return fmt.Sprintf("exit status %d", out.RC), nil
	}
	return "", nil
}

func (o *operation) fstabArgs() []string {
	if o.fstab != "/etc/fstab" && o.fstab != "" {
		return []string{"-T", o.fstab}
	}
	return nil
}

func (o *operation) ephemeralArgs() []string {
	w := []string{"-t", o.args["fstype"].(string)}
	if opts := o.args["opts"].(string); opts != "defaults" {
		w = append(w, "-o", opts)
	}
	return append(w, o.args["src"].(string))
}

func (o *operation) mountCmd() string {
	w := []string{"mount"}
	if o.state == "ephemeral" {
		w = append(w, o.ephemeralArgs()...)
	} else {
		w = append(w, o.fstabArgs()...)
	}
	return transport.QuoteArgs(append(w, o.name))
}

// remount tries mount -o remount, then falls back to umount and mount.
func (o *operation) remount(ctx context.Context) (string, error) {
	w := []string{"mount", "-o", "remount"}
	opts, _ := o.args["opts"].(string)
	if o.state == "remounted" && opts != "defaults" {
		w[2] = "remount," + opts
	}
	if o.state == "ephemeral" {
		w = append(w, o.ephemeralArgs()...)
	} else {
		w = append(w, o.fstabArgs()...)
	}
	msg, err := o.cmd(ctx, "remount", transport.QuoteArgs(append(w, o.name)))
	if err != nil || msg == "" {
		return msg, err
	}
	if o.state == "remounted" && opts != "defaults" {
		return "Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a \"state: unmounted\" followed by a \"state: mounted\" using the full desired mount options instead.", nil
	}
	if msg, err = o.cmd(ctx, "umount", "umount -- "+transport.Quote(o.name)); err != nil || msg != "" {
		return msg, err
	}
	return o.cmd(ctx, "mount", o.mountCmd())
}

// mkdirs creates the mount point's missing directories, returning them.
func (o *operation) mkdirs(ctx context.Context) ([]string, string, error) {
	var dirs []string
	cur := ""
	for d := range strings.SplitSeq(strings.Trim(o.name, "/"), "/") {
		cur += "/" + d
		if !path.IsAbs(o.name) {
			cur = strings.TrimPrefix(cur, "/")
		}
		dirs = append(dirs, cur)
	}
	var b strings.Builder
	for _, d := range dirs {
		q := transport.Quote(d)
		fmt.Fprintf(&b, "if [ ! -e %s ]; then mkdir -- %s || exit 1; printf '%%s\\0' %s; fi\n", q, q, q)
	}
	out, err := hostcmd.Run(ctx, o.t.Conn, "mount: mkdir", b.String(), transport.RunOpts{})
	if err != nil {
		return nil, "", err
	}
	var created []string
	for s := range strings.SplitSeq(out.Stdout, "\x00") {
		if s != "" {
			created = append(created, s)
		}
	}
	if out.RC != 0 {
		return created, strings.TrimSpace(out.Stderr), nil
	}
	return created, "", nil
}

func (o *operation) diffFstab(before, after string, changed bool) {
	if changed && o.t.Diff {
		o.diffs = append(o.diffs, remotefile.ContentDiff(o.fstab, o.fstab, []byte(before), []byte(after)))
	}
}

// writeFstab replaces fstab (creating it and its directory if needed).
func (o *operation) writeFstab(ctx context.Context, before, after string) error {
	if !o.fstabState.Exists {
		if _, err := hostcmd.Must(ctx, o.t.Conn, "mount: create fstab directory", "mkdir -p -- "+transport.Quote(path.Dir(o.fstab))); err != nil {
			return err
		}
	}
	st := o.fstabState
	st.Content = []byte(before)
	b, err := remotefile.Write(ctx, o.t.Conn, remotefile.WriteOpts{Dest: o.fstab, Content: []byte(after), Current: st, Backup: o.a.Bool("backup")})
	if err != nil {
		return fmt.Errorf("mount: write %s: %w", o.fstab, err)
	}
	if b != "" {
		o.args["backup_file"] = b
	}
	o.fstabState.Exists = true
	return nil
}
