package files

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

// putJob puts one file's content in place: the shared core of copy and
// template.
type putJob struct {
	dest        string
	content     []byte
	attrs       remotefile.Attrs
	backup      bool
	validate    string
	force       bool
	follow      bool
	afterHeader string // diff header of the new side ("" = dest)
	// parentPlanned is set in check mode when the destination's directory
	// would have been created first.
	parentPlanned bool
	// intoBase, when set, is the name the file takes inside dest when
	// dest turns out to be a directory (or a link to one): copy and
	// template with a src. Finding that out from the destination's first
	// read, instead of in a read of its own, saves a round trip.
	intoBase string
}

// putOutcome is what a putJob did (or would do in check mode).
type putOutcome struct {
	changed bool
	diffs   []module.FileDiff
	state   remotefile.State // the destination afterwards (predicted in check mode)
	backup  string
}

// errDestDir is returned when the destination's directory is missing.
var errDestDir = errors.New("destination directory does not exist")

// run gathers the destination, compares, and writes when needed.
func (j putJob) run(ctx context.Context, t *module.Target) (putOutcome, error) {
	sum := sha1.Sum(j.content)
	want := hex.EncodeToString(sum[:])
	st, done, out, err := j.fast(ctx, t, want)
	if done || err != nil {
		return out, err
	}
	if st.Path == "" {
		if st, out, err = j.read(ctx, t); err != nil {
			return out, err
		}
	}
	return j.apply(ctx, t, st, want)
}

// maxFast is the largest content the one-command path sends: it sends the
// content even when the host already has it.
const maxFast = 1 << 20

// fast tries remotefile.PutIfDifferent, one command, when the job is the
// common case: a real run without diff, backup, validate or follow, with
// force and a numeric mode. done means the file was written (out says
// how); otherwise a non-empty st is the destination holding the content
// already (its attributes still to check), and an empty one sends the
// job on the general path.
func (j putJob) fast(ctx context.Context, t *module.Target, want string) (st remotefile.State, done bool, out putOutcome, err error) {
	mode, numeric := j.attrs.Mode.Absolute()
	if t.Check || t.Diff || j.backup || j.validate != "" || !j.force || j.follow || !numeric || j.parentPlanned ||
		len(j.content) > maxFast || strings.HasPrefix(j.dest, "~") || strings.HasSuffix(j.dest, "/") {
		return st, false, out, nil
	}
	r, err := remotefile.PutIfDifferent(ctx, t.Conn, remotefile.PutOpts{Dest: j.dest, Content: j.content, SHA1: want,
		Mode: mode, Owner: j.attrs.Owner, Group: j.attrs.Group, IntoBase: j.intoBase})
	if err != nil {
		return st, true, out, err
	}
	switch r.Outcome {
	case remotefile.PutWritten:
		if r.State.Sums["sha1"] != want {
			return st, true, out, fmt.Errorf("%s: checksum after writing is %q, want %s", r.State.Resolved, r.State.Sums["sha1"], want)
		}
		md5sum := md5.Sum(j.content)
		r.State.Sums["md5"] = hex.EncodeToString(md5sum[:])
		return st, true, putOutcome{changed: true, state: r.State}, nil
	case remotefile.PutSame:
		r.State.Sums = map[string]string{"sha1": want}
		return r.State, false, out, nil
	}
	return st, false, out, nil
}

// read gathers the destination, inside it when it is a directory and the
// job has a name for the file (intoBase), through it when it is a link
// to follow.
func (j putJob) read(ctx context.Context, t *module.Target) (remotefile.State, putOutcome, error) {
	opts := remotefile.GatherOpts{Sums: []string{"sha1"}}
	if t.Diff {
		opts.MaxContent = remotefile.MaxDiffSize
	}
	st, err := remotefile.Gather(ctx, t.Conn, j.dest, opts)
	if err != nil {
		return st, putOutcome{}, err
	}
	if j.intoBase != "" && (st.Type == remotefile.TypeDirectory || st.Type == remotefile.TypeLink && st.LinkToDir) {
		j.dest = path.Join(st.Resolved, j.intoBase)
		if st, err = remotefile.Gather(ctx, t.Conn, j.dest, opts); err != nil {
			return st, putOutcome{}, err
		}
	}
	if st.Type == remotefile.TypeLink && j.follow && st.RealPath != "" {
		if st, err = remotefile.Gather(ctx, t.Conn, st.RealPath, opts); err != nil {
			return st, putOutcome{}, err
		}
	}
	if st.Type == remotefile.TypeDirectory {
		return st, putOutcome{}, fmt.Errorf("%s is a directory", st.Resolved)
	}
	if !st.Exists && !st.ParentDir && !(t.Check && j.parentPlanned) {
		return st, putOutcome{state: st}, fmt.Errorf("%w: %s", errDestDir, parentDir(st.Resolved))
	}
	return st, putOutcome{}, nil
}

