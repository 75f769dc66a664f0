package files

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// copyTree copies the controller directory src to the host: into dest
// itself when contentOnly (src given with a trailing slash), else into
// dest/basename(src). Missing directories are created (directory_mode
// applies to those only); files are handled one by one like copy.
func copyTree(ctx context.Context, t *module.Target, a module.Args, job putJob, src string, contentOnly bool) (module.Result, error) {
	root := strings.TrimRight(a.String("dest"), "/")
	if root == "" {
		root = "/"
	}
	if !contentOnly {
		root = path.Join(root, filepath.Base(filepath.Clean(src)))
	}
	data := map[string]any{"dest": root, "src": src}
	var dirs []string
	type file struct{ local, rel string }
	var files []file
	err := walk(src, a.Bool("local_follow"), func(rel string, isDir bool) {
		if isDir {
			dirs = append(dirs, path.Join(root, rel))
		} else {
			files = append(files, file{filepath.Join(src, rel), rel})
		}
	})
	if err != nil {
		return failed(err.Error(), data), nil
	}
	dirMode, err := remotefile.ParseModeSpec(a["directory_mode"])
	if err != nil {
		return failed("directory_mode: "+err.Error(), data), nil
	}
	states, err := remotefile.GatherMany(ctx, t.Conn, dirs, remotefile.GatherOpts{Follow: true})
	if err != nil {
		return module.Result{}, err
	}
	var missing []string
	res := module.Result{Data: data}
	for _, st := range states {
		switch {
		case !st.Exists:
			missing = append(missing, st.Resolved)
			res.Diff = append(res.Diff, remotefile.StateDiff(st.Resolved, map[string]string{"state": "absent"}, map[string]string{"state": "directory"}))
		case st.Type != remotefile.TypeDirectory:
			return failed(fmt.Sprintf("%s exists and is not a directory", st.Resolved), data), nil
		}
	}
	if len(missing) > 0 {
		res.Changed = true
		if !t.Check {
			if err := mkdirs(ctx, t, missing, dirMode, job.attrs, false); err != nil {
				return failed(err.Error(), data), nil
			}
		}
	}
	if !t.Diff {
		res.Diff = nil
	}
	for _, f := range files {
		content, err := os.ReadFile(f.local)
		if err != nil {
			return failed(fmt.Sprintf("Could not read '%s': %v", f.local, err), data), nil
		}
		j := job
		j.content = content
		j.dest = path.Join(root, f.rel)
		if inMissing(missing, path.Dir(j.dest)) && t.Check {
			res.Changed = true // its directory does not exist yet: a new file
			if t.Diff {
				res.Diff = append(res.Diff, remotefile.ContentDiff(j.dest, j.dest, nil, content))
			}
			continue
		}
		out, err := j.run(ctx, t)
		if err != nil {
			if r, ok := validateFailure(err, data); ok {
				return r, nil
			}
			return failed(err.Error(), data), nil
		}
		res.Changed = res.Changed || out.changed
		res.Diff = append(res.Diff, out.diffs...)
	}
	return res, nil
}

func inMissing(missing []string, dir string) bool {
	for _, m := range missing {
		if m == dir {
			return true
		}
	}
	return false
}

// walk calls fn for src's subdirectories (rel "" for src itself) and
// files, parents first, in lexical order.
func walk(src string, follow bool, fn func(rel string, isDir bool)) error {
	var visit func(dir, rel string, depth int) error
	visit = func(dir, rel string, depth int) error {
		if depth > 64 {
			return fmt.Errorf("%s: directories nested too deeply (a symlink loop?)", dir)
		}
		fn(rel, true)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
		for _, e := range entries {
			full, r := filepath.Join(dir, e.Name()), path.Join(rel, e.Name())
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				if !follow {
					continue
				}
				fi, err := os.Stat(full)
				if err != nil {
					return fmt.Errorf("follow %s: %w", full, err)
				}
				mode = fi.Mode()
			}
			switch {
			case mode.IsDir():
				if err := visit(full, r, depth+1); err != nil {
					return err
				}
			case mode.IsRegular() || mode&fs.ModeType == 0:
				fn(r, false)
			}
		}
		return nil
	}
	return visit(src, "", 0)
}

// mkdirs creates dirs (parents first) with mode (or the umask's default)
// and the owner and group of attrs. With parents, missing parents are
// created too (mkdir -p).
func mkdirs(ctx context.Context, t *module.Target, dirs []string, mode remotefile.ModeSpec, attrs remotefile.Attrs, parents bool) error {
	var b bytes.Buffer
	flag := ""
	if parents {
		flag = "-p "
	}
	for _, d := range dirs {
		fmt.Fprintf(&b, "d=%s\nmkdir %s-- \"$d\" || exit 1\n", transport.Quote(d), flag)
		if mode.IsSet() {
			m, err := mode.Resolve(0o777&^0o022, true, 0o022)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "chmod %04o \"$d\" || exit 1\n", m)
		}
		plan := remotefile.AttrPlan{Owner: attrs.Owner, Group: attrs.Group}
		b.WriteString(plan.Script("d", false))
	}
	res, err := t.Conn.Run(ctx, b.String(), transport.RunOpts{})
	if err != nil {
		return fmt.Errorf("create directories: %w", err)
	}
	if res.RC != 0 {
		return fmt.Errorf("create directories: %s", strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
