package util

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/yamlx"
)

func init() { module.Register(IncludeVars{}) }

// IncludeVars is the include_vars module: load variables from YAML or JSON
// files on the controller.
type IncludeVars struct{}

// Spec describes the include_vars module.
func (IncludeVars) Spec() module.Spec {
	return module.Spec{
		Name:  "include_vars",
		Short: "Read variables from YAML/JSON files on the controller at run time",
		Doc:   `Loads variables from a YAML or JSON file, or from every such file of a directory (sorted by path; later files override earlier ones), on the controller. A relative file is looked up in the role's vars/ directory, then next to the playbook. The variables get include_vars precedence for the rest of the play run.`,
		Params: []module.Param{
			{Name: "file", Type: module.Path, Doc: "The file to load (the free-form text is the same)."},
			{Name: "dir", Type: module.Path, Doc: "A directory whose files are all loaded, recursively."},
			{Name: "name", Type: module.Str, Doc: "Put the loaded variables under this one variable instead of at the top level."},
			{Name: "depth", Type: module.Int, Default: 0, Doc: "With dir, how many directory levels to read (1: the directory itself only); 0 means no limit."},
			{Name: "files_matching", Type: module.Str, Doc: "With dir, only load files whose name matches this regular expression."},
			{Name: "ignore_files", Type: module.List, Elements: module.Str, Doc: "With dir, file names to skip (regular expressions anchored at the end of the name)."},
			{Name: "extensions", Type: module.List, Elements: module.Str, Default: []any{"json", "yaml", "yml"}, Doc: "With dir, the file extensions to read."},
			{Name: "ignore_unknown_extensions", Type: module.Bool, Default: false, Doc: "With dir, skip files with other extensions instead of failing."},
			{Name: "hash_behaviour", Type: module.Str, Choices: []any{"replace", "merge"}, Doc: "merge: combine loaded dictionaries with the existing values of the same variables, recursively."},
		},
		FreeForm:          true,
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"file", "dir"}},
		Examples: `- name: Load the variables of this distribution
  include_vars: "{{ ansible_distribution }}.yml"

- name: Load a directory under one name
  include_vars:
    dir: cluster
    name: cluster
    extensions: [yml]`,
		Returns: []module.ReturnValue{
			{Name: "ansible_facts", Type: module.Dict, Doc: "The variables loaded."},
			{Name: "ansible_included_var_files", Type: module.List, Doc: "The files loaded, in order."},
		},
	}
}

// dirOnly are the arguments that only make sense with dir.
var dirOnly = []string{"depth", "files_matching", "ignore_files", "extensions", "ignore_unknown_extensions"}

// Run loads the files.
func (IncludeVars) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	file := a.String("file")
	if file == "" && a.String("dir") == "" {
		file = strings.TrimRight(a.String("_raw_params"), "\n")
	}
	var loaded []string
	results := map[string]any{}
	fail := func(msg string) (module.Result, error) {
		return module.Result{Failed: true, Msg: msg, Data: map[string]any{
			"message": msg, "ansible_facts": map[string]any{}, "ansible_included_var_files": []string{},
		}}, nil
	}
	switch {
	case a.String("dir") != "":
		dir, err := find(t, a.String("dir"))
		if err != nil {
			return fail(err.Error())
		}
		files, err := dirFiles(dir, a)
		if err != nil {
			return fail(err.Error())
		}
		for _, f := range files {
			vars, err := loadVarsFile(f)
			if err != nil {
				return fail(err.Error())
			}
			maps.Copy(results, vars)
			loaded = append(loaded, f)
		}
	case file != "":
		for _, n := range dirOnly {
			if given(a, n) {
				return module.Result{}, fmt.Errorf("include_vars: you are mixing file only and dir only arguments, these are incompatible (%s needs dir)", n)
			}
		}
		path, err := find(t, file)
		if err != nil {
			return fail(err.Error())
		}
		vars, err := loadVarsFile(path)
		if err != nil {
			return fail(err.Error())
		}
		results, loaded = vars, []string{path}
	default:
		return module.Result{}, fmt.Errorf("include_vars: give a file (free-form or file:) or a dir")
	}
	if a.String("hash_behaviour") == "merge" {
		for k, v := range results {
			results[k] = mergeValues(t.Vars[k], v)
		}
	}
	if name := a.String("name"); name != "" {
		results = map[string]any{name: results}
	}
	if loaded == nil {
		loaded = []string{}
	}
	return module.Result{Data: map[string]any{"ansible_facts": results, "ansible_included_var_files": loaded}}, nil
}

// given reports whether a dir-only argument was set to something other
// than its default.
func given(a module.Args, n string) bool {
	switch n {
	case "depth":
		return a.Int(n) != 0
	case "ignore_unknown_extensions":
		return a.Bool(n)
	case "extensions":
		return !slices.Equal(a.Strings(n), []string{"json", "yaml", "yml"})
	}
	return a.Has(n)
}

// find resolves a controller path through the Target.
func find(t *module.Target, name string) (string, error) {
	if t.FindFile == nil {
		return name, nil
	}
	p, err := t.FindFile("vars", name)
	if err != nil {
		return "", fmt.Errorf("could not find or access '%s': %w", name, err)
	}
	return p, nil
}

// dirFiles lists the files of dir to load, sorted, honouring depth,
// files_matching, ignore_files and extensions.
func dirFiles(dir string, a module.Args) ([]string, error) {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s directory does not exist", dir)
	case !st.IsDir():
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	var match *regexp.Regexp
	if p := a.String("files_matching"); p != "" {
		if match, err = regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("files_matching: invalid regular expression %q: %w", p, err)
		}
	}
	var ignore []*regexp.Regexp
	for _, p := range a.Strings("ignore_files") {
		re, err := regexp.Compile("(?:" + p + ")$")
		if err != nil {
			return nil, fmt.Errorf("ignore_files: invalid regular expression: %s", p)
		}
		ignore = append(ignore, re)
	}
	exts := a.Strings("extensions")
	depth := a.Int("depth")
	var out []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		level := 1
		if rel != "." {
			level = strings.Count(rel, string(filepath.Separator)) + 1
		}
		if d.IsDir() {
			if depth > 0 && rel != "." && level >= depth {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if slices.ContainsFunc(ignore, func(re *regexp.Regexp) bool { return re.MatchString(name) }) {
			return nil
		}
		if match != nil && !match.MatchString(name) {
			return nil
		}
		if !slices.Contains(exts, strings.TrimPrefix(filepath.Ext(name), ".")) {
			if a.Bool("ignore_unknown_extensions") {
				return nil
			}
			return fmt.Errorf("%s does not have a valid extension: %s", p, strings.Join(exts, ", "))
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// loadVarsFile reads a YAML or JSON file holding a mapping (or nothing).
func loadVarsFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read '%s': %w", path, err)
	}
	v, err := yamlx.Unmarshal(b, path)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	}
	return nil, fmt.Errorf("%s must be stored as a dictionary/hash", path)
}

// mergeValues merges dictionaries recursively (new wins); other values are
// replaced.
func mergeValues(old, nw any) any {
	om, ok1 := old.(map[string]any)
	nm, ok2 := nw.(map[string]any)
	if !ok1 || !ok2 {
		return nw
	}
	out := maps.Clone(om)
	for k, v := range nm {
		out[k] = mergeValues(out[k], v)
	}
	return out
}
