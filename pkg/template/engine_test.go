package template

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hactl/hactl/pkg/yamlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderKeepsSettingsOfAnsible(t *testing.T) {
	e := New()
	for _, c := range []struct{ tpl, want string }{
		{"a\n{% if true %}\nb\n{% endif %}\nc\n", "a\nb\nc\n"}, // trim_blocks, trailing newline kept
		{"  {% if true %}x{% endif %}\n", "  x"},               // lstrip_blocks off; trim_blocks eats the newline
		{"{{ 'a' }}\n", "a\n"},                                 // no trim after {{ }}
		{"plain text, no markup\n", "plain text, no markup\n"},
		{"{# comment #}x", "x"},
		{"{{ none }}|{{ x }}", "|"}, // Ansible's finalize: None renders as ''
	} {
		got, err := e.Render("t", c.tpl, map[string]any{"x": nil})
		require.NoError(t, err, c.tpl)
		assert.Equal(t, c.want, got, c.tpl)
	}
}

func TestLazyVariablesRenderWhenUsed(t *testing.T) {
	vars := map[string]any{
		"host": "web1",
		"port": 8080,
		"url":  "http://{{ host }}:{{ port }}",
		"cfg": map[string]any{
			"endpoints": []any{"{{ url }}/a", "{{ url }}/b"},
			"nested":    map[string]any{"port": "{{ port + 1 }}"},
		},
		"ports":    "{{ [port, port + 1] }}",
		"broken":   "{{ nope }}",
		"hostvars": map[string]any{"db1": map[string]any{"ip": "10.0.0.{{ port // 1000 }}"}},
	}
	e := New()
	for _, c := range []struct{ tpl, want string }{
		{"{{ url }}", "http://web1:8080"},
		{"{{ cfg.endpoints | join(',') }}", "http://web1:8080/a,http://web1:8080/b"},
		{"{{ cfg.nested.port + 1 }}", "8082"}, // a single expression keeps its int type
		{"{{ ports | sum }}", "16161"},
		{"{{ hostvars['db1'].ip }}", "10.0.0.8"},
		{"{% for e in cfg.endpoints %}{{ e }};{% endfor %}", "http://web1:8080/a;http://web1:8080/b;"},
		{"{% if false %}{{ broken }}{% endif %}ok", "ok"}, // an unused broken var is no error
		{"{{ broken is defined }}", "False"},              // as Ansible: its template is undefined
		{"{{ broken | default('fallback') }}", "fallback"},
		{"{{ cfg }}", "{'endpoints': ['http://web1:8080/a', 'http://web1:8080/b'], 'nested': {'port': 8081}}"},
	} {
		got, err := e.Render("t", c.tpl, vars)
		require.NoError(t, err, c.tpl)
		assert.Equal(t, c.want, got, c.tpl)
	}
	_, err := e.Render("t.j2", "x\n{{ broken }}", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "'nope' is undefined")
	assert.Contains(t, err.Error(), "broken")
}

func TestUnsafeValuesAreNeverRendered(t *testing.T) {
	vars := map[string]any{
		"pw":   yamlx.Unsafe("{{ not a template }}"),
		"list": []any{yamlx.Unsafe("{% raw %}")},
		"x":    "{{ pw }}",
	}
	e := New()
	got, err := e.Render("t", "{{ pw }}|{{ list[0] }}|{{ x }}|{{ pw | length }}", vars)
	require.NoError(t, err)
	assert.Equal(t, "{{ not a template }}|{% raw %}|{{ not a template }}|20", got)

	v, err := e.Template(map[string]any{"a": yamlx.Unsafe("{{ x }}"), "b": "{{ pw }}"}, vars)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": yamlx.Unsafe("{{ x }}"), "b": yamlx.Unsafe("{{ not a template }}")}, v)
}

func TestRecursionIsAnErrorNotAStackOverflow(t *testing.T) {
	e := New()
	vars := map[string]any{
		"a":  "{{ b }}",
		"b":  "x{{ a }}",
		"me": map[string]any{"k": "{{ me.k }}"},
	}
	_, err := e.Render("loop.j2", "{{ a }}", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "recursive loop detected")
	assert.Contains(t, err.Error(), "a -> b -> a")

	_, err = e.Render("loop.j2", "{{ me.k }}", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "me.k -> me.k")

	_, err = e.Eval("a", vars)
	require.Error(t, err)
}

