package template

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dict() takes pairs or a mapping as Python's does, plus keywords.
func TestDictFunction(t *testing.T) {
	e := New()
	vars := map[string]any{"ks": []any{"a", "b"}, "vs": []any{1, 2}, "m": map[string]any{"x": 1}}
	for in, want := range map[string]string{
		`{{ dict(ks | zip(vs)) | to_json }}`: `{"a": 1, "b": 2}`,
		`{{ dict(m, y=2) | to_json }}`:       `{"x": 1, "y": 2}`,
		`{{ dict(k='v') | to_json }}`:        `{"k": "v"}`,
		`{{ dict() | to_json }}`:             `{}`,
		`{{ dict([['n', 1]]).n }}`:           `1`,
	} {
		got, err := e.Render("t", in, vars)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := e.Render("t", `{{ dict(['abc']) }}`, vars)
	assert.ErrorContains(t, err, "key/value pair")
}
