package files

import (
	"context"
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(File{}) }

// File is the file module: the type and attributes of a path.
type File struct{}

// Spec describes the file module.
func (File) Spec() module.Spec {
	return module.Spec{
		Name:  "file",
		Short: "Manage files, directories and links and their attributes",
		Doc: `Makes path a file, a directory (created with its parents, each created one getting mode/owner/group), a symbolic or hard link to src, an updated empty file (touch), or absent (directories are removed recursively), and brings mode, owner and group in line.

state defaults to the current type of path (file when it is missing, link when src is given, directory with recurse). state=file never creates anything: it fails on a missing path. With recurse, mode, owner and group apply to everything below a directory too.

For state=touch the access and modification times are set to now (always a change) unless access_time/modification_time say otherwise; other states keep them unless given. Times use modification_time_format (only the default %Y%m%d%H%M.%S is supported) in the host's time zone, or "now", or "preserve".

On links (state=link, or follow=false on a link) owner and group change the link itself and mode is not applied (Linux has no link permissions).`,
		Params: append([]module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest", "name"}, Doc: "The path to manage."},
			{Name: "state", Type: module.Str, Choices: []any{"absent", "directory", "file", "hard", "link", "touch"}, Doc: "What path should be."},
			{Name: "src", Type: module.Path, Doc: "Target of the link (state=link or hard); a relative src is relative to the link's directory."},
			{Name: "recurse", Type: module.Bool, Default: false, Doc: "With state=directory, apply mode, owner and group to everything below."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Create a link even when src does not exist, or replace a file (or empty directory) with the link."},
			{Name: "follow", Type: module.Bool, Default: true, Doc: "When path is a symlink, act on its target."},
			{Name: "modification_time", Type: module.Str, Doc: `"now", "preserve" or a time in modification_time_format.`},
			{Name: "modification_time_format", Type: module.Str, Default: "%Y%m%d%H%M.%S", Doc: "Format of modification_time."},
			{Name: "access_time", Type: module.Str, Doc: `"now", "preserve" or a time in access_time_format.`},
			{Name: "access_time_format", Type: module.Str, Default: "%Y%m%d%H%M.%S", Doc: "Format of access_time."},
		}, attrParams()...),
		CheckMode: true,
		Examples: `- name: Data directory
  file:
    path: /srv/nfs/data
    state: directory
    owner: nobody
    group: nogroup
    mode: "0775"

- name: Current release
  file:
    src: /opt/app/releases/1.4
    dest: /opt/app/current
    state: link

- file:
    path: /etc/old.conf
    state: absent`,
		Returns: []module.ReturnValue{
			{Name: "path", Type: module.Str, Doc: "The path managed (dest for links)."},
			{Name: "dest", Type: module.Str, Doc: "For links: the link's path."},
			{Name: "src", Type: module.Str, Doc: "For links: the target."},
			{Name: "state", Type: module.Str, Doc: "The type of path afterwards."},
			{Name: "mode", Type: module.Str, Doc: "Permissions afterwards."},
			{Name: "owner", Type: module.Str, Doc: "Owner afterwards."},
			{Name: "group", Type: module.Str, Doc: "Group afterwards."},
			{Name: "uid", Type: module.Int, Doc: "Owner's uid."},
			{Name: "gid", Type: module.Int, Doc: "Group's gid."},
			{Name: "size", Type: module.Int, Doc: "Size in bytes."},
		},
	}
}

// fileState maps a gathered type to the file module's state names.
func fileState(st remotefile.State) string {
	switch {
	case !st.Exists:
		return "absent"
	case st.Type == remotefile.TypeLink || st.Type == remotefile.TypeDirectory:
		return st.Type
	case st.Nlink > 1:
		return "hard"
	}
	return "file"
}

// fileJob accumulates what the file module will do.
type fileJob struct {
	script        strings.Builder
	changed       bool
	before, after map[string]string
	// linkSrc is a link source read with the path itself (see
	// speculativeSrc); link uses it when it is the one it needs.
	linkSrc *remotefile.State
}