func TestErrorsNameTemplateLineAndColumn(t *testing.T) {
	e := New()
	_, err := e.Render("roles/web/templates/site.conf.j2", "line1\nline2 {{ missing_var }}\n", nil)
	require.Error(t, err)
	var te *Error
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "roles/web/templates/site.conf.j2", te.Name)
	assert.Equal(t, 2, te.Line)
	assert.Equal(t, 10, te.Col)
	assert.Equal(t, "'missing_var' is undefined", te.Msg)
	assert.Equal(t, "roles/web/templates/site.conf.j2:2:10: 'missing_var' is undefined", err.Error())

	_, err = e.Render("x.j2", "a\n{% for i in items %}\n{{ i.nme }}\n{% endfor %}", map[string]any{"items": []any{map[string]any{"name": 1}}})
	require.Error(t, err)
	require.True(t, errors.As(err, &te))
	assert.Equal(t, 3, te.Line)
	assert.Contains(t, te.Msg, "no attribute 'nme'")

	_, err = e.Render("syntax.j2", "ok\n{% if x %}\nunclosed", map[string]any{"x": 1})
	require.Error(t, err)
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "syntax.j2", te.Name)
	assert.Contains(t, te.Msg, "syntax error")

	_, err = e.Render("f.j2", "{{ 1 | no_such_filter }}", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no filter named 'no_such_filter'")
}

func TestErrorValuesAreNeverPrinted(t *testing.T) {
	e := New()
	vars := map[string]any{"d": map[string]any{"ok": 1, "bad": "{{ nope }}"}, "l": []any{1, "{{ nope }}"}}
	for _, tpl := range []string{"{{ d }}", "{{ d | to_json }}", "{{ l }}", "{{ d.bad }}", "{{ nope | upper }}", "{{ nope ~ 'x' }}", "{{ d | dict2items }}"} {
		out, err := e.Render("t", tpl, vars)
		assert.Error(t, err, tpl)
		assert.Empty(t, out, tpl)
	}
}

func TestEvalReturnsNativeValues(t *testing.T) {
	e := New()
	vars := map[string]any{"n": 3, "l": []any{1, 2}, "d": map[string]any{"k": "{{ n }}"}, "s": "x"}
	for _, c := range []struct {
		expr string
		want any
	}{
		{"n + 1", 4},
		{"n / 2", 1.5},
		{"l + [3]", []any{1, 2, 3}},
		{"d", map[string]any{"k": 3}},
		{"missing | default(7)", 7},
		{"missing is defined and missing", false},
		{"s is defined and s == 'x'", true},
		{"l | zip(['a', 'b']) | list", []any{[]any{1, "a"}, []any{2, "b"}}},
		{"none", nil},
		{"'a' if n > 2 else 'b'", "a"},
		{"{'z': 1}", map[string]any{"z": 1}},
	} {
		got, err := e.Eval(c.expr, vars)
		require.NoError(t, err, c.expr)
		assert.Equal(t, c.want, got, c.expr)
	}
	_, err := e.Eval("missing + 1", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "'missing' is undefined")
}

func TestTruthFollowsAnsibleConditionals(t *testing.T) {
	e := New()
	vars := map[string]any{
		"s_false": "false", "b_false": false, "b_true": true, "n": 0, "l": []any{},
		"res": map[string]any{"rc": 1, "failed": true, "stdout": "active"},
	}
	for _, c := range []struct {
		cond string
		want bool
	}{
		{"b_true", true},
		{"b_false", false},
		{"s_false", true},        // a bare non-empty string is true
		{"{{ s_false }}", false}, // rendered first, then evaluated: false
		{"{{ b_false }}", false}, // renders "False"
		{"not b_false", true},
		{"n == 0 and l | length == 0", true},
		{"undefined_var is not defined", true},
		{"res is failed", true},
		{"res.rc != 0 and 'active' in res.stdout", true},
		{"res.stdout is search('act')", true},
		{"", true},
		{"True", true},
	} {
		got, err := e.Truth(c.cond, vars)
		require.NoError(t, err, c.cond)
		assert.Equal(t, c.want, got, c.cond)
	}
	_, err := e.Truth("undefined_var", vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "'undefined_var' is undefined")

	ok, err := e.TruthValue([]any{"b_true", true, "n == 0"}, vars)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = e.TruthValue([]any{"b_true", "b_false"}, vars)
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = e.TruthValue(false, vars)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestTemplateWalksDataAndKeepsNativeTypes(t *testing.T) {
	e := New()
	vars := map[string]any{"port": 80, "hosts": []any{"a", "b"}, "name": "web"}
	in := map[string]any{
		"port":   "{{ port }}",
		"hosts":  "{{ hosts }}",
		"msg":    "{{ name }} on {{ port }}",
		"list":   []any{"{{ port + 1 }}", "plain", 3, true},
		"nested": map[string]any{"k": "{{ name | upper }}"},
		"spaced": " {{ port }}",
	}
	got, err := e.Template(in, vars)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"port":   80,
		"hosts":  []any{"a", "b"},
		"msg":    "web on 80",
		"list":   []any{81, "plain", 3, true},
		"nested": map[string]any{"k": "WEB"},
		"spaced": " 80",
	}, got)
	assert.Equal(t, "{{ port }}", in["port"], "the input is not modified")

	_, err = e.Template(map[string]any{"args": map[string]any{"dest": "{{ nope }}"}}, vars)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "args.dest")
	assert.Contains(t, err.Error(), "'nope' is undefined")
}

