package yamlx

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolvePlainYAML11(t *testing.T) {
	cases := map[string]any{
		"yes": true, "No": false, "ON": true, "off": false, "True": true, "FALSE": false,
		"yEs": "yEs", "y": "y", "n": "n",
		"~": nil, "null": nil, "Null": nil, "": nil, "nul": "nul",
		"0": 0, "42": 42, "-7": -7, "+3": 3, "1_000": 1000,
		"0755": 493, "0x1F": 31, "0b101": 5, "1:30": 90, "0:30": "0:30",
		"08": "08", "1.5": 1.5, "1e3": "1e3", "1.0e+3": 1000.0, ".5": 0.5,
		"1:30.5": 90.5, "10.0.0.1": "10.0.0.1", "web01": "web01", "-": "-",
		"99999999999999999999": "99999999999999999999",
	}
	for in, want := range cases {
		assert.Equal(t, want, ResolvePlain(in), "input %q", in)
	}
	assert.True(t, math.IsInf(ResolvePlain("-.inf").(float64), -1))
	assert.True(t, math.IsNaN(ResolvePlain(".NaN").(float64)))
}

func TestUnmarshalValues(t *testing.T) {
	src := `
a: yes
b: "yes"
c: 'no'
d: 5
e: "5"
f: [1, two, 3.5, ~]
g: {x: on}
h: |
  text
i: !!str 12
j: !!int "12"
k: !!float 3
l: !!bool Yes
m: !unsafe '{{ not templated }}'
n: !unsafe
  - '{{ a }}'
  - {k: '{{ b }}'}
o: 2024-01-02
`
	v, err := Unmarshal([]byte(src), "f.yml")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"a": true, "b": "yes", "c": "no", "d": 5, "e": "5",
		"f": []any{1, "two", 3.5, nil},
		"g": map[string]any{"x": true},
		"h": "text\n", "i": "12", "j": 12, "k": 3.0, "l": true,
		"m": Unsafe("{{ not templated }}"),
		"n": []any{Unsafe("{{ a }}"), map[string]any{"k": Unsafe("{{ b }}")}},
		"o": "2024-01-02",
	}, v)
}

func TestMergeKeys(t *testing.T) {
	src := `
base: &base {a: 1, b: 2}
other: &other {b: 20, c: 30}
one:
  x: 0
  <<: *base
  a: 10
list:
  <<: [*base, *other]
inline:
  <<: {z: 1}
`
	v, err := Unmarshal([]byte(src), "m.yml")
	require.NoError(t, err)
	m := v.(map[string]any)
	assert.Equal(t, map[string]any{"x": 0, "a": 10, "b": 2}, m["one"])
	assert.Equal(t, map[string]any{"a": 1, "b": 2, "c": 30}, m["list"])
	assert.Equal(t, map[string]any{"z": 1}, m["inline"])
}

func TestErrorsNamePositions(t *testing.T) {
	cases := []struct{ src, want string }{
		{"a: 1\nb: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", "v.yml:2:4: vault-encrypted values are not supported yet"},
		{"a: 1\nb: c: d\n", "v.yml:2: mapping values are not allowed in this context"},
		{"a: !!int abc\n", "v.yml:1:4: cannot read \"abc\" as an integer"},
		{"a: !custom x\n", "v.yml:1:4: unsupported YAML tag !custom"},
		{"? [a]\n: 1\n", "v.yml:1:3: mapping keys must be scalars"},
		{"a: 1\n---\nb: 2\n", "v.yml:2:1: expected a single YAML document, found another one"},
		{"a: *nope\n", "v.yml: unknown anchor 'nope' referenced"},
		{"a:\n  <<: 5\n", "v.yml:2:7: merge key (<<) needs a mapping or a list of mappings"},
	}
	for _, c := range cases {
		_, err := Unmarshal([]byte(c.src), "v.yml")
		require.Error(t, err, c.src)
		assert.Equal(t, c.want, err.Error(), c.src)
	}
}

func TestEmptyDocument(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "---\n"} {
		v, err := Unmarshal([]byte(src), "e.yml")
		require.NoError(t, err)
		assert.Nil(t, v)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	src := `
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
`
	_, err := Unmarshal([]byte(src), "bomb.yml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aliases expand to more than")
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{"a: yes", "<<: *x", "a: &x {b: 1}\nc: {<<: *x}", "- !unsafe [1]", "{", "a: !!int 0x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Unmarshal(data, "fuzz.yml")
	})
}
