package transport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostKeyUnknownIsRefusedWithAdvice(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	cfg := serverConfig(s)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	_, err := DialSSH(testCtx(t), cfg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrHostKey)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "not in known_hosts")
	assert.Contains(t, err.Error(), "StrictHostKeyChecking=accept-new")
	assert.Contains(t, err.Error(), "ssh-keyscan -p")
	assert.NoFileExists(t, cfg.KnownHostsFiles[0], "strict checking writes nothing")
}

func TestHostKeyAcceptNewRecordsKey(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	known := filepath.Join(t.TempDir(), "sub", "known_hosts")
	cfg := serverConfig(s)
	cfg.KnownHostsFiles = []string{known}
	cfg.HostKeyPolicy = HostKeyAcceptNew
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err)
	require.NoError(t, c.Close())

	b, err := os.ReadFile(known)
	require.NoError(t, err)
	assert.Equal(t, "[127.0.0.1]:"+itoa(s.Port)+" "+s.HostKey+"\n", string(b))

	// The recorded key now passes strict checking.
	cfg.HostKeyPolicy = HostKeyStrict
	c, err = DialSSH(testCtx(t), cfg)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

func TestHostKeyMismatchIsRefusedUnderEveryPolicyButIgnore(t *testing.T) {
	servers := sshtest.Start(t, 2)
	s, other := servers[0], servers[1]
	known := filepath.Join(t.TempDir(), "known_hosts")
	// Claim that s's address has other's key.
	require.NoError(t, os.WriteFile(known, []byte("[127.0.0.1]:"+itoa(s.Port)+" "+other.HostKey+"\n"), 0o600))
	cfg := serverConfig(s)
	cfg.KnownHostsFiles = []string{known}
	for _, p := range []HostKeyPolicy{HostKeyStrict, HostKeyAcceptNew} {
		cfg.HostKeyPolicy = p
		_, err := DialSSH(testCtx(t), cfg)
		require.Error(t, err, p.String())
		assert.ErrorIs(t, err, ErrHostKey)
		assert.Contains(t, err.Error(), "does not match")
		assert.Contains(t, err.Error(), "ssh-keygen -R")
	}
	cfg.HostKeyPolicy = HostKeyIgnore
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	b, err := os.ReadFile(known)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(b), "\n"), "nothing recorded")
}

func TestHostKeyAlgorithmsFollowKnownHosts(t *testing.T) {
	known := filepath.Join(t.TempDir(), "known_hosts")
	rsaLine := "[h]:2222 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDQ4PEmlU9rvJAo9WSV7gM4RTm6wp3/rrfwMnZ1CCvdn1MrSDbW6M+WgADjX9UDEwdFIvgl7pUiBxSdvcehqjEk3J2nHGnf+ZG+6Ct/0Zm+BDkdl3Ht0yzMmwNn7L01dNgQWnvo8FmeX2SUejVixe4vOfX7Dv6vzOwawjaxpJ8Q3w==\n"
	require.NoError(t, os.WriteFile(known, []byte(rsaLine), 0o600))
	h, err := newHostKeys(HostKeyStrict, []string{known}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"}, h.algorithms("h:2222"))
	assert.Nil(t, h.algorithms("unknown:22"))
}

func TestUnreachableHost(t *testing.T) {
	cfg := Config{Host: "127.0.0.1", Port: closedPort(t), KeyFiles: []string{sshtestKey(t)}, NoAgent: true,
		DialRetries: 2, RetryBackoff: 50 * time.Millisecond}
	start := time.Now()
	_, err := DialSSH(testCtx(t), cfg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "connection refused")
	// Two retries: 50 ms + 100 ms of backoff.
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
}

func TestJumpHost(t *testing.T) {
	servers := sshtest.Start(t, 2)
	jump, target := servers[0], servers[1]
	cfg := serverConfig(target)
	cfg.JumpHosts = []Hop{{User: jump.User, Host: jump.Host, Port: jump.Port}}
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err)
	defer c.Close()
	res, err := c.Run(testCtx(t), "echo via jump", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "via jump\n", string(res.Stdout))
	var b bytes.Buffer
	require.NoError(t, c.Get(testCtx(t), "/etc/hostname", &b))

	// The traffic really goes through the jump host: without it, the
	// target is cut off.
	require.NoError(t, jump.Stop())
	_, err = c.Run(testCtx(t), "true", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)

	// A jump host with an unknown key is named in the error.
	require.NoError(t, jump.Restart())
	cfg.KnownHostsFiles = []string{writeKnownHosts(t, target)}
	_, err = DialSSH(testCtx(t), cfg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrHostKey)
	assert.Contains(t, err.Error(), "jump host 127.0.0.1:"+itoa(jump.Port))
}