func (j *fileJob) set(key, before, after string) {
	j.before[key], j.after[key] = before, after
}

// Run manages the path.
func (File) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p := a.String("path")
	src := a.String("src")
	state := a.String("state")
	data := map[string]any{"path": p}
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), data), nil
	}
	qs := []remotefile.Query{{Path: p}}
	spec := speculativeSrc(p, src, state, a.Bool("force"))
	if spec != "" {
		qs = append(qs, remotefile.Query{Path: spec, Opts: remotefile.GatherOpts{Follow: true}})
	}
	sts, err := remotefile.GatherQueries(ctx, t.Conn, qs)
	if err != nil {
		return module.Result{}, err
	}
	prev := sts[0]
	prevState := fileState(prev)
	if state == "" {
		switch {
		case src != "":
			state = "link"
		case a.Bool("recurse"):
			state = "directory"
		case prevState != "absent":
			state = prevState
		default:
			state = "file"
		}
	}
	if src != "" && state != "link" && state != "hard" {
		return failed("src option requires state to be 'link' or 'hard'", data), nil
	}
	if a.Bool("recurse") && state != "directory" {
		return failed("recurse option requires state to be 'directory'", data), nil
	}
	j := &fileJob{before: map[string]string{"state": prevState}, after: map[string]string{"state": state}}
	if spec != "" {
		j.linkSrc = &sts[1]
	}
	fmt.Fprintf(&j.script, "p=%s\n", transport.Quote(prev.Resolved))
	var msg string
	switch state {
	case "absent":
		msg = j.absent(prev)
	case "directory":
		msg, err = j.directory(ctx, t, prev, attrs, a.Bool("recurse"))
	case "file", "touch":
		msg, err = j.fileOrTouch(ctx, t, &prev, attrs, a, state == "touch")
	case "link":
		msg, err = j.link(ctx, t, prev, src, attrs, a.Bool("force"))
	case "hard":
		msg, err = j.hard(ctx, t, prev, src, attrs, a.Bool("force"))
	}
	if err != nil {
		return module.Result{}, err
	}
	if msg != "" {
		return failed(msg, data), nil
	}
	res := module.Result{Changed: j.changed, Data: data}
	if j.changed && t.Diff {
		res.Diff = []module.FileDiff{remotefile.StateDiff(prev.Resolved, j.before, j.after)}
	}
	// Unchanged, the path is as it was read; changed, the script reads it
	// back at its end, in the same command.
	after := prev
	if j.changed && !t.Check {
		sts, out, err := remotefile.RunGather(ctx, t.Conn, j.script.String(), []remotefile.Query{{Path: prev.Resolved}})
		if err != nil {
			return module.Result{}, fmt.Errorf("file %s: %w", p, err)
		}
		if out.RC != 0 {
			return failed(fmt.Sprintf("file %s: %s", p, strings.TrimSpace(string(out.Stderr))), data), nil
		}
		after = sts[0]
	}
	if state == "link" || state == "hard" {
		data["dest"], data["src"] = p, src
	}
	if !t.Check {
		maps.Copy(data, fileData(after))
		data["state"] = fileState(after)
	} else {
		data["state"] = state
	}
	return res, nil
}

func (j *fileJob) absent(prev remotefile.State) string {
	if prev.Exists {
		j.changed = true
		j.script.WriteString("rm -rf -- \"$p\" || exit 1\n")
	}
	return ""
}

// attrs plans mode/owner/group on the path held in shell variable v.
func (j *fileJob) attrs(st remotefile.State, attrs remotefile.Attrs, v string, noFollow bool) error {
	plan, err := attrs.PlanAttrs(st)
	if err != nil {
		return err
	}
	if !plan.Empty() {
		j.changed = true
		maps.Copy(j.before, plan.Before)
		maps.Copy(j.after, plan.After)
		j.script.WriteString(plan.Script(v, noFollow))
	}
	return nil
}

