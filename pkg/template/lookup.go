package template

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// LookupCall is one call of lookup(name, terms…, kwargs…) or query(…) in
// a template.
type LookupCall struct {
	Name   string
	Terms  []any
	Kwargs map[string]any
	// Vars are the variables of the render (raw, as given by the caller).
	Vars map[string]any
	// Var returns a variable resolved as templates see it.
	Var func(name string) (any, bool, error)
	// Render renders another template text with the same variables.
	Render func(name, text string) (string, error)
}

// LookupFunc implements a lookup plugin: it returns a list of values.
type LookupFunc func(call *LookupCall) ([]any, error)

// defaultLookups are the plugins every Engine has: env, file, template,
// vars, first_found, list and items. file, template and first_found
// search relative paths as Ansible does: role_path/files (templates),
// role_path, playbook_dir/files (templates), playbook_dir, then the
// working directory.
func defaultLookups() map[string]LookupFunc {
	return map[string]LookupFunc{
		"env":         lookupEnv,
		"file":        lookupFile,
		"template":    lookupTemplate,
		"vars":        lookupVars,
		"first_found": lookupFirstFound,
		"list":        func(c *LookupCall) ([]any, error) { return c.Terms, nil },
		"items":       func(c *LookupCall) ([]any, error) { return flatten(c.Terms, 1, false), nil },
	}
}

func lookupEnv(c *LookupCall) ([]any, error) {
	out := make([]any, 0, len(c.Terms))
	for _, t := range c.Terms {
		v, ok := os.LookupEnv(pyStr(t))
		if !ok {
			if def, has := c.Kwargs["default"]; has {
				out = append(out, def)
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// searchPath resolves a relative file name for the file-like lookups.
func searchPath(c *LookupCall, sub, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var dirs []string
	for _, base := range []string{"role_path", "playbook_dir"} {
		if v, ok := c.Vars[base]; ok {
			if dir, ok := asString(v); ok && dir != "" {
				dirs = append(dirs, filepath.Join(dir, sub), dir)
			}
		}
	}
	dirs = append(dirs, ".")
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("could not locate file in lookup: %s", name)
}

func lookupFile(c *LookupCall) ([]any, error) {
	rstrip := true
	if v, ok := c.Kwargs["rstrip"]; ok {
		rstrip = pyTruth(v)
	}
	lstrip := pyTruth(c.Kwargs["lstrip"])
	out := make([]any, 0, len(c.Terms))
	for _, t := range c.Terms {
		p, err := searchPath(c, "files", pyStr(t))
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("lookup file: %w", err)
		}
		s := string(data)
		if rstrip {
			s = strings.TrimRight(s, " \t\r\n")
		}
		if lstrip {
			s = strings.TrimLeft(s, " \t\r\n")
		}
		out = append(out, s)
	}
	return out, nil
}

func lookupTemplate(c *LookupCall) ([]any, error) {
	out := make([]any, 0, len(c.Terms))
	for _, t := range c.Terms {
		p, err := searchPath(c, "templates", pyStr(t))
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("lookup template: %w", err)
		}
		s, err := c.Render(p, string(data))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func lookupVars(c *LookupCall) ([]any, error) {
	out := make([]any, 0, len(c.Terms))
	for _, t := range c.Terms {
		name := pyStr(t)
		v, ok, err := c.Var(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			if def, has := c.Kwargs["default"]; has {
				out = append(out, def)
				continue
			}
			return nil, &undefinedError{what: name}
		}
		out = append(out, v)
	}
	return out, nil
}

func lookupFirstFound(c *LookupCall) ([]any, error) {
	for _, t := range flatten(c.Terms, -1, true) {
		if p, err := searchPath(c, "files", pyStr(t)); err == nil {
			return []any{p}, nil
		}
	}
	if pyTruth(c.Kwargs["skip"]) {
		return []any{}, nil
	}
	return nil, errors.New("no file was found when using first_found")
}

// boundFunctions returns lookup() and query() tied to this call's
// variables.
func (r *resolver) boundFunctions() map[string]any {
	if r.fns == nil {
		r.fns = map[string]any{
			"lookup": func(va *exec.VarArgs) (any, error) { return r.lookup(va, false) },
			"query":  func(va *exec.VarArgs) (any, error) { return r.lookup(va, true) },
			"q":      func(va *exec.VarArgs) (any, error) { return r.lookup(va, true) },
		}
	}
	return r.fns
}

// lookup runs a lookup plugin: query (or wantlist=True) returns the list;
// lookup joins strings with "," and unwraps a single value, like Ansible.
func (r *resolver) lookup(va *exec.VarArgs, wantlist bool) (any, error) {
	if len(va.Args) == 0 {
		return nil, errors.New("lookup needs a plugin name")
	}
	name := va.Args[0].String()
	fn, ok := r.e.lookups[name]
	if !ok {
		return nil, fmt.Errorf("lookup plugin %q not found", name)
	}
	call := &LookupCall{Name: name, Kwargs: map[string]any{}, Vars: r.vars}
	for _, a := range va.Args[1:] {
		p, err := plainValue(a)
		if err != nil {
			return nil, err
		}
		call.Terms = append(call.Terms, p)
	}
	onError := "strict"
	for k, v := range va.KwArgs {
		p, err := plainValue(v)
		if err != nil {
			return nil, err
		}
		switch k {
		case "wantlist":
			wantlist = pyTruth(p)
		case "errors":
			onError = pyStr(p)
		default:
			call.Kwargs[k] = p
		}
	}
	call.Var = func(name string) (any, bool, error) {
		v, ok, err := r.topValue(name)
		if err != nil || !ok {
			return nil, ok, err
		}
		p, err := plainValue(v)
		return p, true, err
	}
	call.Render = func(name, text string) (string, error) { return r.render(name, text) }
	res, err := fn(call)
	if err != nil {
		if onError == "ignore" || onError == "warn" {
			return nil, nil
		}
		return nil, fmt.Errorf("lookup %s: %w", name, err)
	}
	if wantlist {
		return inner(append([]any{}, res...)), nil
	}
	strs := make([]string, 0, len(res))
	for _, v := range res {
		s, ok := v.(string)
		if !ok {
			break
		}
		strs = append(strs, s)
	}
	switch {
	case len(strs) == len(res):
		return strings.Join(strs, ","), nil
	case len(res) == 1:
		return inner(res[0]), nil
	}
	return inner(res), nil
}
