package playbook

import (
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/yamlx"
)

// Loader loads playbooks, task files and roles. The zero value loads
// from the OS file system with the default role search path. A Loader
// holds configuration only and may be used by several goroutines.
type Loader struct {
	// RolesPath lists extra directories holding roles (ansible.cfg
	// roles_path). Roles are searched in the playbook's roles/ directory,
	// then these, then the playbook's own directory, then ExtraRoleFS;
	// dependencies are searched next to the role depending on them first.
	RolesPath []string
	// ExtraRoleFS optionally holds roles embedded in the binary, one
	// directory per role at its root (name/tasks/main.yml). Positions in
	// these files are shown as "embedded:name/tasks/main.yml".
	ExtraRoleFS fs.FS
}

// loadState is the state of one load: the parse cache, the import chain
// for cycle detection and the problems found so far.
type loadState struct {
	l     *Loader
	errs  errList
	cache map[string]*yaml.Node
	// files is the chain of files being imported.
	files []fileFrame
	// roles is the chain of roles being loaded ("name" for messages and
	// the key for cycles).
	roles []roleFrame
	// applied are the role applications of the current play's roles:
	// section, by directory and parameters, for Ansible's deduplication.
	applied map[string]bool
	// nTasks counts the tasks built, against maxTasks.
	nTasks int
	// handlers collects the handlers of roles imported in the current
	// play (import_role), in order.
	roleHandlers []*Task
}

// maxTasks bounds the tasks one load builds: YAML aliases in task lists
// could otherwise expand a small file into billions of tasks.
const maxTasks = 50_000

// budget counts one more task; it reports false (and records the error
// once) when the load has built too many.
func (st *loadState) budget(pos Pos) bool {
	st.nTasks++
	if st.nTasks == maxTasks+1 {
		st.errs.add(errorf(pos, "more than %d tasks: are YAML aliases expanding without bound?", maxTasks))
	}
	return st.nTasks <= maxTasks
}

type roleFrame struct {
	key, name string
}

// fileFrame is one file of the import chain: its key for comparisons and
// its name for messages.
type fileFrame struct {
	key, name string
}

func (l *Loader) newState() *loadState {
	return &loadState{l: l, cache: map[string]*yaml.Node{}}
}

// parseFile reads and parses a YAML file, once per load. An empty file
// gives a nil node.
func (st *loadState) parseFile(loc location) (*yaml.Node, error) {
	key := loc.key()
	if n, ok := st.cache[key]; ok {
		return n, nil
	}
	data, err := loc.read()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", loc, err)
	}
	root, err := yamlx.Parse(data, loc.String())
	if err != nil {
		return nil, err
	}
	st.cache[key] = root
	return root, nil
}

// enter pushes a file on the import chain; it fails on a cycle.
func (st *loadState) enter(loc location, from Pos) error {
	key := loc.key()
	for i, f := range st.files {
		if f.key == key {
			var chain []string
			for _, g := range st.files[i:] {
				chain = append(chain, g.name)
			}
			chain = append(chain, loc.String())
			return errorf(from, "import cycle: %s", strings.Join(chain, " -> "))
		}
	}
	st.files = append(st.files, fileFrame{key: key, name: loc.String()})
	return nil
}

func (st *loadState) leave() { st.files = st.files[:len(st.files)-1] }

// LoadPlaybook loads a playbook file with its static imports expanded
// (import_playbook, import_tasks, import_role, roles:) and keywords
// propagated to every task. Problems are reported together, each
// prefixed with file:line:col.
func (l *Loader) LoadPlaybook(path string) (*Playbook, error) {
	st := l.newState()
	pb := &Playbook{Path: path}
	st.playbookFile(pb, location{path: path}, playImport{}, Pos{})
	if err := st.errs.err(); err != nil {
		return nil, err
	}
	return pb, nil
}

// playImport carries the keywords of import_playbook entries down to the
// plays they import.
type playImport struct {
	vars map[string]any
	tags []string
	when []Cond
}

