package command

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// These tests go through the real local transport (transport.NewLocal),
// the same contract as SSH.

func TestLocalTransportCommandAndShell(t *testing.T) {
	conn := transport.NewLocal()
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")

	res := run(t, Command{}, conn, false, map[string]any{
		"argv": []any{"printf", "%s|", "$(touch " + pwned + ")", "it's", "a\nb", "`id`"}, "chdir": dir,
	})
	require.False(t, res.Failed, res.Data)
	assert.Equal(t, "$(touch "+pwned+")|it's|a\nb|`id`|", res.Data["stdout"])
	assert.NoFileExists(t, pwned)

	res = run(t, Shell{}, conn, false, map[string]any{"_raw_params": "cat > made && wc -c < made", "chdir": dir, "stdin": "12345", "creates": "made"})
	assert.True(t, res.Changed)
	assert.Equal(t, "6", res.Data["stdout"])
	res = run(t, Shell{}, conn, false, map[string]any{"_raw_params": "cat > made", "chdir": dir, "stdin": "x", "creates": "made"})
	assert.False(t, res.Changed, "second run: creates holds")

	res = run(t, Command{}, conn, false, map[string]any{"_raw_params": "false"})
	assert.True(t, res.Failed)
	assert.Equal(t, 1, res.Data["rc"])
}

func TestLocalTransportScript(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(src, "hello world.sh"), []byte("#!/bin/sh\nprintf '%s|' \"$@\"\npwd\n"), 0o600))
	work := t.TempDir()
	tg := &module.Target{Host: "localhost", Conn: transport.NewLocal(), FindFile: func(kind, name string) (string, error) {
		return filepath.Join(src, name), nil
	}}
	args, err := Script{}.Spec().Validate(map[string]any{"_raw_params": `"hello world.sh" one 'two three'`, "chdir": work}, false)
	require.NoError(t, err)
	res, err := Script{}.Run(context.Background(), tg, args)
	require.NoError(t, err)
	require.False(t, res.Failed, res.Data)
	want, _ := filepath.EvalSymlinks(work)
	assert.Equal(t, "one|two three|"+want+"\n", res.Data["stdout"])
	left, _ := filepath.Glob(filepath.Join(remoteTmp, ".hactl-script-*-hello_world.sh"))
	assert.Empty(t, left, "the uploaded script is removed")
}
