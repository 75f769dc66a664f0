package playbook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitArgsKeepsQuotesAndJinjaWhole(t *testing.T) {
	toks, err := splitArgs(`msg="hello world" x='a b' y={{ a | default('q r') }} z`)
	require.NoError(t, err)
	var texts []string
	for _, tk := range toks {
		texts = append(texts, tk.text)
	}
	assert.Equal(t, []string{`msg="hello world"`, `x='a b'`, `y={{ a | default('q r') }}`, `z`}, texts)
}

func TestSplitArgsUnbalanced(t *testing.T) {
	_, err := splitArgs(`msg="hello`)
	assert.ErrorContains(t, err, "unbalanced quotes")
	_, err = splitArgs(`msg={{ x`)
	assert.ErrorContains(t, err, "unbalanced Jinja2")
}

func TestParseKV(t *testing.T) {
	cases := []struct {
		in   string
		take func(string) bool
		opts map[string]any
		raw  string
	}{
		{`src=a dest=b`, nil, map[string]any{"src": "a", "dest": "b"}, ""},
		{`msg="hello world" x='a b'`, nil, map[string]any{"msg": "hello world", "x": "a b"}, ""},
		{`msg="line\nnext"`, nil, map[string]any{"msg": "line\nnext"}, ""},
		{`echo don't=1`, nil, map[string]any{}, `echo don't=1`},
		{`ls -l chdir=/tmp creates=/x`, onlyKeys("chdir", "creates"), map[string]any{"chdir": "/tmp", "creates": "/x"}, "ls -l"},
		{`chdir=/tmp echo a=b   c`, onlyKeys("chdir"), map[string]any{"chdir": "/tmp"}, "echo a=b   c"},
		{"if true; then\n  echo x\nfi\n", onlyKeys("chdir"), map[string]any{}, "if true; then\n  echo x\nfi\n"},
		{`a="{{ b }}"`, nil, map[string]any{"a": "{{ b }}"}, ""},
		{`path=/a=b`, nil, map[string]any{"path": "/a=b"}, ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			kv, err := parseKV(c.in, c.take)
			require.NoError(t, err)
			assert.Equal(t, c.opts, kv.opts)
			assert.Equal(t, c.raw, kv.raw)
		})
	}
}

func onlyKeys(keys ...string) func(string) bool {
	return func(k string) bool {
		for _, x := range keys {
			if x == k {
				return true
			}
		}
		return false
	}
}

func TestDecodeEscapes(t *testing.T) {
	assert.Equal(t, "a\tb\\c\u00e9", decodeEscapes(`a\tb\\c\xe9`))
	assert.Equal(t, `keep \q`, decodeEscapes(`keep \q`))
}
