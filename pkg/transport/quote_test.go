package transport

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuote(t *testing.T) {
	tests := map[string]string{
		"":         "''",
		"plain":    "plain",
		"/a/b-c.d": "/a/b-c.d",
		"a b":      "'a b'",
		"it's":     `'it'\''s'`,
		"$(x)":     "'$(x)'",
		"~":        "'~'",
		"a=b":      "'a=b'",
		"\n":       "'\n'",
	}
	for in, want := range tests {
		assert.Equal(t, want, Quote(in), "%q", in)
	}
	assert.Equal(t, "echo 'a b' '' x", QuoteArgs([]string{"echo", "a b", "", "x"}))
}

// TestQuoteWithShells checks that every shell the machine has reads a
// quoted word back literally.
func TestQuoteWithShells(t *testing.T) {
	words := []string{"", "a b", "'", `"`, "$(echo pwned)", "`echo pwned`", "$HOME", "a\nb", `\`, `\'`, "*", "~", "!", "#", "{a,b}", "é"}
	for _, sh := range []string{"sh", "bash", "dash", "zsh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		t.Run(sh, func(t *testing.T) {
			out, err := exec.Command(path, "-c", "printf '%s\\0' "+QuoteArgs(words)).Output()
			require.NoError(t, err)
			assert.Equal(t, words, strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"))
		})
	}
}

func TestShellScript(t *testing.T) {
	s, err := shellScript("cmd", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "cmd", s)
	s, err = shellScript("cmd", RunOpts{Dir: "/a b", Env: map[string]string{"B": "$x", "A": "1"}})
	require.NoError(t, err)
	assert.Equal(t, "cd -- '/a b' || exit 1\nexport A=1 B='$x'\ncmd", s)
	for _, bad := range []string{"", "1A", "A-B", "A B", "A=B", "É"} {
		_, err := shellScript("cmd", RunOpts{Env: map[string]string{bad: "x"}})
		assert.Error(t, err, bad)
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
