package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Copy{}) }

// Copy is the copy module: put a controller file, a directory tree or
// literal content on the host.
type Copy struct{}

// fileReturns documents the keys describing a written file.
var fileReturns = []module.ReturnValue{
	{Name: "dest", Type: module.Str, Doc: "The destination path."},
	{Name: "checksum", Type: module.Str, Doc: "SHA-1 of the destination's content."},
	{Name: "md5sum", Type: module.Str, Doc: "MD5 of the destination's content (after a real run)."},
	{Name: "size", Type: module.Int, Doc: "Size in bytes."},
	{Name: "state", Type: module.Str, Doc: `"file".`},
	{Name: "mode", Type: module.Str, Doc: `Permissions as four octal digits ("0644").`},
	{Name: "owner", Type: module.Str, Doc: "Owner's user name."},
	{Name: "group", Type: module.Str, Doc: "Group name."},
	{Name: "uid", Type: module.Int, Doc: "Owner's uid."},
	{Name: "gid", Type: module.Int, Doc: "Group's gid."},
	{Name: "backup_file", Type: module.Str, Doc: "The backup's path, when backup made one."},
	{Name: "src", Type: module.Str, Doc: "The source file used."},
}

// Spec describes the copy module.
func (Copy) Spec() module.Spec {
	return module.Spec{
		Name:  "copy",
		Short: "Copy files or literal content to the host",
		Doc: `Puts a file from the controller (src), a directory tree, or the text given in content at dest on the host. The file is replaced only when its SHA-1 differs, atomically (temporary file, validate, rename), with an optional backup; mode, owner and group are then brought in line.

A relative src is looked up in the role's and playbook's files/ directories. When src is a directory it is copied recursively: with a trailing slash only its content goes into dest, without one the directory itself is created inside dest. When dest ends with "/" or is an existing directory, a file src is copied into it under its own name.

With remote_src the source is a file already on the host (directories are not supported yet with remote_src). content may be a string, or a list or mapping, which is written as JSON like Ansible does.`,
		Params: append(append([]module.Param{
			{Name: "src", Type: module.Path, Doc: "Controller path of a file or directory to copy (on the host with remote_src)."},
			{Name: "content", Type: module.Raw, Secret: false, Doc: "Literal content to write instead of src."},
			{Name: "dest", Type: module.Path, Required: true, Doc: "Where the file goes on the host."},
			{Name: "force", Type: module.Bool, Default: true, Aliases: []string{"thirsty"}, Doc: "Replace an existing dest whose content differs; with false only a missing dest is written."},
			{Name: "remote_src", Type: module.Bool, Default: false, Doc: "src is a path on the host rather than on the controller."},
			{Name: "checksum", Type: module.Str, Doc: "Expected SHA-1 of the source; the task fails when it differs."},
			{Name: "directory_mode", Type: module.Raw, Doc: "Mode of directories created by a recursive copy (existing ones are left alone)."},
			{Name: "follow", Type: module.Bool, Default: false, Doc: "When dest is a symlink, write through it to its target instead of replacing the link."},
			{Name: "local_follow", Type: module.Bool, Default: true, Doc: "Follow symlinks found in the controller's src."},
			{Name: "decrypt", Type: module.Bool, Default: true, Doc: "Accepted for compatibility (vault-encrypted sources are not supported)."},
		}, writeParams()...), attrParams()...),
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"src", "content"}},
		RequiredOneOf:     [][]string{{"src", "content"}},
		Examples: `- name: Install the MOTD
  copy:
    src: motd
    dest: /etc/motd
    owner: root
    group: root
    mode: "0644"

- name: Write a small file from literal text, checked before it is installed
  copy:
    content: "%admin ALL=(ALL) ALL\n"
    dest: /etc/sudoers.d/admin
    mode: "0440"
    validate: /usr/sbin/visudo -csf %s
    backup: true

- name: Copy the content of a directory
  copy:
    src: site/
    dest: /srv/www/`,
		Returns: fileReturns,
	}
}

