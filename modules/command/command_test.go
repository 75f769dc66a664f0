package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// run validates raw against m's spec and runs m on a target using conn.
func run(t *testing.T, m module.Module, conn transport.Conn, check bool, raw map[string]any) module.Result {
	t.Helper()
	args, err := m.Spec().Validate(raw, false)
	require.NoError(t, err)
	res, err := m.Run(context.Background(), &module.Target{Host: "h1", Conn: conn, Check: check}, args)
	require.NoError(t, err)
	return res
}

func TestCommandPassesHostileWordsLiterally(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	conn := fakeconn.NewShell()
	line := fmt.Sprintf(`printf '%%s|' "a  b" '$(touch %s)' "it's" '`+"`touch %s`"+`' ; ls`, pwned, pwned)
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": line})
	require.False(t, res.Failed, res.Data)
	assert.True(t, res.Changed)
	assert.Equal(t, fmt.Sprintf("a  b|$(touch %s)|it's|`touch %s`|;|ls|", pwned, pwned), res.Data["stdout"])
	assert.NoFileExists(t, pwned)
	assert.Equal(t, []string{"printf", "%s|", "a  b", "$(touch " + pwned + ")", "it's", "`touch " + pwned + "`", ";", "ls"}, res.Data["cmd"])
	assert.Equal(t, 0, res.Data["rc"])
	assert.Len(t, conn.Calls, 1, "one round trip")
}

func TestCommandArgvKeepsNewlinesAndQuotes(t *testing.T) {
	conn := fakeconn.NewShell()
	res := run(t, Command{}, conn, false, map[string]any{
		"argv": []any{"printf", "%s|", "line1\nline2", `"dq" 'sq'`, "-n"},
	})
	assert.Equal(t, "line1\nline2|\"dq\" 'sq'|-n|", res.Data["stdout"])
	assert.Equal(t, []string{"line1", "line2|\"dq\" 'sq'|-n|"}, res.Data["stdout_lines"])
}

func TestCommandExpandsEnvironmentLikeAnsible(t *testing.T) {
	t.Setenv("HACTL_TEST_VAR", "v a l")
	conn := fakeconn.NewShell()
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": `printf '%s|' $HACTL_TEST_VAR ${HACTL_TEST_VAR}x $HACTL_UNSET_VAR`})
	assert.Equal(t, "v a l|v a lx|$HACTL_UNSET_VAR|", res.Data["stdout"])

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": `printf '%s|' $HACTL_TEST_VAR`, "expand_argument_vars": false})
	assert.Equal(t, "$HACTL_TEST_VAR|", res.Data["stdout"])
}

func TestCommandNonZeroRC(t *testing.T) {
	conn := fakeconn.NewShell()
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": `sh -c "echo out; echo err >&2; exit 3"`})
	assert.True(t, res.Failed)
	assert.True(t, res.Changed)
	assert.Equal(t, "non-zero return code", res.Msg)
	assert.Equal(t, 3, res.Data["rc"])
	assert.Equal(t, "out", res.Data["stdout"])
	assert.Equal(t, "err", res.Data["stderr"])
	assert.Equal(t, []string{"err"}, res.Data["stderr_lines"])
	assert.NotEmpty(t, res.Data["start"])
	assert.Regexp(t, `^0:00:\d\d(\.\d{6})?$`, res.Data["delta"])
}