// playbookFile loads the plays of one playbook file into pb.
func (st *loadState) playbookFile(pb *Playbook, loc location, imp playImport, from Pos) {
	file := loc.String()
	if err := st.enter(loc, from); err != nil {
		st.errs.add(err)
		return
	}
	defer st.leave()
	root, err := st.parseFile(loc)
	if err != nil {
		st.errs.add(wrapAt(from, "import_playbook", err))
		return
	}
	if root == nil {
		st.errs.add(errorf(Pos{File: file}, "empty playbook: nothing to do"))
		return
	}
	if root.Kind != yaml.SequenceNode {
		st.errs.add(errorf(nodePos(file, root), "a playbook must be a list of plays, got %s", kindName(root)))
		return
	}
	for _, n := range root.Content {
		r := resolve(n)
		if r == nil || r.Kind != yaml.MappingNode {
			st.errs.add(errorf(nodePos(file, n), "a play must be a mapping, got %s", kindName(n)))
			continue
		}
		if isImportPlaybook(r) {
			st.importPlaybook(pb, loc, r, imp)
			continue
		}
		if p := st.play(loc, r, imp); p != nil {
			pb.Plays = append(pb.Plays, p)
		}
	}
}

// wrapAt prefixes an error about another file with the position that
// referred to it (when known).
func wrapAt(from Pos, what string, err error) error {
	if from.File == "" {
		return err
	}
	return &Error{Pos: from, Err: fmt.Errorf("%s: %w", what, err)}
}

// isImportPlaybook reports whether a playbook entry is an import_playbook.
func isImportPlaybook(r *yaml.Node) bool {
	for i := 0; i+1 < len(r.Content); i += 2 {
		if k := resolve(r.Content[i]); k != nil && includeAction(k.Value) == "import_playbook" {
			return true
		}
	}
	return false
}

// importPlaybook expands an import_playbook entry.
func (st *loadState) importPlaybook(pb *Playbook, loc location, r *yaml.Node, outer playImport) {
	file := loc.String()
	ps, err := pairs(file, r)
	if err != nil {
		st.errs.add(err)
		return
	}
	var target string
	var at Pos
	imp := playImport{}
	for _, p := range ps {
		switch {
		case includeAction(p.key) == "import_playbook":
			at = nodePos(file, p.knode)
			target, err = str(file, p.key, p.val)
			if err == nil && target == "" {
				err = errorf(nodePos(file, p.val), "import_playbook needs a file name")
			}
			if err == nil && isTemplate(target) {
				err = errorf(nodePos(file, p.val), "import_playbook %q: templated playbook names are not supported", target)
			}
		case p.key == "name":
		case p.key == "vars":
			imp.vars, err = varsMap(file, p.key, p.val)
		case p.key == "tags":
			imp.tags, err = strList(file, p.key, p.val, true)
		case p.key == "when":
			imp.when, err = conds(file, p.key, p.val)
		default:
			err = unknownKeyword(nodePos(file, p.knode), p.key, "import_playbook", []string{"import_playbook", "name", "vars", "tags", "when"})
		}
		if err != nil {
			st.errs.add(err)
			return
		}
	}
	// An outer import's keywords apply around the inner one's.
	imp.vars = mergeVars(imp.vars, outer.vars)
	imp.tags = unionTags(outer.tags, imp.tags)
	imp.when = concat(outer.when, imp.when)
	st.playbookFile(pb, loc.dir().join(target), imp, at)
}

// unknownKeyword builds the error for a keyword that is not valid where
// it is written, suggesting the nearest valid one.
func unknownKeyword(pos Pos, key, where string, valid []string) error {
	if best := module.Closest(key, valid); best != "" {
		return errorf(pos, "%q is not a valid keyword for %s (did you mean %q?)", key, where, best)
	}
	return errorf(pos, "%q is not a valid keyword for %s", key, where)
}
