package files

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/template"
)

// Expected outputs come from Python's jinja2 with the same settings
// (keep_trailing_newline on, as Ansible sets it).
func TestAdjustWhitespaceMatchesJinja2(t *testing.T) {
	const tpl = "a\n  {% if x %}\n  y\n  {% endif %}\n  {# c #}\nz {%- if x %} w{% endif %}\n{%+ if x %}k{% endif %}\n"
	cases := []struct {
		trim, lstrip bool
		want         string
	}{
		{true, true, "a\n  y\nz wk"},
		{true, false, "a\n    y\n    z wk"},
		{false, true, "a\n\n  y\n\n\nz w\nk\n"},
		{false, false, "a\n  \n  y\n  \n  \nz w\nk\n"},
	}
	eng := template.New()
	for _, c := range cases {
		got, err := eng.Render("t.j2", adjustWhitespace(tpl, c.trim, c.lstrip), map[string]any{"x": true})
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "trim_blocks=%v lstrip_blocks=%v", c.trim, c.lstrip)
	}
}
