package template

import (
	"testing"
)

// FuzzRender checks that no template text makes the engine panic or hang.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"{{ x }}", "{% for i in l %}{{ i | upper }}{% endfor %}", "{{ d | to_nice_yaml }}",
		"{{ l | map('int') | sum }}", "{% if x is defined %}{{ d.k | default('z') }}{% endif %}",
		"{{ 'a' | regex_replace('(a)', '\\\\1') }}", "{{ d | dict2items | items2dict }}",
		"{% set ns = namespace(a=1) %}{{ ns.a }}", "{{ x[1:] ~ l[-1] }}", "{{ lookup('list', x) }}",
	} {
		f.Add(seed)
	}
	e := New()
	vars := map[string]any{"x": "str", "l": []any{1, "2", nil}, "d": map[string]any{"k": "{{ x }}", "n": []any{1}}}
	f.Fuzz(func(t *testing.T, tpl string) {
		_, _ = e.Render("fuzz", tpl, vars)
		_, _ = e.Eval(tpl, vars)
		_, _ = e.Truth(tpl, vars)
	})
}
