package command

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
)

func TestShellInterpretsTheLine(t *testing.T) {
	conn := fakeconn.NewShell()
	res := run(t, Shell{}, conn, false, map[string]any{"_raw_params": "printf 'a\\nb\\n' | wc -l; echo \"$((1+2))\""})
	require.False(t, res.Failed)
	assert.Equal(t, "2\n3", strings.ReplaceAll(res.Data["stdout"].(string), " ", ""))
	assert.Equal(t, "printf 'a\\nb\\n' | wc -l; echo \"$((1+2))\"", res.Data["cmd"], "shell returns cmd as a string")
}

func TestShellWrappedKeepsTheLineIntact(t *testing.T) {
	dir := t.TempDir()
	conn := fakeconn.NewShell()
	line := `echo "it's $0" | tr a-z A-Z; exit 4`
	res := run(t, Shell{}, conn, false, map[string]any{"_raw_params": line, "chdir": dir, "executable": "/bin/sh"})
	assert.True(t, res.Failed)
	assert.Equal(t, 4, res.Data["rc"])
	assert.Equal(t, "IT'S /BIN/SH", res.Data["stdout"])
}

func TestShellCreatesWithHostilePath(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "it's a $(file)")
	require.NoError(t, os.WriteFile(odd, nil, 0o600))
	conn := fakeconn.NewShell()
	res := run(t, Shell{}, conn, false, map[string]any{"_raw_params": "echo ran", "creates": odd})
	assert.False(t, res.Changed)
	assert.Equal(t, "Did not run command since '"+odd+"' exists", res.Msg)
	res = run(t, Shell{}, conn, false, map[string]any{"_raw_params": "echo ran", "removes": odd})
	assert.True(t, res.Changed)
	assert.Equal(t, "ran", res.Data["stdout"])
}

func TestShellExecutableIsUsed(t *testing.T) {
	conn := fakeconn.New(fakeconn.OK(""))
	run(t, Shell{}, conn, false, map[string]any{"_raw_params": "echo $BASH_VERSION", "executable": "/bin/bash"})
	assert.Equal(t, "/bin/bash -c 'echo $BASH_VERSION'", conn.Last().Cmd)
}

func TestRaw(t *testing.T) {
	conn := fakeconn.NewShell()
	res := run(t, Raw{}, conn, false, map[string]any{"_raw_params": "echo hi; echo oops >&2"})
	assert.True(t, res.Changed)
	assert.Equal(t, "hi\n", res.Data["stdout"], "raw does not strip output")
	assert.Equal(t, []string{"oops"}, res.Data["stderr_lines"])
	assert.Equal(t, []string{"echo hi; echo oops >&2"}, conn.Commands(), "sent as is")

	res = run(t, Raw{}, conn, false, map[string]any{"_raw_params": "exit 2"})
	assert.True(t, res.Failed)
	assert.Equal(t, "non-zero return code", res.Msg)

	res = run(t, Raw{}, conn, false, map[string]any{"_raw_params": "echo \"$0\"", "executable": "/bin/sh"})
	assert.Equal(t, "/bin/sh\n", res.Data["stdout"])

	n := len(conn.Calls)
	res = run(t, Raw{}, conn, true, map[string]any{"_raw_params": "rm -rf /nonexistent"})
	assert.True(t, res.Skipped)
	assert.Len(t, conn.Calls, n)
}

// scriptTarget returns a target whose FindFile looks in dir and whose Put
// writes real files (so the uploaded script can run).
func scriptTarget(t *testing.T, dir string) (*module.Target, *fakeconn.Conn) {
	conn := fakeconn.NewShell()
	realPut := &putToDisk{Conn: conn}
	return &module.Target{
		Host: "h1", Conn: realPut,
		FindFile: func(kind, name string) (string, error) {
			assert.Equal(t, "files", kind)
			return filepath.Join(dir, name), nil
		},
	}, conn
}

// putToDisk is a fake Conn whose Put writes the file for real, so that
// the uploaded script can run on this machine.
type putToDisk struct {
	*fakeconn.Conn
	paths []string
}

func (p *putToDisk) Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	p.paths = append(p.paths, dst)
	return os.WriteFile(dst, b, mode)
}

func TestScript(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "greet.sh"), []byte("#!/bin/sh\necho \"hello $1 from $(basename \"$0\")\"\nexit ${2:-0}\n"), 0o600))
	tg, conn := scriptTarget(t, src)
	args, err := Script{}.Spec().Validate(map[string]any{"_raw_params": "greet.sh 'big world'"}, false)
	require.NoError(t, err)
	res, err := Script{}.Run(context.Background(), tg, args)
	require.NoError(t, err)
	require.False(t, res.Failed, res.Data)
	assert.True(t, res.Changed)
	assert.Regexp(t, `^hello big world from \.hactl-script-[0-9a-f]{16}-greet\.sh\n$`, res.Data["stdout"])
	require.Len(t, conn.Calls, 1)
	uploaded := tg.Conn.(*putToDisk).paths
	require.Len(t, uploaded, 1)
	assert.NoFileExists(t, uploaded[0], "removed after the run")

	args, _ = Script{}.Spec().Validate(map[string]any{"cmd": "greet.sh x 5", "executable": "sh"}, false)
	res, err = Script{}.Run(context.Background(), tg, args)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Equal(t, 5, res.Data["rc"])
	assert.Equal(t, "non-zero return code", res.Msg)
}

func TestScriptCreatesAndCheckMode(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "s.sh"), []byte("#!/bin/sh\ntouch \"$1\"\n"), 0o600))
	done := filepath.Join(t.TempDir(), "done")
	tg, _ := scriptTarget(t, src)
	exec := func(check bool, raw map[string]any) module.Result {
		tg.Check = check
		args, err := Script{}.Spec().Validate(raw, false)
		require.NoError(t, err)
		res, err := Script{}.Run(context.Background(), tg, args)
		require.NoError(t, err)
		return res
	}
	res := exec(true, map[string]any{"_raw_params": "s.sh " + done})
	assert.True(t, res.Skipped)
	assert.Equal(t, "Check mode is not supported for this task.", res.Msg)

	res = exec(true, map[string]any{"_raw_params": "s.sh " + done, "creates": done})
	assert.True(t, res.Changed)
	assert.NoFileExists(t, done)
	assert.Empty(t, tg.Conn.(*putToDisk).paths, "nothing uploaded in check mode")

	res = exec(false, map[string]any{"_raw_params": "s.sh " + done, "creates": done})
	assert.True(t, res.Changed)
	assert.FileExists(t, done)

	res = exec(false, map[string]any{"_raw_params": "s.sh " + done, "creates": done})
	assert.True(t, res.Skipped)
	assert.Equal(t, done+" exists, matching creates option", res.Msg)

	_, err := Script{}.Run(context.Background(), tg, module.Args{"_raw_params": "s.sh", "chdir": "rel"})
	assert.ErrorContains(t, err, "must be an absolute path")
}
