package files

import (
	"bytes"
	"context"
	"fmt"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

// maxInline is the largest file read inline with its state; larger text
// files are fetched with Get.
const maxInline = 4 << 20

// readText gathers a file's state and its whole content.
func readText(ctx context.Context, t *module.Target, p string) (remotefile.State, error) {
	st, err := remotefile.Gather(ctx, t.Conn, p, remotefile.GatherOpts{Follow: true, MaxContent: maxInline})
	if err != nil {
		return st, err
	}
	if st.RealPath != "" {
		st.Resolved = st.RealPath // edit the link's target, never replace the link
	}
	if st.Exists && st.Type == remotefile.TypeFile && !st.HasContent {
		var b bytes.Buffer
		if err := t.Conn.Get(ctx, st.Resolved, &b); err != nil {
			return st, fmt.Errorf("read %s: %w", p, err)
		}
		st.Content, st.HasContent = b.Bytes(), true
	}
	return st, nil
}

// editJob is the outcome of a text edit (lineinfile, blockinfile,
// replace) to apply and report.
type editJob struct {
	path          string
	st            remotefile.State
	before, after string
	changed       bool
	msg           string
	attrs         remotefile.Attrs
	backup        bool
	validate      string
	data          map[string]any
	backupKey     string // "backup" or "backup_file"
	// header names both sides of the content diff ("" means
	// "PATH (content)", as lineinfile and blockinfile say).
	header string
}

const attrsMsg = "ownership, perms or SE linux context changed"

// editResult writes the edited text when it changed, then applies the
// attributes, and builds the result with Ansible's messages and diffs.
func editResult(ctx context.Context, t *module.Target, j editJob) (module.Result, error) {
	res := module.Result{Data: j.data}
	header := j.header
	if header == "" {
		header = j.path + " (content)"
	}
	if t.Diff {
		res.Diff = append(res.Diff, module.FileDiff{BeforeHeader: header, AfterHeader: header, Before: j.before, After: j.after})
	}
	st := j.st
	if j.changed && !t.Check {
		if !st.Exists && !st.ParentDir {
			if err := mkdirs(ctx, t, []string{parentDir(st.Resolved)}, remotefile.ModeSpec{}, remotefile.Attrs{}, true); err != nil {
				return failed(err.Error(), j.data), nil
			}
		}
		bk, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Content: []byte(j.after), Attrs: j.attrs,
			Current: st, Backup: j.backup, Validate: j.validate})
		if err != nil {
			if r, ok := validateFailure(err, j.data); ok {
				return r, nil
			}
			return failed(err.Error(), j.data), nil
		}
		if bk != "" && j.backupKey != "" {
			j.data[j.backupKey] = bk
		}
	}
	if t.Check && !st.Exists {
		return finish(res, j.changed, j.msg), nil
	}
	// Attributes: compared with the file as it was (or as a new file is
	// created: 0666 minus the umask).
	base := st
	if !st.Exists {
		base.Exists, base.Type, base.Mode = true, remotefile.TypeFile, 0o666&^st.Umask
		base.Owner, base.Group, base.UID, base.GID = "", "", -1, -1
	}
	plan, err := j.attrs.PlanAttrs(base)
	if err != nil {
		return failed(err.Error(), j.data), nil
	}
	if !plan.Empty() && st.Exists {
		if t.Diff {
			res.Diff = append(res.Diff, remotefile.StateDiff(st.Resolved, plan.Before, plan.After))
		}
		if !t.Check && !j.changed {
			if err := applyAttrs(ctx, t.Conn, st.Resolved, plan, false); err != nil {
				return failed(err.Error(), j.data), nil
			}
		}
	}
	msg := j.msg
	if !plan.Empty() {
		if j.changed {
			msg += " and "
		}
		msg += attrsMsg
	}
	return finish(res, j.changed || !plan.Empty(), msg), nil
}

func finish(res module.Result, changed bool, msg string) module.Result {
	res.Changed = changed
	res.Msg = msg
	res.Data["msg"] = msg
	return res
}

// openForEdit checks the attribute and validate arguments and reads the
// file lineinfile, blockinfile and replace edit. A non-nil result is a
// failure to return as it is (a directory is refused as Ansible does).
func openForEdit(ctx context.Context, t *module.Target, a module.Args, data map[string]any) (remotefile.State, remotefile.Attrs, *module.Result, error) {
	p := a.String("path")
	fail := func(msg string) (remotefile.State, remotefile.Attrs, *module.Result, error) {
		r := failed(msg, data)
		return remotefile.State{}, remotefile.Attrs{}, &r, nil
	}
	attrs, err := attrsOf(a)
	if err != nil {
		return fail(err.Error())
	}
	if err := remotefile.CheckValidate(a.String("validate")); err != nil {
		return fail(err.Error())
	}
	st, err := readText(ctx, t, p)
	if err != nil {
		return st, attrs, nil, err
	}
	if st.Type == remotefile.TypeDirectory {
		data["rc"] = 256
		return fail(fmt.Sprintf("Path %s is a directory !", p))
	}
	return st, attrs, nil, nil
}