// Run copies.
func (Copy) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	dest := a.String("dest")
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), nil), nil
	}
	if err := remotefile.CheckValidate(a.String("validate")); err != nil {
		return failed(err.Error(), nil), nil
	}
	job := putJob{dest: dest, attrs: attrs, backup: a.Bool("backup"), validate: a.String("validate"),
		force: a.Bool("force"), follow: a.Bool("follow")}
	data := map[string]any{"dest": dest}
	switch {
	case a.Has("content"):
		if strings.HasSuffix(dest, "/") {
			return failed("can not use content with a dir as dest", data), nil
		}
		if a.String("mode") == "preserve" {
			return failed("mode=preserve needs src, not content", data), nil
		}
		if job.content, err = contentBytes(a["content"]); err != nil {
			return failed(err.Error(), data), nil
		}
	case a.Bool("remote_src"):
		return copyRemote(ctx, t, a, job)
	default:
		src, err := t.FindFile("files", a.String("src"))
		if err != nil {
			return failed(fmt.Sprintf("Could not find or access '%s': %v", a.String("src"), err), data), nil
		}
		fi, err := os.Stat(src)
		if err != nil {
			return failed(fmt.Sprintf("Could not find or access '%s': %v", src, err), data), nil
		}
		if fi.IsDir() {
			return copyTree(ctx, t, a, job, src, strings.HasSuffix(a.String("src"), "/"))
		}
		if job.content, err = os.ReadFile(src); err != nil {
			return failed(fmt.Sprintf("Could not read '%s': %v", src, err), data), nil
		}
		if job.attrs, err = preserveMode(a, job.attrs, fi.Mode()); err != nil {
			return failed(err.Error(), data), nil
		}
		data["src"] = src
		if strings.HasSuffix(dest, "/") {
			if job.dest, job.parentPlanned, err = intoDir(ctx, t, dest, filepath.Base(src)); err != nil {
				return module.Result{}, err
			}
		} else {
			job.intoBase = filepath.Base(src)
		}
	}
	return finishPut(ctx, t, job, a.String("checksum"), data)
}

// finishPut runs a put job and builds copy's (and template's) result.
func finishPut(ctx context.Context, t *module.Target, job putJob, checksum string, data map[string]any) (module.Result, error) {
	if checksum != "" {
		if got := sha1Hex(job.content); got != checksum {
			return failed(fmt.Sprintf("Copied file does not match the expected checksum. Transfer failed. (expected %s, got %s)", checksum, got), data), nil
		}
	}
	out, err := job.run(ctx, t)
	data["dest"] = job.dest
	if out.state.Resolved != "" {
		data["dest"] = out.state.Resolved
	}
	if err != nil {
		if r, ok := validateFailure(err, data); ok {
			return r, nil
		}
		if errors.Is(err, errDestDir) {
			return failed(fmt.Sprintf("Destination directory %s does not exist", parentDir(out.state.Resolved)), data), nil
		}
		return failed(err.Error(), data), nil
	}
	for k, v := range fileData(out.state) {
		data[k] = v
	}
	data["checksum"] = sha1Hex(job.content)
	if md5, ok := out.state.Sums["md5"]; ok {
		data["md5sum"] = md5
	}
	if out.backup != "" {
		data["backup_file"] = out.backup
	}
	return module.Result{Changed: out.changed, Diff: out.diffs, Data: data}, nil
}

// contentBytes converts content as Ansible does: strings as they are,
// lists and mappings as JSON.
func contentBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("content: %w", err)
		}
		return b, nil
	case nil:
		return nil, nil
	}
	return []byte(fmt.Sprint(v)), nil
}

// preserveMode resolves mode=preserve to the source's permissions.
func preserveMode(a module.Args, attrs remotefile.Attrs, m os.FileMode) (remotefile.Attrs, error) {
	if a.String("mode") != "preserve" {
		return attrs, nil
	}
	bits := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		bits |= 0o1000
	}
	spec, err := remotefile.ParseModeSpec(fmt.Sprintf("%04o", bits))
	attrs.Mode = spec
	return attrs, err
}

// intoDir returns dest/base when dest ends with "/" or is a directory on
// the host, creating a missing dest directory named with a trailing "/"
// (in check mode it only reports that it would: planned is true).
func intoDir(ctx context.Context, t *module.Target, dest, base string) (full string, planned bool, err error) {
	st, err := remotefile.Gather(ctx, t.Conn, dest, remotefile.GatherOpts{Follow: true})
	if err != nil {
		return "", false, err
	}
	if st.Type == remotefile.TypeDirectory {
		return path.Join(st.Resolved, base), false, nil
	}
	if !strings.HasSuffix(dest, "/") {
		return dest, false, nil
	}
	if !st.Exists {
		if t.Check {
			return path.Join(st.Resolved, base), true, nil
		}
		if err := mkdirs(ctx, t, []string{st.Resolved}, remotefile.ModeSpec{}, remotefile.Attrs{}, true); err != nil {
			return "", false, err
		}
	}
	return path.Join(st.Resolved, base), false, nil
}
