package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Load reads inventory sources in order, as ansible's -i options: files (INI
// or YAML), directories (every inventory file in them, recursively), or
// comma-separated host lists such as "web1,web2," or "localhost,". Each
// source's group_vars/ and host_vars/ (next to a file, inside a directory)
// are loaded too.
func Load(sources []string, opt Options) (*Inventory, error) {
	inv := newInventory(opt)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var dirs []*varsDir
	for _, src := range sources {
		base, err := inv.loadSource(src)
		if err != nil {
			return nil, err
		}
		if base == "" {
			continue
		}
		d, err := inv.varsDirFor(base)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, d)
	}
	inv.reconcile()
	if err := inv.loadEntityVars(dirs); err != nil {
		return nil, err
	}
	inv.invVars = dirs
	return inv, nil
}

// loadSource loads one -i source and returns the directory whose
// group_vars/ and host_vars/ belong to it ("" for host lists).
func (inv *Inventory) loadSource(src string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		if strings.Contains(src, ",") && errors.Is(err, fs.ErrNotExist) {
			return "", inv.loadHostList(src)
		}
		return "", fmt.Errorf("inventory source: %w", err)
	}
	if st.IsDir() {
		return filepath.Clean(src), inv.loadDir(src)
	}
	return filepath.Dir(src), inv.loadFile(src, false)
}

// loadHostList adds the hosts of "h1,h2:2222,…" to "ungrouped".
func (inv *Inventory) loadHostList(src string) error {
	ungrouped := inv.groups["ungrouped"]
	for _, item := range strings.Split(src, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, port, ok := parseAddress(item)
		if !ok || strings.Contains(name, "[") {
			name, port = item, 0
		}
		if _, exists := inv.hosts[name]; exists {
			continue
		}
		h := inv.addHost(name, "")
		if port != 0 {
			h.Vars["ansible_port"] = port
		}
		inv.addHostToGroup(h, ungrouped)
	}
	return nil
}

// ignoredInDir matches the names Ansible skips in an inventory directory:
// hidden files, group_vars, host_vars, vars_plugins, and the extensions of
// INVENTORY_IGNORE_EXTS (including .ini and .cfg). hactl also skips Go
// source files: a lab directory (an inventory too) may hold its lab test.
var ignoredInDir = regexp.MustCompile(`^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry|\.go)$`)

// playbookDirs are subdirectories holding playbook material (a lab or
// project directory used as inventory keeps its templates and roles
// beside its hosts file). Ansible reads them as inventory and warns about
// every file; hactl does not read them.
var playbookDirs = map[string]bool{
	"templates": true, "files": true, "roles": true, "tasks": true, "handlers": true,
	"vars": true, "defaults": true, "meta": true, "library": true, "filter_plugins": true,
	"playbooks": true, "collections": true,
}

// loadDir loads every inventory file of dir in lexical order, recursively.
func (inv *Inventory) loadDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if ignoredInDir.MatchString(n) {
			continue
		}
		p := filepath.Join(dir, n)
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("inventory source: %w", err)
		}
		if st.IsDir() {
			if playbookDirs[n] {
				continue
			}
			if err := inv.loadDir(p); err != nil {
				return err
			}
			continue
		}
		if !st.Mode().IsRegular() {
			continue
		}
		if err := inv.loadFile(p, true); err != nil {
			return err
		}
	}
	return nil
}

// errNotInventory marks a file that is not an inventory at all (a playbook,
// a vars file); in a directory such files are skipped with a warning.
var errNotInventory = errors.New("not an inventory")

// notInventory wraps the reason why a file is not an inventory.
type notInventory struct{ err error }

func (e *notInventory) Error() string        { return e.err.Error() }
func (e *notInventory) Unwrap() error        { return e.err }
func (e *notInventory) Is(target error) bool { return target == errNotInventory }

// loadFile loads one inventory file, choosing the format like Ansible's
// plugin chain: YAML for .yml/.yaml/.json, YAML for files without
// extension that look like YAML, INI otherwise.
func (inv *Inventory) loadFile(path string, inDir bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("inventory source: %w", err)
	}
	if bytes.HasPrefix(data, []byte("#!")) {
		if st, err := os.Stat(path); err == nil && st.Mode()&0o111 != 0 {
			return fmt.Errorf("%s: inventory scripts are not supported; list the hosts in an INI or YAML file", path)
		}
	}
	ext := filepath.Ext(path)
	switch {
	case ext == ".yml" || ext == ".yaml" || ext == ".json":
		err = inv.parseYAMLInventory(data, path, inDir)
	case ext == ".toml":
		return fmt.Errorf("%s: TOML inventories are not supported; use INI or YAML", path)
	case ext == "" && looksLikeYAML(data):
		err = inv.parseYAMLInventory(data, path, inDir)
	default:
		err = inv.parseINI(data, path)
	}
	if errors.Is(err, errNotInventory) && inDir {
		// A local lab's settings and scenario files sit beside its
		// inventory by design.
		if b := filepath.Base(path); b != "lab.yml" && b != "verify.yml" {
			inv.warn("%v; skipped, not an inventory", err)
		}
		return nil
	}
	return err
}

// looksLikeYAML tells YAML from INI for files without extension by their
// first significant line: INI lines are "[section]" or "host key=value",
// YAML inventories start with "---", "{", or "group:".
func looksLikeYAML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "---") || line[0] == '{' {
			return true
		}
		if line[0] == '[' || strings.Contains(line, "=") {
			return false
		}
		return strings.HasSuffix(line, ":") || strings.Contains(line, ": ")
	}
	return false
}
