package template

import (
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// render renders a whole template and reports errors as *Error naming it.
func (r *resolver) render(name, text string) (string, error) {
	c, err := r.e.compileFile(name, text)
	if err == nil {
		var out string
		if out, err = r.execute(c); err == nil {
			return out, nil
		}
	}
	return "", toError(name, text, err)
}

// execute runs a compiled template, recovering any panic in the engine.
func (r *resolver) execute(c *compiled) (out string, err error) {
	defer recoverInto(&err)
	var b strings.Builder
	names := c.names
	if c.every {
		names = make([]string, 0, len(r.vars)+len(c.names))
		for k := range r.vars {
			names = append(names, k)
		}
		names = append(names, c.names...)
	}
	if err := c.tpl.Execute(&b, r.context(names)); err != nil {
		return "", err
	}
	return b.String(), nil
}

// recoverInto turns a panic during rendering into an error.
func recoverInto(err *error) {
	p := recover()
	if p == nil {
		return
	}
	if rp, ok := p.(renderPanic); ok {
		*err = rp.err
		return
	}
	*err = fmt.Errorf("template engine failed: %v", p)
}

// context builds the gonja context of one execution: the variables the
// template text mentions (resolved lazily; one that fails to resolve is
// stored as an error value, so it fails only if the template uses it) and
// the functions bound to this call (lookup, query).
func (r *resolver) context(names []string) *exec.Context {
	data := make(map[string]any, len(names)+2)
	for _, name := range names {
		v, ok, err := r.topValue(name)
		switch {
		case !ok:
			// A name the template may read and nobody defines: an
			// undefined value of ours is cheaper than gonja's error.
			if _, bound := r.boundFunctions()[name]; !bound && !r.e.env.Context.Has(name) && !reservedNames[name] {
				data[name] = &undefinedError{what: name}
			}
		case err != nil:
			data[name] = err
		default:
			data[name] = v
		}
	}
	for name, fn := range r.boundFunctions() {
		if _, shadowed := data[name]; !shadowed {
			data[name] = fn
		}
	}
	return exec.NewContext(data)
}

// reservedNames are set by gonja while rendering; never shadow them.
var reservedNames = map[string]bool{"loop": true, "self": true, "caller": true, "varargs": true, "kwargs": true}

// eval evaluates a bare expression and returns its value as seen inside a
// render (lazy maps are not yet made plain).
func (r *resolver) eval(name, expr string) (any, error) {
	text := "{{ " + expr + " }}"
	c, err := r.e.compile(text)
	if err != nil {
		return nil, toError(name, text, err)
	}
	if c.single == nil {
		return nil, &Error{Name: name, Msg: fmt.Sprintf("not a single expression: %q", expr)}
	}
	v, err := r.evalOutput(c, c.single)
	if err != nil {
		return nil, toError(name, text, err)
	}
	return v, nil
}

// evalOutput evaluates the expression of a {{ … }} node natively,
// including Jinja's inline "a if cond else b".
func (r *resolver) evalOutput(c *compiled, out *nodes.Output) (res any, err error) {
	defer recoverInto(&err)
	env := &exec.Environment{
		Context:           r.e.env.Context.Inherit().Update(r.context(c.names)),
		Filters:           r.e.env.Filters,
		Tests:             r.e.env.Tests,
		ControlStructures: r.e.env.ControlStructures,
		Methods:           r.e.env.Methods,
	}
	ev := &exec.Evaluator{Config: r.e.cfg, Environment: env, Loader: c.loader}
	expr := out.Expression
	if out.Condition != nil {
		cond := ev.Eval(out.Condition)
		if cond.IsError() {
			return nil, errorOf(cond)
		}
		if !cond.IsTrue() {
			if out.Alternative == nil {
				return "", nil
			}
			expr = out.Alternative
		}
	}
	v := ev.Eval(expr)
	if v.IsError() {
		return nil, errorOf(v)
	}
	if v.IsNil() {
		return nil, nil
	}
	return v.Interface(), nil
}

// templateString renders one variable value: a single {{ expr }} yields
// the expression's native value, anything else a string.
func (r *resolver) templateString(text string) (any, error) {
	c, err := r.e.compile(text)
	if err != nil {
		return nil, err
	}
	if c.single != nil {
		return r.evalOutput(c, c.single)
	}
	return r.execute(c)
}

// plain resolves v fully into plain Go data, as the API returns it.
func (r *resolver) plain(v any) (any, error) {
	p, err := plainValue(v)
	return export(p), err
}

// templateDeep implements Engine.Template.
func (r *resolver) templateDeep(v any, path string) (any, error) {
	switch x := v.(type) {
	case string:
		if !IsTemplate(x) {
			return x, nil
		}
		out, err := r.templateString(x)
		if err != nil {
			return nil, toError(nameOr(path, "value"), x, err)
		}
		return r.plain(out)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			t, err := r.templateDeep(item, childPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		return out, nil
	case []any:
		return templateItems(r, x, path)
	case []string:
		return templateItems(r, x, path)
	}
	return v, nil
}

// templateItems renders each item of a list, naming it path[i] in errors.
func templateItems[T any](r *resolver, list []T, path string) (any, error) {
	out := make([]any, len(list))
	for i, item := range list {
		t, err := r.templateDeep(item, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func nameOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

// truth implements Engine.Truth.
func (r *resolver) truth(expr string) (bool, error) {
	cond := strings.TrimSpace(expr)
	if IsTemplate(cond) {
		rendered, err := r.render("conditional", cond)
		if err != nil {
			return false, err
		}
		cond = strings.TrimSpace(rendered)
	}
	if cond == "" {
		return true, nil
	}
	v, err := r.eval("conditional", cond)
	if err != nil {
		var te *Error
		if asError(err, &te) {
			te.Msg = fmt.Sprintf("conditional %q: %s", cond, te.Msg)
		}
		return false, err
	}
	return pyTruth(v), nil
}
