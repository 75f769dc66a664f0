package template

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values are what Jinja2 3.1 renders for the same literals.
func TestPythonEscapesInLiterals(t *testing.T) {
	e := New()
	cases := map[string]string{
		`{{ 'a.b.c' | regex_replace('\.', '-') }}`:  "a-b-c",
		`{{ 'a.b.c' | regex_replace('\\.', '-') }}`: "a-b-c",
		`{{ 'v12' | regex_search('\d+') }}`:         "12",
		`{{ 'x' ~ '\\' }}`:                          `x\`,
		`{{ "a\\" ~ "b" }}`:                         `a\b`,
		`{{ 'tab\there' }}`:                         "tab\there",
		`{{ 'q\'s' }}|{{ "d\"q" }}`:                 `q's|d"q`,
		`{{ '\101\x42\u0043' }}`:                    "ABC",
		`{{ '\0' | length }}`:                       "1",
		`{{ '\\n' }}`:                               `\n`,
		`{{ 'C:\path' }}`:                           `C:\path`,
		`{% set p = '\w+' %}{{ p }}`:                `\w+`,
		`plain \. text {{ 'k' }}`:                   `plain \. text k`,
		`{# '\. #}{{ 1 }}`:                          "1",
		`{% raw %}{{ '\.' }}{% endraw %}`:           `{{ '\.' }}`,
		`{{ {'k': '\d'} | to_json }}`:               `{"k": "\\d"}`,
		`{{ ['a\.b'] | first }} {{ "it's \\ ok" }}`: `a\.b it's \ ok`,
	}
	for in, want := range cases {
		got, err := e.Render("t", in, map[string]any{})
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestPyEscapesLeavesTextWithoutBackslashAlone(t *testing.T) {
	s := "{{ a }} and {% if b %}c{% endif %}"
	assert.Equal(t, s, pyEscapes(s))
}
