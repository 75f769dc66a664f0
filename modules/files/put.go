package files

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"path"

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
	opts := remotefile.GatherOpts{Sums: []string{"sha1"}}
	if t.Diff {
		opts.MaxContent = remotefile.MaxDiffSize
	}
	st, err := remotefile.Gather(ctx, t.Conn, j.dest, opts)
	if err != nil {
		return putOutcome{}, err
	}
	if j.intoBase != "" && (st.Type == remotefile.TypeDirectory || st.Type == remotefile.TypeLink && st.LinkToDir) {
		j.dest = path.Join(st.Resolved, j.intoBase)
		if st, err = remotefile.Gather(ctx, t.Conn, j.dest, opts); err != nil {
			return putOutcome{}, err
		}
	}
	if st.Type == remotefile.TypeLink && j.follow && st.RealPath != "" {
		if st, err = remotefile.Gather(ctx, t.Conn, st.RealPath, opts); err != nil {
			return putOutcome{}, err
		}
	}
	if st.Type == remotefile.TypeDirectory {
		return putOutcome{}, fmt.Errorf("%s is a directory", st.Resolved)
	}
	if !st.Exists && !st.ParentDir && !(t.Check && j.parentPlanned) {
		return putOutcome{state: st}, fmt.Errorf("%w: %s", errDestDir, parentDir(st.Resolved))
	}
	sum := sha1.Sum(j.content)
	want := hex.EncodeToString(sum[:])
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
