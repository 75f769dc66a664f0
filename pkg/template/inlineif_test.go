package template

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values are what Jinja2 3.1 (with Ansible's filters)
// renders for the same templates.
func TestInlineConditionals(t *testing.T) {
	e := New()
	vars := map[string]any{"on": true, "off": false, "n": 3, "items": []any{"a", "b"}, "d": map[string]any{"k": "v"}}
	cases := map[string]string{
		`{{ ('a' if on else 'b') | upper }}`:                                   "A",
		`{{ x | default('dflt' if on else 'no') }}`:                            "dflt",
		`{{ ['x' if off else 'y', 'z'] | join(',') }}`:                         "y,z",
		`{{ {'k': 1 if on else 2}.k }}`:                                        "1",
		`{{ (undefined_var if off else 'safe') }}`:                             "safe",
		`{{ (d.k if d is defined else nope) }}`:                                "v",
		`{{ ('a' if off else 'b' if on else 'c') }}`:                           "b",
		`{{ ('a' if off else ('b' if off else 'c')) }}`:                        "c",
		`{{ items | join('-' if n > 2 else '+') }}`:                            "a-b",
		`{{ (n * 2 if n > 2 else n) + 1 }}`:                                    "7",
		`{% if ('x' if on else 'y') == 'x' %}yes{% endif %}`:                   "yes",
		`{% for i in (items if on else []) %}{{ i }}{% endfor %}`:              "ab",
		`{{ 'top' if on else 'level' }}`:                                       "top",
		`{% set v = [1 if on else 2] %}{{ v }}`:                                "[1]",
		`{{ ("a, b" if on else 'c:d') }}`:                                      "a, b",
		`{{ (items | map('upper') | list if on else []) | join }}`:             "AB",
		`{{ lookup_name | default('none') if off else 'kept' }}`:               "kept",
		`{{ (1 if diff is defined else 2) }} {{ 'elsewhere' }}`:                "2 elsewhere",
		`{% for i in items %}{{ (i if loop.first else '-' ~ i) }}{% endfor %}`: "a-b",
	}
	for in, want := range cases {
		got, err := e.Render("t", in, vars)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	// The branch taken still reports its own undefined variable.
	_, err := e.Render("t", `{{ (nope if on else 'x') }}`, vars)
	assert.ErrorContains(t, err, "nope")
	// Native types survive a conditional in an expression.
	v, err := e.Eval(`(n if on else 'x') + 1`, vars)
	require.NoError(t, err)
	assert.EqualValues(t, 4, v)
}

func TestInlineIfsLeavesOtherCodeAlone(t *testing.T) {
	for _, s := range []string{
		"{{ a if b else c }}",
		"{% if x %}{{ diff(else_) }}{% endif %}",
		"{{ f('if', 'else') }}",
		"{% for i in xs if i %}{{ i }}{% endfor %}",
	} {
		assert.Equal(t, s, inlineIfs(s), s)
	}
}
