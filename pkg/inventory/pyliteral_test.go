package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expectations follow Python 3's ast.literal_eval, falling back to the
// text itself as Ansible's INI plugin does.
func TestParseINIValue(t *testing.T) {
	cases := map[string]any{
		"5": 5, "-5": -5, "+5": 5, "- 5": -5, "0": 0, "00": 0, "1_000": 1000,
		"0755": "0755", "0x1f": 31, "0o17": 15, "0b11": 3,
		"1.5": 1.5, "1e3": 1000.0, ".5": 0.5, "5.": 5.0, "1.2.3": "1.2.3",
		"True": true, "False": false, "None": nil, "true": "true", "yes": "yes",
		"'a b'": "a b", `"x"`: "x", `'it''s'`: "its", `'a' "b"`: "ab",
		`'\n'`: "\n", `r'\n'`: `\n`, `b'raw'`: "raw", `'\x41\u00e9'`: "Aé", `'\q'`: `\q`,
		`f'x'`: `f'x'`, "'''tri'''": "tri",
		"[1, 'a', [True]]": []any{1, "a", []any{true}}, "[]": []any{}, "[1,]": []any{1},
		"(1, 2)": []any{1, 2}, "(1,)": []any{1}, "()": []any{}, "(5)": 5,
		"{'a': 1, 2: 'b'}": map[string]any{"a": 1, "2": "b"}, "{}": map[string]any{},
		"{1, 2}":      []any{1, 2},
		"5 # comment": 5, "hello # comment": "hello # comment",
		"1+2": "1+2", "1j": "1j", "--5": "--5", "inf": "inf", "[1, 2": "[1, 2",
		"{[1]: 2}": "{[1]: 2}", "x=1": "x=1", "": "", "/usr/bin/python3": "/usr/bin/python3",
		"99999999999999999999": "99999999999999999999",
	}
	for in, want := range cases {
		assert.Equal(t, want, parseINIValue(in), "input %q", in)
	}
}

func TestShlexSplit(t *testing.T) {
	cases := map[string][]string{
		`a b`:                    {"a", "b"},
		`x='quoted value' n=5`:   {"x=quoted value", "n=5"},
		`a"b\"c"d`:               {`ab"cd`},
		`a#b c`:                  {"a"},
		`"\x"`:                   {`\x`},
		`''`:                     {""},
		`a\ b`:                   {"a b"},
		`h  k="a # not comment"`: {"h", "k=a # not comment"},
	}
	for in, want := range cases {
		got, err := shlexSplit(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{`a'b`, `"open`, `x\`} {
		_, err := shlexSplit(bad)
		assert.Error(t, err, bad)
	}
}