func TestIsTemplate(t *testing.T) {
	assert.True(t, IsTemplate("a {{ b }}"))
	assert.True(t, IsTemplate("{% if x %}{% endif %}"))
	assert.True(t, IsTemplate("{# c #}"))
	assert.False(t, IsTemplate("plain { text }"))
}

// countingMapping is a Mapping that records which keys were looked up.
type countingMapping struct {
	mu     sync.Mutex
	data   map[string]any
	looked map[string]int
}

func (m *countingMapping) Keys() []string {
	keys := make([]string, 0, len(m.data))
	for k := range m.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m *countingMapping) Lookup(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.looked[key]++
	v, ok := m.data[key]
	return v, ok
}

func TestMappingIsReadOnlyWhereUsed(t *testing.T) {
	hv := &countingMapping{data: map[string]any{}, looked: map[string]int{}}
	for i := range 500 {
		hv.data[fmt.Sprintf("h%03d", i)] = map[string]any{"ip": fmt.Sprintf("10.0.%d.%d", i/256, i%256), "name": "{{ 'h' ~ 1 }}"}
	}
	e := New()
	got, err := e.Render("t", "{{ hostvars.h007.ip }} {{ hostvars['h007'].name }} {{ 'h499' in hostvars }}", map[string]any{"hostvars": hv})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.7 h1 True", got)
	assert.Equal(t, map[string]int{"h007": 1}, hv.looked, "only the host used is looked up, once")
}

func TestConcurrentRendersShareTheCache(t *testing.T) {
	e := New()
	tpl, vars, want := loadGolden(t, "haproxy.cfg")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.Render("haproxy.cfg.j2", tpl, vars)
			if err == nil && got != want {
				err = fmt.Errorf("goroutine %d: output differs", i)
			}
			if err == nil {
				var ok bool
				ok, err = e.Truth("haproxy_mode == 'http'", vars)
				if err == nil && !ok {
					err = errors.New("truth differs")
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestBadInputNeverPanics(t *testing.T) {
	e := New()
	for _, tpl := range []string{
		"{{", "{% for %}", "{{ 1 | batch(0) }}", "{{ [1] | random(seed=1) | int | range | list }}",
		"{{ {} | items2dict }}", "{{ 'x' | from_json }}", "{{ 'a' | regex_replace('(', '') }}",
		"{{ x[1:2:0] }}", "{{ 'a' * 'b' }}", "{% macro %}", "{{ lookup('nope') }}", "{{ lookup() }}",
		"{{ range(1, 2, 0) }}", "{{ 1 is version('', 'gt') }}", "{{ loop.index }}",
		strings.Repeat("{{ x ", 50),
	} {
		assert.NotPanics(t, func() { _, _ = e.Render("t", tpl, map[string]any{"x": []any{1}}) }, tpl)
	}
}

func TestEndlessRecursionIsAnError(t *testing.T) {
	e := New()
	_, err := e.Render("t", "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "macro m: calls nest deeper than")

	got, err := e.Render("t", "{% macro fact(n) %}{{ 1 if n <= 1 else n * fact(n - 1) | int }}{% endmacro %}{{ fact(5) }}", nil)
	require.NoError(t, err)
	assert.Equal(t, "120", got)

	dir := t.TempDir()
	self := filepath.Join(dir, "self.j2")
	require.NoError(t, os.WriteFile(self, []byte("x{% include 'self.j2' %}"), 0o600))
	_, err = e.Render(self, "x{% include 'self.j2' %}", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "includes nest deeper than")
}
