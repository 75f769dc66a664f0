package template

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// Engine renders Jinja2 templates and evaluates Jinja2 expressions with
// Ansible's settings and filters. An Engine is safe for concurrent use by
// many goroutines; it caches parsed templates keyed by their text.
type Engine struct {
	cfg     *config.Config
	env     *exec.Environment
	lookups map[string]LookupFunc
	regex   regexCache
	cache   sync.Map // text -> *compiled
	// branches caches the parsed branches of inline conditionals
	// (source -> nodes.Expression; see inlineif.go).
	branches sync.Map
}

// Option configures an Engine built by New.
type Option func(*Engine)

// WithLookup registers (or replaces) the lookup plugin name, used by
// lookup(name, …) and query(name, …) in templates.
func WithLookup(name string, fn LookupFunc) Option {
	return func(e *Engine) { e.lookups[name] = fn }
}

// New returns an Engine configured as Ansible configures Jinja2:
// trim_blocks on, lstrip_blocks off, the trailing newline kept, and an
// undefined variable, attribute or key an error.
func New(opts ...Option) *Engine {
	cfg := config.New()
	cfg.TrimBlocks = true
	cfg.LeftStripBlocks = false
	cfg.KeepTrailingNewline = true
	cfg.StrictUndefined = true
	cfg.AutoEscape = false

	e := &Engine{cfg: cfg, lookups: defaultLookups()}
	for _, o := range opts {
		o(e)
	}

	globals := exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables)
	for name, fn := range globalFunctions() {
		globals.Set(name, fn)
	}
	globals.Set(inlineIfFunc, e.inlineIf)
	e.env = &exec.Environment{
		Context:           globals,
		Filters:           buildFilters(&e.regex),
		Tests:             buildTests(&e.regex),
		ControlStructures: buildControlStructures(),
		Methods:           ansibleMethods(),
	}
	return e
}

// IsTemplate reports whether s contains Jinja2 markup ({{, {% or {#) and so
// would change when rendered.
func IsTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// Render renders text, a whole template, with vars. name identifies the
// template in errors (usually its file path). Strings without markup are
// returned unchanged without parsing.
func (e *Engine) Render(name, text string, vars map[string]any) (string, error) {
	if !IsTemplate(text) {
		return text, nil
	}
	r := newResolver(e, vars)
	return r.render(name, text)
}

// Eval evaluates a bare Jinja2 expression such as "x | default(3)" or
// "a is defined and b" and returns its value as plain Go data (maps,
// []any, string, int, float64, bool or nil).
func (e *Engine) Eval(expr string, vars map[string]any) (any, error) {
	r := newResolver(e, vars)
	v, err := r.eval("expression", expr)
	if err != nil {
		return nil, err
	}
	return r.plain(v)
}

// Truth evaluates an Ansible conditional (when:, changed_when:,
// failed_when:, until:). Like Ansible, a conditional holding {{ … }} is
// rendered first and the result evaluated as an expression, so
// "{{ flag }}" with flag "false" is false while a bare non-empty string is
// true.
func (e *Engine) Truth(expr string, vars map[string]any) (bool, error) {
	r := newResolver(e, vars)
	return r.truth(expr)
}

// TruthValue is Truth for a conditional as it came from YAML: a bool is
// taken as is, a string is evaluated, and a list is true when every item
// is (Ansible's list form of when:).
func (e *Engine) TruthValue(cond any, vars map[string]any) (bool, error) {
	switch c := cond.(type) {
	case nil:
		return true, nil
	case bool:
		return c, nil
	case string:
		return e.Truth(c, vars)
	case []any:
		r := newResolver(e, vars)
		for _, item := range c {
			ok, err := e.truthItem(r, item)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case []string:
		r := newResolver(e, vars)
		for _, item := range c {
			ok, err := r.truth(item)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	default:
		return pyTruth(c), nil
	}
}

func (e *Engine) truthItem(r *resolver, item any) (bool, error) {
	switch c := item.(type) {
	case bool:
		return c, nil
	case string:
		return r.truth(c)
	default:
		return pyTruth(c), nil
	}
}

// Template renders v deeply: strings are rendered, maps and lists are
// walked and copied. A string that is exactly one "{{ expr }}" returns the
// expression's native value (list, dict, int, bool…) as Ansible does; any
// other string renders to a string. Values of named string types (such as
// yamlx.Unsafe) are never rendered.
func (e *Engine) Template(v any, vars map[string]any) (any, error) {
	r := newResolver(e, vars)
	out, err := r.templateDeep(v, "")
	if err != nil {
		return nil, err
	}
	return out, nil
}

// compiled is a parsed template and the top-level names it may read.
type compiled struct {
	tpl    *exec.Template
	loader loaders.Loader
	single *nodes.Output // the only node, when the text is one {{ expr }}
	names  []string      // the top-level names the text may read
	every  bool          // the text includes others: every variable is visible
	err    error
}

// compile parses text once and caches it, errors included.
func (e *Engine) compile(text string) (*compiled, error) {
	return e.compileFile("", text)
}

// compileFile is compile for a template read from file: when the text
// includes or imports other templates, they are read relative to the
// file's directory, and the cache key includes the file name.
func (e *Engine) compileFile(file, text string) (*compiled, error) {
	key, dir := text, ""
	if file != "" && usesOtherTemplates(text) {
		dir = filepath.Dir(file)
		key = file + "\x00" + text
	}
	if c, ok := e.cache.Load(key); ok {
		cc := c.(*compiled)
		return cc, cc.err
	}
	c := &compiled{loader: &sourceLoader{text: text, dir: dir}, every: dir != ""}
	c.tpl, c.err = parse(text, e.cfg, e.env, c.loader)
	if c.err == nil {
		rewriteTests(c.tpl.Root())
		c.names = referencedNames(text, e.cfg)
		if root := c.tpl.Root(); len(root.Nodes) == 1 {
			c.single, _ = root.Nodes[0].(*nodes.Output)
		}
	}
	actual, _ := e.cache.LoadOrStore(key, c)
	cc := actual.(*compiled)
	return cc, cc.err
}

// parse runs gonja's parser, turning a panic into an error.
func parse(text string, cfg *config.Config, env *exec.Environment, loader loaders.Loader) (tpl *exec.Template, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("template parser failed: %v", p)
		}
	}()
	return exec.NewTemplate(templateID, cfg, loader, env)
}
