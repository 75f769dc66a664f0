package shellx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hostile = []string{
	"", "plain", "two words", "it's", `"dq"`, "$(touch /tmp/hactl-pwned)", "`id`",
	"line1\nline2", "$HOME", "back\\slash", "*", "~", "-n", "tab\there", "ünïcode",
}

// sh runs script with /bin/sh and returns stdout.
func sh(t *testing.T, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "script:\n%s\noutput: %s", script, out)
	return string(out)
}

func TestQuoteRoundTripsThroughShell(t *testing.T) {
	for _, s := range hostile {
		got := sh(t, "printf '%s|' "+Quote(s))
		assert.Equal(t, s+"|", got, "word %q quoted as %s", s, Quote(s))
	}
	assert.Equal(t, "abc", Quote("abc"), "safe words stay bare")
	assert.Equal(t, "''", Quote(""))
}

func TestSplitLikeShlex(t *testing.T) {
	cases := map[string][]string{
		`echo hello world`:            {"echo", "hello", "world"},
		`echo "a b" 'c d'`:            {"echo", "a b", "c d"},
		`echo "a \"q\" \$x \\"`:       {"echo", `a "q" \$x \`},
		`echo a\ b`:                   {"echo", "a b"},
		`echo 'it'"'"'s'`:             {"echo", "it's"},
		"  spaced\t\n out  ":          {"spaced", "out"},
		`echo "" x`:                   {"echo", "", "x"},
		`echo $(rm -rf /) ; ls | cat`: {"echo", "$(rm", "-rf", "/)", ";", "ls", "|", "cat"},
		`echo # not a comment`:        {"echo", "#", "not", "a", "comment"},
	}
	for in, want := range cases {
		got, err := Split(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := Split(`echo "open`)
	assert.ErrorContains(t, err, "no closing quotation")
	_, err = Split(`echo \`)
	assert.ErrorContains(t, err, "backslash")
}

func TestLines(t *testing.T) {
	assert.Equal(t, []string{"a", "b", "", "c"}, Lines("a\nb\r\n\rc\n"))
	assert.Equal(t, []string{}, Lines(""))
	assert.Equal(t, []string{""}, Lines("\n"))
}

func TestPathKeepsTildeActiveOnly(t *testing.T) {
	home := t.TempDir()
	assert.Equal(t, home+"/a b|", sh(t, "printf '%s|' "+Path("~/a b"), "HOME="+home))
	assert.Equal(t, home+"|", sh(t, "printf '%s|' "+Path("~"), "HOME="+home))
	assert.Equal(t, "/x/~/$(y)|", sh(t, "printf '%s|' "+Path("/x/~/$(y)")))
	assert.Equal(t, "~$(id)|", sh(t, "printf '%s|' "+Path("~$(id)")))
}

func TestGlobMatchesOnlyWildcards(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a b.log", "c.log", "$(x).txt"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o600))
	}
	list := func(p string) string { return sh(t, "for f in "+Glob(p)+"; do printf '%s|' \"$f\"; done") }
	assert.Equal(t, dir+"/a b.log|"+dir+"/c.log|", list(dir+"/*.log"))
	assert.Equal(t, dir+"/$(x).txt|", list(dir+"/$(x).txt"))
	assert.Equal(t, dir+"/c.log|", list(dir+"/[bc].lo?"))
	// no match: the pattern stays as written, literally
	assert.Equal(t, dir+"/`id`*|", list(dir+"/`id`*"))
}

func TestArgvExpandsLikeAnsible(t *testing.T) {
	home := t.TempDir()
	words := []string{"printf", "%s|", "$HOME/x", "${HOME}", "$NOPE_UNSET", "${NOPE_UNSET}", "a$EMPTY.b", "$(id)", "~/f", "'q'", "$1"}
	setup, call := Argv(words, true)
	got := sh(t, setup+call, "HOME="+home, "EMPTY=")
	want := strings.Join([]string{home + "/x", home, "$NOPE_UNSET", "${NOPE_UNSET}", "a.b", "$(id)", home + "/f", "'q'", "$1"}, "|") + "|"
	assert.Equal(t, want, got)

	setup, call = Argv(words, false)
	assert.Empty(t, setup)
	got = sh(t, call, "HOME="+home)
	assert.Equal(t, strings.Join(words[2:], "|")+"|", got)

	setup, call = Argv([]string{"echo", "plain"}, true)
	assert.Empty(t, setup, "no expansion needed")
	assert.Equal(t, "echo plain", call)
}

func TestCut(t *testing.T) {
	cases := []struct{ in, first, rest string }{
		{"run.sh a b", "run.sh", "a b"},
		{"  'my script.sh' --x \"$HOME\" | tee log ", "my script.sh", `--x "$HOME" | tee log`},
		{`a\ b.sh`, "a b.sh", ""},
		{`"x\"y".sh z`, `x"y.sh`, "z"},
	}
	for _, c := range cases {
		f, r, err := Cut(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.first, f, c.in)
		assert.Equal(t, c.rest, r, c.in)
	}
	_, _, err := Cut("   ")
	assert.Error(t, err)
	_, _, err = Cut("'open")
	assert.Error(t, err)
}
