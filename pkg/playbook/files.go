package playbook

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// location is a file or directory on the OS file system (fsys nil) or in
// an fs.FS (roles embedded in the binary).
type location struct {
	fsys fs.FS
	path string
}

// embeddedPrefix marks positions inside the embedded roles.
const embeddedPrefix = "embedded:"

// String is the name used in positions and messages.
func (l location) String() string {
	if l.fsys != nil {
		return embeddedPrefix + l.path
	}
	return l.path
}

// dir is the directory holding l.
func (l location) dir() location {
	if l.fsys != nil {
		return location{fsys: l.fsys, path: path.Dir(l.path)}
	}
	return location{path: filepath.Dir(l.path)}
}

// join resolves rel against the directory l. An absolute rel on the OS
// file system is returned as it is.
func (l location) join(rel ...string) location {
	if l.fsys != nil {
		return location{fsys: l.fsys, path: path.Join(append([]string{l.path}, rel...)...)}
	}
	if len(rel) > 0 && filepath.IsAbs(rel[0]) {
		return location{path: filepath.Join(rel...)}
	}
	return location{path: filepath.Join(append([]string{l.path}, rel...)...)}
}

// base is the last element of the path.
func (l location) base() string {
	if l.fsys != nil {
		return path.Base(l.path)
	}
	return filepath.Base(l.path)
}

// key identifies the location for caches and cycle checks.
func (l location) key() string {
	if l.fsys != nil {
		return embeddedPrefix + path.Clean(l.path)
	}
	if abs, err := filepath.Abs(l.path); err == nil {
		return abs
	}
	return filepath.Clean(l.path)
}

func (l location) read() ([]byte, error) {
	if l.fsys != nil {
		if !fs.ValidPath(l.path) {
			return nil, &fs.PathError{Op: "open", Path: l.path, Err: fs.ErrInvalid}
		}
		return fs.ReadFile(l.fsys, l.path)
	}
	return os.ReadFile(l.path)
}

func (l location) stat() (fs.FileInfo, error) {
	if l.fsys != nil {
		if !fs.ValidPath(l.path) {
			return nil, &fs.PathError{Op: "stat", Path: l.path, Err: fs.ErrInvalid}
		}
		return fs.Stat(l.fsys, l.path)
	}
	return os.Stat(l.path)
}

func (l location) isDir() bool {
	fi, err := l.stat()
	return err == nil && fi.IsDir()
}

func (l location) isFile() bool {
	fi, err := l.stat()
	return err == nil && !fi.IsDir()
}

// yamlFiles lists the YAML files of a directory, sorted by name, as
// Ansible reads a vars/main/ directory.
func (l location) yamlFiles() ([]location, error) {
	var entries []fs.DirEntry
	var err error
	if l.fsys != nil {
		entries, err = fs.ReadDir(l.fsys, l.path)
	} else {
		entries, err = os.ReadDir(l.path)
	}
	if err != nil {
		return nil, err
	}
	var out []location
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		switch path.Ext(n) {
		case ".yml", ".yaml", ".json", "":
			out = append(out, l.join(n))
		}
	}
	slices.SortFunc(out, func(a, b location) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

// findMain finds name (main, or a tasks_from value) in dir, trying the
// extensions Ansible tries. A name may also be a directory of YAML files
// when dirOK is set (vars and defaults). It returns the files to read
// (none when absent).
func findMain(dir location, name string, dirOK bool) ([]location, error) {
	for _, ext := range []string{"", ".yml", ".yaml", ".json"} {
		c := dir.join(name + ext)
		fi, err := c.stat()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
				continue
			}
			return nil, err
		}
		if !fi.IsDir() {
			return []location{c}, nil
		}
		if dirOK && ext == "" {
			return c.yamlFiles()
		}
	}
	return nil, nil
}

// EmbeddedPath reports whether file (a position's file, or a path given to
// LoadTasks) names a file of Loader.ExtraRoleFS, and returns its path in
// that file system.
func EmbeddedPath(file string) (string, bool) {
	return strings.CutPrefix(file, embeddedPrefix)
}

// EmbeddedName is the name positions and LoadTasks use for the file p of
// Loader.ExtraRoleFS.
func EmbeddedName(p string) string {
	return embeddedPrefix + path.Clean(p)
}