func TestCommandCreatesRemovesGlobs(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "made.log"), nil, 0o600))
	marker := filepath.Join(dir, "ran")
	conn := fakeconn.NewShell()

	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": "touch " + marker, "creates": dir + "/*.log"})
	assert.False(t, res.Changed)
	assert.False(t, res.Skipped)
	assert.Equal(t, fmt.Sprintf("Did not run command since '%s/*.log' exists", dir), res.Msg)
	assert.Equal(t, fmt.Sprintf("skipped, since %s/*.log exists", dir), res.Data["stdout"])
	assert.Equal(t, 0, res.Data["rc"])
	assert.NoFileExists(t, marker)

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "touch " + marker, "removes": dir + "/$(touch " + marker + ")*"})
	assert.False(t, res.Changed)
	assert.Contains(t, res.Msg, "does not exist")
	assert.NoFileExists(t, marker)

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "touch ran", "chdir": dir, "creates": "nothing*", "removes": "made.*"})
	assert.True(t, res.Changed)
	assert.FileExists(t, marker, "relative paths are relative to chdir")
	assert.Len(t, conn.Calls, 3, "one round trip per task")
}

func TestCommandChdir(t *testing.T) {
	dir := t.TempDir()
	conn := fakeconn.NewShell()
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": "pwd", "chdir": dir})
	got, err := filepath.EvalSymlinks(res.Data["stdout"].(string))
	require.NoError(t, err)
	want, _ := filepath.EvalSymlinks(dir)
	assert.Equal(t, want, got)

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "pwd", "chdir": dir + "/missing dir"})
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "Unable to change directory before execution: ")
}

func TestCommandStdin(t *testing.T) {
	conn := fakeconn.NewShell()
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": "cat", "stdin": "hello $(x)", "strip_empty_ends": false})
	assert.Equal(t, "hello $(x)\n", res.Data["stdout"])
	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "cat", "stdin": "hello", "stdin_add_newline": false, "strip_empty_ends": false})
	assert.Equal(t, "hello", res.Data["stdout"])
}

func TestCommandCheckMode(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	conn := fakeconn.NewShell()

	res := run(t, Command{}, conn, true, map[string]any{"_raw_params": "touch " + marker})
	assert.True(t, res.Skipped)
	assert.False(t, res.Changed)
	assert.Empty(t, conn.Calls, "nothing to check: no round trip")

	res = run(t, Command{}, conn, true, map[string]any{"_raw_params": "touch " + marker, "creates": marker})
	assert.True(t, res.Changed)
	assert.Equal(t, "Command would have run if not in check mode", res.Msg)
	assert.NoFileExists(t, marker)

	require.NoError(t, os.WriteFile(marker, nil, 0o600))
	res = run(t, Command{}, conn, true, map[string]any{"_raw_params": "rm " + marker, "creates": marker})
	assert.False(t, res.Changed)
	assert.Equal(t, fmt.Sprintf("Would not run command since '%s' exists", marker), res.Msg)
	assert.FileExists(t, marker)
}

func TestCommandBadInput(t *testing.T) {
	conn := fakeconn.New()
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": "  "})
	assert.True(t, res.Failed)
	assert.Equal(t, "no command given", res.Msg)

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "echo", "argv": []any{"echo"}})
	assert.True(t, res.Failed)
	assert.Equal(t, "only command or argv can be given, not both", res.Msg)

	args, err := Command{}.Spec().Validate(map[string]any{"_raw_params": `echo "open`}, false)
	require.NoError(t, err)
	_, err = Command{}.Run(context.Background(), &module.Target{Conn: conn}, args)
	assert.ErrorContains(t, err, "no closing quotation")
	assert.Empty(t, conn.Calls)

	_, err = Command{}.Spec().Validate(map[string]any{"_raw_params": "ls", "chdri": "/"}, true)
	assert.ErrorContains(t, err, `did you mean "chdir"`)
	_, err = Command{}.Spec().Validate(map[string]any{"cmd": "ls", "argv": []any{"ls"}}, true)
	assert.ErrorContains(t, err, "mutually exclusive")
	_, err = Command{}.Spec().Validate(map[string]any{}, true)
	assert.ErrorContains(t, err, "one of these arguments is required")
}

func TestCommandUnreachableIsWrapped(t *testing.T) {
	conn := fakeconn.New(fakeconn.Fail(fmt.Errorf("dial: %w", transport.ErrUnreachable)))
	args, err := Command{}.Spec().Validate(map[string]any{"_raw_params": "true"}, false)
	require.NoError(t, err)
	_, err = Command{}.Run(context.Background(), &module.Target{Conn: conn}, args)
	assert.True(t, errors.Is(err, transport.ErrUnreachable))
	assert.True(t, strings.HasPrefix(err.Error(), "command: "))
}

func TestCommandSimpleLineIsSentBare(t *testing.T) {
	conn := fakeconn.New(fakeconn.OK("x\n"))
	res := run(t, Command{}, conn, false, map[string]any{"_raw_params": "echo 'a b'"})
	assert.Equal(t, []string{"echo 'a b'"}, conn.Commands())
	assert.Equal(t, "x", res.Data["stdout"])
}
