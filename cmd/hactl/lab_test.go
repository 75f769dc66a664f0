package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab/labtest"
)

// runLab runs `hactl lab ARGS...` in process and returns its exit code
// and output.
func runLab(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"lab"}, args...))
	err := cmd.Execute()
	if err == nil {
		return 0, out.String()
	}
	out.WriteString(err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, out.String()
	}
	return 5, out.String() // what main does with cobra's usage errors

}

func TestLabCommandsOnARunningLab(t *testing.T) {
	hosts := labtest.Hosts(t, 2, labtest.Options{})
	dir := hosts[0].LabDir

	code, out := runLab(t, "status", dir)
	require.Equal(t, 0, code, out)
	assert.Regexp(t, `h1\s+`+hosts[0].Address+`\s+running\s+\d+`, out)
	assert.Regexp(t, `h2\s+`+hosts[1].Address+`\s+running\s+\d+`, out)

	code, out = runLab(t, "exec", dir, "h2", "--", "sh", "-c", "hostname; exit 4")
	assert.Equal(t, 4, code, "the command's exit code passes through: %s", out)
	assert.Contains(t, out, "h2\n")

	code, out = runLab(t, "inventory", dir)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "h1 ansible_host="+hosts[0].Address+" ansible_user=root ")
	assert.Contains(t, out, "StrictHostKeyChecking=yes")

	code, out = runLab(t, "cut", dir, "h1")
	require.Equal(t, 0, code, out)
	_, out = runLab(t, "status", dir)
	assert.Regexp(t, `h1\s+\S+\s+cut`, out)
	code, out = runLab(t, "heal", dir, "h1")
	require.Equal(t, 0, code, out)

	code, out = runLab(t, "stop", dir, "nosuchhost")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, `no host "nosuchhost"`)
}

func TestLabCommandErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte("a\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lab.yml"), []byte("name: never-up\n"), 0o644))

	code, out := runLab(t, "inventory", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "not up")

	code, out = runLab(t, "status", dir)
	require.Equal(t, 0, code, out)
	assert.Regexp(t, `a\s+10\.77\.0\.100\s+absent\s+-`, out)

	code, _ = runLab(t, "up")
	assert.Equal(t, 5, code, "a missing argument is a usage error")

	code, out = runLab(t, "status", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "no inventory")
}