func TestRedialAfterServerRestart(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	c := dialServer(t, s)
	ctx := testCtx(t)
	res, err := c.Run(ctx, "echo one", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(res.Stdout))
	_, err = c.Stat(ctx, "/") // opens the SFTP channel
	require.NoError(t, err)

	// Host "reboots": the connection drops; calls while it is down fail
	// as unreachable, the first call after it is back redials.
	require.NoError(t, s.Stop())
	_, err = c.Run(ctx, "true", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	require.NoError(t, s.Restart())

	res, err = c.Run(ctx, "echo two", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "two\n", string(res.Stdout))
	fi, err := c.Stat(ctx, "/")
	require.NoError(t, err)
	assert.True(t, fi.IsDir())

	// Down and up again between two calls: the next call just works.
	require.NoError(t, s.Stop())
	require.NoError(t, s.Restart())
	require.NoError(t, c.Put(ctx, filepath.Join(t.TempDir(), "f"), strings.NewReader("x"), 0o644))
	res, err = c.Run(ctx, "echo three", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "three\n", string(res.Stdout))
}

func TestRunOnLostConnectionIsUnreachable(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	c := dialServer(t, s)
	time.AfterFunc(300*time.Millisecond, func() { _ = s.Stop() })
	start := time.Now()
	_, err := c.Run(testCtx(t), "sleep 20", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestClosedConn(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	c := dialServer(t, s)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close twice is fine")
	_, err := c.Run(testCtx(t), "true", RunOpts{})
	assert.ErrorIs(t, err, ErrClosed)
}

func TestConcurrentUseOfOneConn(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	c := dialServer(t, s)
	dir := t.TempDir()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := testCtx(t)
			res, err := c.Run(ctx, "echo "+itoa(i), RunOpts{})
			if err != nil || string(res.Stdout) != itoa(i)+"\n" {
				failures.Add(1)
			}
			p := filepath.Join(dir, itoa(i))
			if err := c.Put(ctx, p, strings.NewReader(itoa(i)), 0o600); err != nil {
				failures.Add(1)
			}
			if fi, err := c.Stat(ctx, p); err != nil || fi.Size != int64(len(itoa(i))) {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
}

// itoa formats an int.
func itoa(i int) string { return strconv.Itoa(i) }

// writeKnownHosts writes a known_hosts file listing only s.
func writeKnownHosts(t *testing.T, s sshtest.Server) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(p, []byte("[127.0.0.1]:"+itoa(s.Port)+" "+s.HostKey+"\n"), 0o600))
	return p
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	s := sshtest.Start(t, 1)[0]
	require.NoError(t, s.Stop())
	return s.Port
}

// sshtestKey returns a usable client key file.
func sshtestKey(t *testing.T) string {
	t.Helper()
	return sshtest.Start(t, 1)[0].KeyFile
}

func TestKeepaliveDetectsFrozenHost(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	cfg := serverConfig(s)
	cfg.Keepalive = 200 * time.Millisecond
	cfg.ConnectTimeout = time.Second
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Run(testCtx(t), "true", RunOpts{})
	require.NoError(t, err)

	require.NoError(t, s.Pause())
	t.Cleanup(func() { _ = s.Resume() })
	start := time.Now()
	_, err = c.Run(testCtx(t), "true", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnreachable)
	// Keepalive (≤ 2 intervals) plus one redial attempt (ConnectTimeout).
	assert.Less(t, time.Since(start), 5*time.Second)

	// A caller's deadline also ends the wait on a frozen host.
	ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.Run(ctx, "true", RunOpts{})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)

	require.NoError(t, s.Resume())
	res, err := c.Run(testCtx(t), "echo thawed", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "thawed\n", string(res.Stdout))
}
