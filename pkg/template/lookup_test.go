package template

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupsReadTheController(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "files"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "files", "key.pub"), []byte("ssh-ed25519 AAAA user\n\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "motd.j2"), []byte("Welcome to {{ host }}{{ suffix }}\n"), 0o600))
	t.Setenv("HACTL_TEST_ENV", "from-env")

	e := New()
	vars := map[string]any{"role_path": dir, "host": "web1", "suffix": "{{ '!' }}", "other": [2]int{1, 2}}
	for _, c := range []struct{ tpl, want string }{
		{"{{ lookup('env', 'HACTL_TEST_ENV') }}", "from-env"},
		{"{{ lookup('env', 'HACTL_TEST_UNSET_VAR') }}|", "|"},
		{"{{ lookup('file', 'key.pub') }}|", "ssh-ed25519 AAAA user|"},
		{"{{ lookup('file', '" + filepath.Join(dir, "files", "key.pub") + "', rstrip=false) | length }}", "23"},
		{"{{ lookup('template', 'motd.j2') }}", "Welcome to web1!\n"},
		{"{{ lookup('vars', 'host') }}-{{ lookup('vars', 'nope', default='d') }}", "web1-d"},
		{"{{ query('items', [1, 2], 3) }}", "[1, 2, 3]"},
		{"{{ lookup('list', 'a', 'b', wantlist=True) }}", "['a', 'b']"},
		{"{{ lookup('first_found', ['missing.txt', 'key.pub']) | basename }}", "key.pub"},
		{"{{ lookup('file', 'missing.txt', errors='ignore') }}|", "|"},
	} {
		got, err := e.Render("t", c.tpl, vars)
		require.NoError(t, err, c.tpl)
		assert.Equal(t, c.want, got, c.tpl)
	}

	_, err := e.Render("t", "{{ lookup('file', 'missing.txt') }}", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not locate file in lookup: missing.txt")
	_, err = e.Render("t", "{{ lookup('nosuchplugin', 'x') }}", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `lookup plugin "nosuchplugin" not found`)
}

func TestWithLookupAddsAPlugin(t *testing.T) {
	var seen *LookupCall
	e := New(WithLookup("vault", func(c *LookupCall) ([]any, error) {
		seen = c
		if c.Terms[0] == "fail" {
			return nil, errors.New("sealed")
		}
		return []any{"s3cret:" + c.Terms[0].(string)}, nil
	}))
	got, err := e.Render("t", "{{ lookup('vault', 'db/' ~ name, engine='kv2') }}", map[string]any{"name": "pw"})
	require.NoError(t, err)
	assert.Equal(t, "s3cret:db/pw", got)
	require.NotNil(t, seen)
	assert.Equal(t, map[string]any{"engine": "kv2"}, seen.Kwargs)
	_, err = e.Render("t", "{{ lookup('vault', 'fail') }}", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sealed")
	// Another engine does not see the plugin.
	_, err = New().Render("t", "{{ lookup('vault', 'x') }}", nil)
	require.Error(t, err)
}

func TestIncludeReadsNextToTheTemplate(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "part.j2"), []byte("part for {{ host }}\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "macros.j2"), []byte("{% macro kv(k, v) %}{{ k }} = {{ v }}{% endmacro %}"), 0o600))
	e := New()
	main := "head\n{% include 'part.j2' %}\n{% from 'macros.j2' import kv %}\n{{ kv('a', 1) }}\n"
	got, err := e.Render(filepath.Join(dir, "main.j2"), main, map[string]any{"host": "h1"})
	require.NoError(t, err)
	assert.Equal(t, "head\npart for h1\na = 1\n", got)

	_, err = e.Render("inline", "{% include 'part.j2' %}", nil)
	require.Error(t, err)
}

func TestPasswordHashMatchesAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("656000 rounds of SHA-512 take a moment")
	}
	e := New()
	start := time.Now()
	// Output of: ansible localhost -m debug -a "msg={{ 'secret' | password_hash('sha512', 'mysalt') }}"
	got, err := e.Render("t", "{{ 'secret' | password_hash('sha512', 'mysalt') }}", nil)
	require.NoError(t, err)
	assert.Equal(t, "$6$rounds=656000$mysalt$cDA0t8lm/qt.LT6DzpoHxJ.NwTpx.WTkOPwhseSva8pRixDSH2./ffedCjAMbTX1Uo1QNT7jJPJ6FIzU2i59K/", got)
	assert.Less(t, time.Since(start), 30*time.Second)

	got, err = e.Render("t", "{{ 'secret' | password_hash('sha512') }}", nil)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got, "$6$rounds=656000$"), got)
	assert.Len(t, strings.Split(got, "$")[3], 16, "a random 16-character salt")
}

func TestNowAndRandomSeeds(t *testing.T) {
	e := New()
	got, err := e.Render("t", "{{ now(utc=true, fmt='%Y') }} {{ now().year }} {{ now(true).strftime('%Y-%m') }}", nil)
	require.NoError(t, err)
	y := time.Now().UTC().Format("2006")
	assert.Contains(t, got, y+" ")

	a, err := e.Render("t", "{{ 60 | random(seed=inventory_hostname) }} {{ ['a','b','c','d'] | shuffle(seed=inventory_hostname) }}", map[string]any{"inventory_hostname": "web1"})
	require.NoError(t, err)
	b, err := e.Render("t", "{{ 60 | random(seed=inventory_hostname) }} {{ ['a','b','c','d'] | shuffle(seed=inventory_hostname) }}", map[string]any{"inventory_hostname": "web1"})
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed gives the same result")
	distinct := map[string]bool{}
	for _, h := range []string{"web1", "web2", "web3", "web4", "web5", "web6"} {
		out, err := e.Render("t", "{{ 1000 | random(seed=h) }}", map[string]any{"h": h})
		require.NoError(t, err)
		distinct[out] = true
	}
	assert.Greater(t, len(distinct), 3, "different hosts get different values")
}

func TestUsesOtherTemplates(t *testing.T) {
	assert.True(t, usesOtherTemplates("{% include 'a.j2' %}"))
	assert.True(t, usesOtherTemplates("{%- from 'm.j2' import x %}"))
	assert.True(t, usesOtherTemplates("{% extends 'base.j2' %}"))
	assert.False(t, usesOtherTemplates("import {{ thing }} from {{ place }}"))
	assert.False(t, usesOtherTemplates("{% if include %}{% endif %}"))
}
