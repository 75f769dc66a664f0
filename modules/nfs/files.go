package nfs

import (
	"bytes"
	"context"
	"fmt"
	"path"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// fileChange is the plan for one managed file.
type fileChange struct {
	Path    string
	Current remotefile.State
	Want    []byte // nil: the file must not exist
}

// gatherFiles reads the current state (with content) of paths in one Run.
func gatherFiles(ctx context.Context, c transport.Conn, paths ...string) ([]remotefile.State, error) {
	sts, err := remotefile.GatherMany(ctx, c, paths, remotefile.GatherOpts{MaxContent: remotefile.MaxDiffSize})
	if err != nil {
		return nil, fmt.Errorf("gather: %w", err)
	}
	return sts, nil
}

// Needed reports whether the file differs from what is wanted.
func (f fileChange) Needed() bool {
	if f.Want == nil {
		return f.Current.Exists
	}
	return !f.Current.Exists || f.Current.Type != remotefile.TypeFile || !f.Current.HasContent || !bytes.Equal(f.Current.Content, f.Want)
}

// Diff is the before/after pair for --diff.
func (f fileChange) Diff() module.FileDiff {
	return remotefile.ContentDiffFrom(f.Current, f.Path+" (after)", f.Want)
}

// Apply writes (atomically, parent created) or removes the file.
func (f fileChange) Apply(ctx context.Context, c transport.Conn) error {
	if f.Want == nil {
		_, err := hostcmd.Must(ctx, c, "remove "+f.Path, "rm -f -- "+transport.Quote(f.Path))
		return err
	}
	if !f.Current.ParentDir {
		if _, err := hostcmd.Must(ctx, c, "mkdir", "mkdir -p -- "+transport.Quote(path.Dir(f.Path))); err != nil {
			return err
		}
	}
	mode, err := remotefile.ParseModeSpec("0644")
	if err != nil {
		return err
	}
	_, err = remotefile.Write(ctx, c, remotefile.WriteOpts{Dest: f.Path, Content: f.Want, Current: f.Current, Attrs: remotefile.Attrs{Mode: mode}})
	return err
}

// ensureDir creates the exported directory when asked, or fails when it
// is missing; it reports whether it created it.
func ensureDir(ctx context.Context, c transport.Conn, dir string, st remotefile.State, create, check bool) (bool, error) {
	if st.Exists {
		if st.Type != remotefile.TypeDirectory {
			return false, fmt.Errorf("%s exists and is a %s, not a directory", dir, st.Type)
		}
		return false, nil
	}
	if !create {
		return false, fmt.Errorf("%s does not exist (create_dir: true creates it)", dir)
	}
	if check {
		return true, nil
	}
	_, err := hostcmd.Must(ctx, c, "mkdir "+dir, "mkdir -p -m 0755 -- "+transport.Quote(dir))
	return err == nil, err
}
