package sshtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sshRun runs cmd on s with the OpenSSH client and strict host keys.
func sshRun(t *testing.T, s Server, cmd string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := append(s.SSHArgs(), cmd)
	out, err := exec.CommandContext(ctx, "ssh", args...).CombinedOutput()
	return string(out), err
}

func TestStartServesStrictHostKeys(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	servers := Start(t, 2)
	require.Len(t, servers, 2)
	assert.NotEqual(t, servers[0].Port, servers[1].Port)
	assert.NotEqual(t, servers[0].HostKey, servers[1].HostKey)
	for _, s := range servers {
		out, err := sshRun(t, s, "echo hello; echo shlvl=$SHLVL")
		require.NoError(t, err, "%s\n%s", out, s.Logs())
		assert.Contains(t, out, "hello")
	}
	known, err := os.ReadFile(servers[0].KnownHostsFile)
	require.NoError(t, err)
	assert.Contains(t, string(known), "[127.0.0.1]:")
	assert.Equal(t, 2, strings.Count(string(known), "\n"))
}

func TestStopKillsConnectionsAndRestartKeepsIdentity(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client")
	}
	s := Start(t, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	long := exec.CommandContext(ctx, "ssh", append(s.SSHArgs(), "sleep 30")...)
	require.NoError(t, long.Start())
	// Wait until the session exists, then stop the server under it.
	require.Eventually(t, func() bool { return len(descendants(s.PID())) >= 2 }, 10*time.Second, 20*time.Millisecond)
	pid := s.PID()
	start := time.Now()
	require.NoError(t, s.Stop())
	assert.Zero(t, s.PID())
	assert.Error(t, long.Wait(), "the session must drop with the server")
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Empty(t, descendants(pid))

	_, err := sshRun(t, s, "true")
	assert.Error(t, err, "stopped server must refuse connections")

	require.NoError(t, s.Restart())
	out, err := sshRun(t, s, "echo back")
	require.NoError(t, err, out)
	assert.Contains(t, out, "back")
}

func TestStartServersOutsideTests(t *testing.T) {
	c, err := StartServers("", 3)
	require.NoError(t, err)
	dir := c.Dir
	for _, s := range c.Servers {
		assert.NotZero(t, s.PID())
	}
	require.NoError(t, c.Close())
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "Close removes the temp dir")
	for _, s := range c.Servers {
		assert.Zero(t, s.PID())
	}
	_, err = StartServers("", 0)
	assert.Error(t, err)
}
