package files

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refCase is one case of testdata/*_ansible.json: the outputs were made
// by running Ansible's own module on a file holding input.
type refCase struct {
	Name    string         `json:"name"`
	Input   string         `json:"input"`
	Args    map[string]any `json:"args"`
	Output  string         `json:"output"`
	Changed bool           `json:"changed"`
	Msg     string         `json:"msg"`
	Found   *int           `json:"found"`
}

func loadRef(t *testing.T, name string) []refCase {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var cases []refCase
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	return cases
}

func TestLineInFileMatchesAnsible(t *testing.T) {
	for _, c := range loadRef(t, "lineinfile_ansible.json") {
		t.Run(c.Name, func(t *testing.T) {
			args := map[string]any{"path": "/f"}
			for k, v := range c.Args {
				args[k] = v
			}
			a, err := LineInFile{}.Spec().Validate(args, false)
			require.NoError(t, err)
			spec, msg := lineSpecFromArgs(a)
			require.Empty(t, msg)
			lines := splitLines(c.Input)
			if a.String("state") == "absent" {
				out, n := spec.absent(lines)
				assert.Equal(t, c.Output, strings.Join(out, ""))
				require.NotNil(t, c.Found)
				assert.Equal(t, *c.Found, n)
				return
			}
			out, msg, err := spec.present(lines)
			require.NoError(t, err)
			assert.Equal(t, c.Output, strings.Join(out, ""))
			assert.Equal(t, c.Msg, msg)
			assert.Equal(t, c.Changed, c.Input != strings.Join(out, ""))
		})
	}
}

func TestLineInFileArgumentRules(t *testing.T) {
	for _, c := range []struct {
		args map[string]any
		msg  string
	}{
		{map[string]any{"line": "x", "backrefs": true}, "regexp is required with backrefs=true"},
		{map[string]any{"regexp": "x"}, "line is required with state=present"},
		{map[string]any{"state": "absent"}, "one of line, search_string, or regexp is required with state=absent"},
		{map[string]any{"regexp": "(?<=a)b", "line": "x"}, "lookbehind"},
		{map[string]any{"regexp": `(a)\1`, "line": "x"}, "backreferences"},
	} {
		c.args["path"] = "/f"
		a, err := LineInFile{}.Spec().Validate(c.args, false)
		require.NoError(t, err)
		_, msg := lineSpecFromArgs(a)
		assert.Contains(t, msg, c.msg)
	}
	_, err := LineInFile{}.Spec().Validate(map[string]any{"path": "/f", "line": "x", "insertafter": "a", "insertbefore": "b"}, false)
	assert.ErrorContains(t, err, "mutually exclusive")
}

func TestPythonRegexTranslation(t *testing.T) {
	re, err := compilePy(`^b=2$`, false)
	require.NoError(t, err)
	assert.True(t, re.MatchString("b=2\n"), "$ matches before a final newline as in Python")
	assert.False(t, re.MatchString("b=2\nx"))
	re, err = compilePy(`end\Z`, false)
	require.NoError(t, err)
	assert.True(t, re.MatchString("the end"))
	assert.False(t, re.MatchString("the end\n"))
	re, err = compilePy(`[$]x`, false)
	require.NoError(t, err)
	assert.True(t, re.MatchString("$x"), "$ in a class stays literal")
	_, err = compilePy(`(?x) a b`, false)
	assert.ErrorContains(t, err, "verbose")
	re, err = compilePy(`(?P<k>\w+)=(\d)`, false)
	require.NoError(t, err)
	src := "key=5"
	out, err := expandPy(`\g<k>:\2\n\g<1>\\`, re, src, re.FindStringSubmatchIndex(src))
	require.NoError(t, err)
	assert.Equal(t, "key:5\nkey\\", out)
	_, err = expandPy(`\3`, re, src, re.FindStringSubmatchIndex(src))
	assert.Error(t, err)
}