func (j *fileJob) directory(ctx context.Context, t *module.Target, prev remotefile.State, attrs remotefile.Attrs, recurse bool) (string, error) {
	st := prev
	if prev.Type == remotefile.TypeLink {
		followed, err := remotefile.Gather(ctx, t.Conn, prev.Resolved, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return "", err
		}
		st = followed
	}
	switch {
	case st.Type == remotefile.TypeDirectory:
		if err := j.attrs(st, attrs, "p", false); err != nil {
			return err.Error(), nil
		}
	case st.Exists:
		return fmt.Sprintf("%s already exists as a %s", prev.Path, fileState(st)), nil
	default:
		j.changed = true
		// Create each missing component and give it the attributes. The
		// script tests which components exist (shell built-ins, no extra
		// round trip to read them first).
		dir := strings.TrimRight(prev.Resolved, "/")
		var comps []string
		for d := dir; d != "/" && d != "." && d != ""; d = path.Dir(d) {
			comps = append([]string{d}, comps...)
		}
		plan, err := attrs.PlanAttrs(remotefile.State{Exists: true, Type: remotefile.TypeDirectory, Mode: 0o777 &^ st.Umask, UID: -1, GID: -1})
		if err != nil {
			return err.Error(), nil
		}
		for _, d := range comps {
			// Another task (another host on a shared file system) may
			// create the directory in the meantime: that is not an error.
			fmt.Fprintf(&j.script, "d=%s\nif [ ! -e \"$d\" ]; then\n{ mkdir -- \"$d\" 2>/dev/null || [ -d \"$d\" ]; } || { mkdir -- \"$d\"; exit 1; }\n%sfi\n",
				transport.Quote(d), plan.Script("d", false))
		}
	}
	if recurse {
		return j.recurse(ctx, t, prev.Resolved, attrs)
	}
	return "", nil
}

// recurse applies attributes below a directory. A find on the host
// tells whether anything differs; the change is then made with chown -R
// and chmod -R (links themselves get owner and group, never a mode).
func (j *fileJob) recurse(ctx context.Context, t *module.Target, dir string, attrs remotefile.Attrs) (string, error) {
	if attrs.Owner == "" && attrs.Group == "" && !attrs.Mode.IsSet() {
		return "", nil
	}
	var conds, apply []string
	if attrs.Owner != "" {
		conds = append(conds, "! -user "+transport.Quote(attrs.Owner))
		apply = append(apply, "chown -R -h -- "+transport.Quote(attrs.Owner)+" \"$p\" || exit 1")
	}
	if attrs.Group != "" {
		conds = append(conds, "! -group "+transport.Quote(attrs.Group))
		apply = append(apply, "chgrp -R -h -- "+transport.Quote(attrs.Group)+" \"$p\" || exit 1")
	}
	if attrs.Mode.IsSet() {
		mode := fmt.Sprint(attrs.Mode.Raw())
		if n, ok := attrs.Mode.Raw().(int); ok {
			mode = fmt.Sprintf("%04o", n)
		}
		conds = append(conds, "\\( ! -type l ! -perm "+transport.Quote(mode)+" \\)")
		apply = append(apply, "find \"$p\" -mindepth 1 ! -type l -exec chmod "+transport.Quote(mode)+" {} + || exit 1")
	}
	check := fmt.Sprintf("find %s -mindepth 1 \\( %s \\) -print -quit", transport.Quote(dir), strings.Join(conds, " -o "))
	res, err := t.Conn.Run(ctx, check, transport.RunOpts{})
	if err != nil {
		return "", fmt.Errorf("file: check %s recursively: %w", dir, err)
	}
	if res.RC != 0 {
		return fmt.Sprintf("Could not recursively check attributes on %s: %s", dir, strings.TrimSpace(string(res.Stderr))), nil
	}
	if strings.TrimSpace(string(res.Stdout)) != "" {
		j.changed = true
		j.set("recurse", "", "attributes of the content changed")
		j.script.WriteString(strings.Join(apply, "\n") + "\n")
	}
	return "", nil
}

