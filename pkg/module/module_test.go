package module_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/module"
)

var spec = module.Spec{
	Name: "m_test",
	Params: []module.Param{
		{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest"}},
		{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}},
		{Name: "mode", Type: module.Int},
		{Name: "force", Type: module.Bool, Default: true},
		{Name: "names", Type: module.List, Elements: module.Str},
		{Name: "opts", Type: module.Dict},
		{Name: "content", Type: module.Str},
		{Name: "src", Type: module.Str},
	},
	MutuallyExclusive: [][]string{{"content", "src"}},
	RequiredIf:        []module.RequiredIf{{Param: "state", Value: "present", Requires: []string{"content", "src"}, Any: true}},
}

func TestValidateConvertsAndDefaults(t *testing.T) {
	a, err := spec.Validate(map[string]any{"dest": "/x", "mode": "420", "force": "no", "names": "a, b", "opts": "k=v z=1", "content": "c"}, false)
	require.NoError(t, err)
	assert.Equal(t, "/x", a.String("path"))
	assert.Equal(t, "present", a.String("state"))
	assert.Equal(t, 420, a.Int("mode"))
	assert.False(t, a.Bool("force"))
	assert.Equal(t, []string{"a", "b"}, a.Strings("names"))
	assert.Equal(t, map[string]any{"k": "v", "z": "1"}, a.Dict("opts"))
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := spec.Validate(map[string]any{"stat": "absent", "state": "gone", "mode": "x", "content": "a", "src": "b"}, false)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`unsupported argument "stat" (did you mean "state"?)`,
		`value "gone" is not one of present, absent`,
		`"x" is not an integer`,
		`missing required argument "path"`,
		"mutually exclusive: content, src",
	} {
		assert.Contains(t, msg, want)
	}
}

func TestValidateStaticSkipsTemplates(t *testing.T) {
	_, err := spec.Validate(map[string]any{"path": "{{ p }}", "mode": "{{ m }}", "state": "{{ s }}", "src": "x"}, true)
	assert.NoError(t, err)
	_, err = spec.Validate(map[string]any{"path": "/p", "mode": "{{ m }}"}, false)
	assert.Error(t, err, "at run time templates must have been rendered")
}

func TestRequiredIf(t *testing.T) {
	_, err := spec.Validate(map[string]any{"path": "/p"}, false)
	assert.ErrorContains(t, err, "state is present but missing: content, src")
	_, err = spec.Validate(map[string]any{"path": "/p", "state": "absent"}, false)
	assert.NoError(t, err)
}

func TestParseBoolAcceptsAnsibleSpellings(t *testing.T) {
	for _, s := range []any{"yes", "On", "TRUE", "1", "y", true, 1} {
		b, err := module.ParseBool(s)
		require.NoError(t, err, "%v", s)
		assert.True(t, b, "%v", s)
	}
	for _, s := range []any{"no", "off", "False", "0", "n", false, 0} {
		b, err := module.ParseBool(s)
		require.NoError(t, err, "%v", s)
		assert.False(t, b, "%v", s)
	}
	_, err := module.ParseBool("maybe")
	assert.Error(t, err)
}

func TestClosestPrefersTranspositions(t *testing.T) {
	assert.Equal(t, "copy", module.Closest("cpoy", []string{"cron", "copy", "command"}))
	assert.Equal(t, "", module.Closest("zzzzzz", []string{"copy"}))
}

type nop struct{ s module.Spec }

func (n nop) Spec() module.Spec { return n.s }
func (nop) Run(context.Context, *module.Target, module.Args) (module.Result, error) {
	return module.Result{}, nil
}

func TestRegistryResolvesCollectionsAndAliases(t *testing.T) {
	module.Register(nop{module.Spec{Name: "m_reg", Aliases: []string{"vendor.tools.m_reg"}}})
	for _, n := range []string{"m_reg", "ansible.builtin.m_reg", "community.general.m_reg", "vendor.tools.m_reg"} {
		m, ok := module.Lookup(n)
		require.True(t, ok, n)
		assert.Equal(t, "m_reg", m.Spec().Name)
	}
	_, ok := module.Lookup("other.collection.m_reg")
	assert.False(t, ok)
	assert.Contains(t, module.Names(), "m_reg")
	assert.ErrorContains(t, module.UnknownError("ansible.builtin.m_rge"), `did you mean "m_reg"`)
	assert.Panics(t, func() { module.Register(nop{module.Spec{Name: "m_reg"}}) })
}

// Before templating, an argument that may render to omit does not break
// mutual exclusion; a plain template does, and at run time (omitted
// arguments removed) the rule holds as usual.
func TestStaticValidationAllowsOmittableArguments(t *testing.T) {
	_, err := spec.Validate(map[string]any{"path": "/p", "content": "{{ c | default(omit) }}", "src": "{{ s | default(omit) }}"}, true)
	assert.NoError(t, err)
	_, err = spec.Validate(map[string]any{"path": "/p", "content": "{{ c }}", "src": "x"}, true)
	assert.ErrorContains(t, err, "mutually exclusive: content, src")
	_, err = spec.Validate(map[string]any{"path": "/p", "content": "a", "src": "b"}, false)
	assert.ErrorContains(t, err, "mutually exclusive: content, src")
}
