package executor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sync"
)

// roleFiles gives modules a controller path for files of roles embedded in
// the binary (playbook.Role.FS). Modules read controller files with the os
// package, so the first time a task asks for such a file (or directory) it
// is copied into a private directory of the run; later lookups reuse the
// copy. The directory is removed when the run ends.
type roleFiles struct {
	mu sync.Mutex
	// dir is created on first use.
	dir string
	// fss are the file systems seen so far; each gets its own
	// subdirectory, named by its index.
	fss []fs.FS
	// done maps "<index>/<path>" to the local copy.
	done map[string]string
}

// local returns a controller path holding a copy of p (a file or a
// directory tree) from fsys.
func (rf *roleFiles) local(fsys fs.FS, p string) (string, error) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.dir == "" {
		d, err := os.MkdirTemp("", "hactl-roles-")
		if err != nil {
			return "", fmt.Errorf("embedded role files: %w", err)
		}
		rf.dir = d
		rf.done = map[string]string{}
	}
	idx := -1
	for i, f := range rf.fss {
		if sameFS(f, fsys) {
			idx = i
			break
		}
	}
	if idx < 0 {
		rf.fss = append(rf.fss, fsys)
		idx = len(rf.fss) - 1
	}
	p = path.Clean(p)
	key := fmt.Sprintf("%d/%s", idx, p)
	if out, ok := rf.done[key]; ok {
		return out, nil
	}
	out := filepath.Join(rf.dir, fmt.Sprint(idx), filepath.FromSlash(p))
	err := fs.WalkDir(fsys, p, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(rf.dir, fmt.Sprint(idx), filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		return copyOut(fsys, name, dst)
	})
	if err != nil {
		return "", fmt.Errorf("embedded role file %s: %w", p, err)
	}
	rf.done[key] = out
	return out, nil
}

// remove deletes the copies; the run calls it when it ends.
func (rf *roleFiles) remove() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.dir != "" {
		_ = os.RemoveAll(rf.dir)
		rf.dir, rf.fss, rf.done = "", nil, nil
	}
}

// copyOut writes one file of fsys to dst (temp file + rename, so a reader
// never sees half of it). Executable files stay executable.
func copyOut(fsys fs.FS, name, dst string) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	src, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		mode = 0o755
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	_, err = io.Copy(tmp, src)
	err = errors.Join(err, tmp.Chmod(mode), tmp.Close())
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// sameFS reports whether a and b are the same file system value. Some
// implementations (fstest.MapFS) are maps, which == cannot compare.
func sameFS(a, b fs.FS) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() {
		return false
	}
	switch va.Kind() {
	case reflect.Map, reflect.Pointer, reflect.Slice, reflect.Func:
		return va.Pointer() == vb.Pointer()
	}
	if va.Type().Comparable() {
		return a == b
	}
	return false
}