func (j *fileJob) fileOrTouch(ctx context.Context, t *module.Target, prev *remotefile.State, attrs remotefile.Attrs, a module.Args, touch bool) (string, error) {
	st := *prev
	if st.Type == remotefile.TypeLink && a.Bool("follow") {
		followed, err := remotefile.Gather(ctx, t.Conn, st.Resolved, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return "", err
		}
		if followed.Exists || !touch {
			followed.Resolved = st.RealPath
			st = followed
			fmt.Fprintf(&j.script, "p=%s\n", transport.Quote(st.Resolved))
		}
	}
	state := fileState(st)
	switch {
	case touch && !st.Exists:
		j.changed = true
		j.script.WriteString(": >> \"$p\" || exit 1\n")
		st = remotefile.State{Exists: true, Type: remotefile.TypeFile, Mode: 0o666 &^ st.Umask, UID: -1, GID: -1, Umask: st.Umask}
	case touch:
	case state != "file" && state != "hard":
		return fmt.Sprintf("file (%s) is %s, cannot continue", a.String("path"), state), nil
	}
	if err := j.attrs(st, attrs, "p", !a.Bool("follow")); err != nil {
		return err.Error(), nil
	}
	def := "preserve"
	if touch {
		def = "now"
	}
	return j.times(ctx, t, st, a, def)
}

// times sets access and modification times as asked.
func (j *fileJob) times(ctx context.Context, t *module.Target, st remotefile.State, a module.Args, def string) (string, error) {
	for _, k := range []struct{ arg, flag string }{{"modification_time", "-m"}, {"access_time", "-a"}} {
		v := a.String(k.arg)
		if v == "" {
			v = def
		}
		switch v {
		case "preserve":
			continue
		case "now":
			j.changed = true
			fmt.Fprintf(&j.script, "touch %s -c -- \"$p\" || exit 1\n", k.flag)
			j.set(k.arg, "", "now")
			continue
		}
		if f := a.String(k.arg + "_format"); f != "%Y%m%d%H%M.%S" {
			return fmt.Sprintf("%s_format %q is not supported; use the default %%Y%%m%%d%%H%%M.%%S", k.arg, f), nil
		}
		stamp, err := time.Parse("200601021504.05", v)
		if err != nil {
			return fmt.Sprintf("Error while obtaining timestamp for time %s using format %s: %v", v, "%Y%m%d%H%M.%S", err), nil
		}
		cur := st.Mtime
		if k.flag == "-a" {
			cur = st.Atime
		}
		// The stamp is in the host's time zone: ask the host for its epoch.
		res, err := t.Conn.Run(ctx, "date -d "+transport.Quote(stamp.Format("2006-01-02 15:04:05"))+" +%s", transport.RunOpts{})
		if err != nil {
			return "", fmt.Errorf("file: convert %s: %w", v, err)
		}
		epoch, err := strconv.ParseInt(strings.TrimSpace(string(res.Stdout)), 10, 64)
		if err != nil || res.RC != 0 {
			return fmt.Sprintf("Error while obtaining timestamp for time %s: %s", v, strings.TrimSpace(string(res.Stderr))), nil
		}
		if !st.Exists || int64(cur) != epoch || cur != float64(int64(cur)) {
			j.changed = true
			fmt.Fprintf(&j.script, "touch %s -c -t %s -- \"$p\" || exit 1\n", k.flag, transport.Quote(v))
			j.set(k.arg, strconv.FormatFloat(cur, 'f', -1, 64), strconv.FormatInt(epoch, 10))
		}
	}
	return "", nil
}