// apply compares the destination's state with the job and changes what
// differs (or, in check mode, says what it would change).
func (j putJob) apply(ctx context.Context, t *module.Target, st remotefile.State, want string) (putOutcome, error) {
	var err error
	out := putOutcome{state: st}
	rewrite := !st.Exists || st.Type != remotefile.TypeFile || st.Sums["sha1"] != want
	if st.Exists && !j.force {
		rewrite = false
	}
	var plan remotefile.AttrPlan
	if rewrite {
		out.changed = true
		if t.Diff {
			out.diffs = append(out.diffs, remotefile.ContentDiffFrom(st, orDefault(j.afterHeader, st.Resolved), j.content))
		}
	} else if st.Exists {
		if plan, err = j.attrs.PlanAttrs(st); err != nil {
			return putOutcome{}, err
		}
		if !plan.Empty() {
			out.changed = true
			if t.Diff {
				out.diffs = append(out.diffs, remotefile.StateDiff(st.Resolved, plan.Before, plan.After))
			}
		}
	}
	if t.Check || !out.changed {
		out.state = predicted(st, j, rewrite, plan)
		return out, nil
	}
	// The state is read back in the command that changes it. Its SHA-1
	// checks a rewrite; the MD5 Ansible also reports is then that of the
	// content we sent, computed here rather than by one more program on
	// the host. An attribute change leaves the content alone: when it
	// already matched, no checksum is read again.
	var after remotefile.State
	if rewrite {
		w, err := remotefile.WriteGather(ctx, t.Conn, remotefile.WriteOpts{
			Content: j.content, Attrs: j.attrs, Current: st, Backup: j.backup, Validate: j.validate,
		}, &remotefile.GatherOpts{Sums: []string{"sha1"}})
		out.backup = w.Backup
		if err != nil {
			return out, err
		}
		after = w.After
		if after.Sums["sha1"] != want {
			return out, fmt.Errorf("%s: checksum after writing is %q, want %s", st.Resolved, after.Sums["sha1"], want)
		}
	} else {
		// With force=false a differing file is kept: its sums are read.
		var sums []string
		if st.Sums["sha1"] != want {
			sums = []string{"sha1", "md5"}
		}
		if after, err = applyAttrsGather(ctx, t.Conn, st.Resolved, plan, remotefile.GatherOpts{Sums: sums}); err != nil {
			return out, err
		}
	}
	if rewrite || st.Sums["sha1"] == want {
		md5sum := md5.Sum(j.content)
		after.Sums = map[string]string{"sha1": want, "md5": hex.EncodeToString(md5sum[:])}
	}
	out.state = after
	return out, nil
}

// predicted is the destination's state after the job, without doing it.
func predicted(st remotefile.State, j putJob, rewrite bool, plan remotefile.AttrPlan) remotefile.State {
	if rewrite {
		sum := sha1.Sum(j.content)
		st.Sums = map[string]string{"sha1": hex.EncodeToString(sum[:])}
		st.Size = int64(len(j.content))
		if !st.Exists {
			st.Mode = 0o666 &^ st.Umask
		}
		st.Exists, st.Type = true, remotefile.TypeFile
		if j.attrs.Mode.IsSet() {
			if m, err := j.attrs.Mode.Resolve(st.Mode, false, st.Umask); err == nil {
				st.Mode = m
			}
		}
		if j.attrs.Owner != "" {
			st.Owner = j.attrs.Owner
		}
		if j.attrs.Group != "" {
			st.Group = j.attrs.Group
		}
		return st
	}
	if plan.SetMode {
		st.Mode = plan.Mode
	}
	if plan.Owner != "" {
		st.Owner = plan.Owner
	}
	if plan.Group != "" {
		st.Group = plan.Group
	}
	return st
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parentDir returns the directory part of p.
func parentDir(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	if len(p) > 0 && p[0] == '/' {
		return "/"
	}
	return "."
}
