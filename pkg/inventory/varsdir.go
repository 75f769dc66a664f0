package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hactl/hactl/pkg/yamlx"
)

// varsExts are the extensions Ansible tries after the bare name, in order.
var varsExts = []string{"", ".yml", ".yaml", ".json"}

// varsDir holds the group_vars/ and host_vars/ of one directory (next to an
// inventory source or a playbook). Files are read once per entity.
type varsDir struct {
	base  string
	kinds map[string]*varsKind // "group_vars", "host_vars"
}

type varsKind struct {
	dir     string
	entries map[string]bool // names present in dir
	loaded  map[string]map[string]any
}

// varsDirFor returns the (shared) varsDir for base, listing its
// group_vars/ and host_vars/ directories once.
func (inv *Inventory) varsDirFor(base string) (*varsDir, error) {
	if d, ok := inv.dirs[base]; ok {
		return d, nil
	}
	d := &varsDir{base: base, kinds: map[string]*varsKind{}}
	for _, kind := range []string{"group_vars", "host_vars"} {
		dir := filepath.Join(base, kind)
		k := &varsKind{dir: dir, entries: map[string]bool{}, loaded: map[string]map[string]any{}}
		d.kinds[kind] = k
		st, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		if !st.IsDir() {
			inv.warn("found %s that is not a directory, skipping", dir)
			continue
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range ents {
			k.entries[e.Name()] = true
		}
	}
	inv.dirs[base] = d
	return d, nil
}

// vars returns the variables of one entity (a group or host name) from
// kind ("group_vars" or "host_vars"), loading its files on first use. The
// result must not be modified.
func (k *varsKind) vars(name string) (map[string]any, error) {
	if v, ok := k.loaded[name]; ok {
		return v, nil
	}
	var files []string
	for _, ext := range varsExts {
		if !k.entries[name+ext] {
			continue
		}
		p := filepath.Join(k.dir, name+ext)
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if st.IsDir() {
			if files, err = varsDirFiles(p); err != nil {
				return nil, err
			}
		} else {
			files = []string{p}
		}
		break
	}
	var merged map[string]any
	for _, f := range files {
		m, err := readVarsFile(f)
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = map[string]any{}
		}
		for key, v := range m {
			merged[key] = v
		}
	}
	k.loaded[name] = merged
	return merged, nil
}

// varsDirFiles lists the vars files in a group_vars/NAME/ directory in
// lexical order, descending into subdirectories without extension and
// skipping hidden files, backups (~) and unknown extensions, as Ansible.
func varsDirFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		p := filepath.Join(dir, n)
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		ext := filepath.Ext(n)
		switch {
		case st.IsDir() && ext == "":
			sub, err := varsDirFiles(p)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case st.Mode().IsRegular() && (ext == "" || ext == ".yml" || ext == ".yaml" || ext == ".json"):
			out = append(out, p)
		}
	}
	return out, nil
}

// readVarsFile reads a YAML or JSON file that must hold a mapping (or
// nothing).
func readVarsFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading vars file: %w", err)
	}
	v, err := yamlx.Unmarshal(data, path)
	if err != nil {
		return nil, err
	}
	switch m := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return m, nil
	}
	return nil, fmt.Errorf("%s: vars file must hold a mapping of variables, not a %s", path, typeName(v))
}

// typeName names a decoded YAML value's type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	case string, yamlx.Unsafe:
		return "string"
	case int, float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// loadEntityVars loads (and so validates) the vars files of every group
// and host from every vars directory.
func (inv *Inventory) loadEntityVars(dirs []*varsDir) error {
	for _, d := range dirs {
		gk, hk := d.kinds["group_vars"], d.kinds["host_vars"]
		if len(gk.entries) > 0 {
			for _, g := range inv.groupOrder {
				if _, err := gk.vars(g.Name); err != nil {
					return err
				}
			}
		}
		if len(hk.entries) > 0 {
			for _, h := range inv.hostOrder {
				if _, err := hk.vars(h.Name); err != nil {
					return err
				}
			}
			for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
				if _, err := hk.vars(name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// LoadPlaybookVars loads group_vars/ and host_vars/ from the playbook's
// directory. They rank above the inventory's group_vars/ and host_vars/ of
// the same kind. Calling it again replaces the previous playbook directory.
func (inv *Inventory) LoadPlaybookVars(dir string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	d, err := inv.varsDirFor(filepath.Clean(dir))
	if err != nil {
		return fmt.Errorf("playbook vars: %w", err)
	}
	if err := inv.loadEntityVars([]*varsDir{d}); err != nil {
		return fmt.Errorf("playbook vars: %w", err)
	}
	inv.pbVars = []*varsDir{d}
	inv.changed()
	return nil
}