func (j *fileJob) link(ctx context.Context, t *module.Target, prev remotefile.State, src string, attrs remotefile.Attrs, force bool) (string, error) {
	prevState := fileState(prev)
	if src == "" {
		if prevState != "link" {
			return "src is required for creating new symlinks", nil
		}
		src = prev.LinkTarget
	}
	rel := parentDir(prev.Resolved)
	if prevState == "directory" {
		rel = prev.Resolved
	}
	absrc := src
	if !strings.HasPrefix(src, "/") {
		absrc = path.Join(rel, src)
	}
	// Only a link made without force needs its source to exist.
	if !force {
		srcSt, err := j.source(ctx, t, absrc)
		if err != nil {
			return "", err
		}
		if !srcSt.Exists {
			return fmt.Sprintf(`src file does not exist, use "force=yes" if you really want to create the link: %s`, absrc), nil
		}
	}
	switch prevState {
	case "directory":
		if !force {
			return fmt.Sprintf("refusing to convert from %s to symlink for %s", prevState, prev.Path), nil
		}
	case "file", "hard":
		if !force {
			return fmt.Sprintf("refusing to convert from %s to symlink for %s", prevState, prev.Path), nil
		}
	}
	if prevState != "link" || prev.LinkTarget != src {
		j.changed = true
		if prevState == "link" {
			j.set("src", prev.LinkTarget, src)
		}
		if prevState == "directory" {
			j.script.WriteString("rmdir -- \"$p\" || { echo \"the directory $p is not empty, refusing to convert it\" >&2; exit 1; }\n")
		}
		fmt.Fprintf(&j.script, "ln -sfn -- %s \"$p\" || exit 1\n", transport.Quote(src))
		prev = remotefile.State{Exists: true, Type: remotefile.TypeLink, UID: -1, GID: -1}
	}
	return j.linkAttrs(prev, attrs)
}

// source reads a link's source, followed, unless it was read with the
// path already.
func (j *fileJob) source(ctx context.Context, t *module.Target, absrc string) (remotefile.State, error) {
	if j.linkSrc != nil && j.linkSrc.Path == absrc {
		return *j.linkSrc, nil
	}
	return remotefile.Gather(ctx, t.Conn, absrc, remotefile.GatherOpts{Follow: true})
}

// speculativeSrc is the source a symlink task will check (see link),
// computed before the path is read so that both are read in one command:
// src itself when absolute, else src beside the path. It is "" when no
// source is checked (not a link, or force) or when it depends on the
// path's state (a "~" the host expands); link then reads it itself.
func speculativeSrc(p, src, state string, force bool) string {
	if src == "" || force || (state != "link" && state != "") {
		return ""
	}
	if strings.HasPrefix(src, "/") {
		return src
	}
	if strings.HasPrefix(p, "~") {
		return ""
	}
	return path.Join(parentDir(p), src)
}

// linkAttrs gives a link its owner and group (never a mode).
func (j *fileJob) linkAttrs(st remotefile.State, attrs remotefile.Attrs) (string, error) {
	attrs.Mode = remotefile.ModeSpec{}
	if err := j.attrs(st, attrs, "p", true); err != nil {
		return err.Error(), nil
	}
	return "", nil
}

func (j *fileJob) hard(ctx context.Context, t *module.Target, prev remotefile.State, src string, attrs remotefile.Attrs, force bool) (string, error) {
	if src == "" {
		return "src is required for creating new hardlinks", nil
	}
	if !strings.HasPrefix(src, "/") {
		src = path.Join(parentDir(prev.Resolved), src)
	}
	srcSt, err := remotefile.Gather(ctx, t.Conn, src, remotefile.GatherOpts{})
	if err != nil {
		return "", err
	}
	if !srcSt.Exists {
		return "src does not exist", nil
	}
	same := prev.Exists && prev.Inode == srcSt.Inode && prev.Dev == srcSt.Dev
	switch prevState := fileState(prev); {
	case same:
	case prevState == "absent", prevState == "link":
		j.changed = true
	case prevState == "hard" && !force:
		return "Cannot link, different hard link exists at destination", nil
	case prevState == "file" && !force:
		return "Cannot link, file exists at destination", nil
	case prevState == "directory" && !force:
		return "Cannot link: different hard link exists at destination", nil
	default:
		j.changed = true
	}
	if j.changed {
		fmt.Fprintf(&j.script, "ln -fn -- %s \"$p\" || exit 1\n", transport.Quote(src))
		srcSt.Nlink++
		prev = srcSt
	}
	if err := j.attrs(prev, attrs, "p", false); err != nil {
		return err.Error(), nil
	}
	return "", nil
}
