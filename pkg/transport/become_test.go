package transport

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestUser creates a throwaway local user with a password and, when
// sudoers is not empty, a sudoers.d entry for it ("ALL=(ALL) ALL" for
// example). Both are removed at cleanup.
func newTestUser(t *testing.T, sudoers string) (name, password string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating test users needs root")
	}
	for _, tool := range []string{"useradd", "userdel", "chpasswd", "sudo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	name = "hactlt" + randomToken()[:8]
	password = "pw'$(touch /tmp/x)\"" + randomToken()
	run := func(stdin string, args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v: %s", args, out)
	}
	run("", "useradd", "--create-home", "--shell", "/bin/sh", name)
	sudoersFile := filepath.Join("/etc/sudoers.d", name)
	t.Cleanup(func() {
		_ = os.Remove(sudoersFile)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "userdel", "--force", "--remove", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	run(name+":"+password+"\n", "chpasswd")
	if sudoers != "" {
		require.NoError(t, os.WriteFile(sudoersFile, []byte(name+" "+sudoers+"\n"), 0o440))
	}
	return name, password
}

// sharedTempDir makes a directory every user may write to, removed at
// cleanup (t.TempDir's parent is private to root).
func sharedTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hactl-transport-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o777))
	return dir
}

// dialAs connects to s as user with the test key.
func dialAs(t *testing.T, s sshtest.Server, user string) Conn {
	t.Helper()
	cfg := serverConfig(s)
	cfg.User = user
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err, s.Logs())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestBecomeRootToOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	s := sshtest.Start(t, 1)[0]
	login := dialServer(t, s)
	for _, method := range []string{"sudo", "su"} {
		t.Run(method, func(t *testing.T) {
			if _, err := exec.LookPath(method); err != nil {
				t.Skipf("%s not installed", method)
			}
			ctx := testCtx(t)
			c := WithBecome(login, Become{Method: method, User: "nobody"})
			res, err := c.Run(ctx, `id -un; printf '%s|' "$V"; pwd; cat`, RunOpts{
				Env: map[string]string{"V": "$HOME 'q'"}, Dir: "/", Stdin: strings.NewReader("in"),
			})
			require.NoError(t, err)
			assert.Equal(t, "nobody\n$HOME 'q'|/\nin", string(res.Stdout))
			assert.Empty(t, string(res.Stderr))

			res, err = c.Run(ctx, "echo e >&2; exit 7", RunOpts{})
			require.NoError(t, err)
			assert.Equal(t, 7, res.RC)
			assert.Equal(t, "e\n", string(res.Stderr))

			dir := sharedTempDir(t)
			dst := filepath.Join(dir, "owned by nobody")
			require.NoError(t, c.Put(ctx, dst, strings.NewReader("hello"), 0o640))
			fi, err := c.Stat(ctx, dst)
			require.NoError(t, err)
			assert.Equal(t, "nobody", fi.Owner)
			assert.Equal(t, fs.FileMode(0o640), fi.Mode)
			assert.Equal(t, int64(5), fi.Size)
			var got bytes.Buffer
			require.NoError(t, c.Get(ctx, dst, &got))
			assert.Equal(t, "hello", got.String())

			// Mode 0 keeps the existing mode.
			require.NoError(t, c.Put(ctx, dst, strings.NewReader("again"), 0))
			fi, err = c.Stat(ctx, dst)
			require.NoError(t, err)
			assert.Equal(t, fs.FileMode(0o640), fi.Mode)

			require.NoError(t, os.Symlink("owned by nobody", filepath.Join(dir, "l")))
			fi, err = c.Stat(ctx, filepath.Join(dir, "l"))
			require.NoError(t, err)
			assert.True(t, fi.IsLink())
			assert.Equal(t, "owned by nobody", fi.LinkTarget)
			fi, err = c.Stat(ctx, filepath.Join(dir, "missing"))
			require.NoError(t, err)
			assert.False(t, fi.Exists)
			fi, err = c.Stat(ctx, dir)
			require.NoError(t, err)
			assert.True(t, fi.IsDir())

			// nobody may not read a root-only file or write to root's dir.
			secret := filepath.Join(t.TempDir(), "secret")
			require.NoError(t, os.WriteFile(secret, []byte("s"), 0o600))
			err = c.Get(ctx, secret, &got)
			assert.ErrorIs(t, err, fs.ErrPermission)
			err = c.Put(ctx, filepath.Join(t.TempDir(), "x"), strings.NewReader("x"), 0o644)
			assert.Error(t, err)
			err = c.Get(ctx, filepath.Join(dir, "missing"), &got)
			assert.ErrorIs(t, err, fs.ErrNotExist)
			assertNoTempFiles(t, dir)
		})
	}
}

func TestBecomeSameUserDelegates(t *testing.T) {
	s := sshtest.Start(t, 1)[0]
	login := dialServer(t, s)
	c := WithBecome(login, Become{User: s.User})
	res, err := c.Run(testCtx(t), `echo "${SUDO_USER:-none}"`, RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "none\n", string(res.Stdout), "no sudo when already the become user")
}

func TestBecomeSudoWithPassword(t *testing.T) {
	user, password := newTestUser(t, "ALL=(ALL) ALL")
	s := sshtest.Start(t, 1)[0]
	login := dialAs(t, s, user)
	ctx := testCtx(t)

	c := WithBecome(login, Become{Password: password})
	res, err := c.Run(ctx, "id -u; cat", RunOpts{Stdin: strings.NewReader("payload")})
	require.NoError(t, err)
	assert.Equal(t, "0\npayload", string(res.Stdout))
	assert.NotContains(t, string(res.Stdout)+string(res.Stderr), password)
	assert.NotContains(t, string(res.Stderr), "hactl-become-prompt")

	// Files through sudo: owned by root in a root-only directory.
	dir := t.TempDir()
	dst := filepath.Join(dir, "f")
	require.NoError(t, c.Put(ctx, dst, strings.NewReader("root data"), 0o600))
	fi, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
	b, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "root data", string(b))

	wrong := WithBecome(login, Become{Password: "not-" + password})
	_, err = wrong.Run(ctx, "id -u", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBecome)
	assert.Contains(t, err.Error(), "incorrect password")
	assert.NotContains(t, err.Error(), password)

	none := WithBecome(login, Become{})
	_, err = none.Run(ctx, "id -u", RunOpts{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBecome)
	assert.Contains(t, err.Error(), "password")
}

func TestBecomeSudoNoPasswordNeeded(t *testing.T) {
	user, _ := newTestUser(t, "ALL=(ALL) NOPASSWD: ALL")
	s := sshtest.Start(t, 1)[0]
	login := dialAs(t, s, user)
	ctx := testCtx(t)
	for _, pw := range []string{"", "unused-secret"} {
		c := WithBecome(login, Become{Password: pw})
		// A password sudo does not ask for must not reach the command.
		res, err := c.Run(ctx, "id -u; cat", RunOpts{})
		require.NoError(t, err)
		assert.Equal(t, "0\n", string(res.Stdout))
	}
}

func TestPasswordLogin(t *testing.T) {
	user, password := newTestUser(t, "")
	s := sshtest.Start(t, 1)[0]
	cfg := serverConfig(s)
	cfg.User, cfg.KeyFiles, cfg.Password = user, nil, password
	c, err := DialSSH(testCtx(t), cfg)
	require.NoError(t, err, s.Logs())
	defer c.Close()
	res, err := c.Run(testCtx(t), "id -un", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, user+"\n", string(res.Stdout))

	cfg.Password = "wrong"
	_, err = DialSSH(testCtx(t), cfg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrAuth)
	assert.ErrorIs(t, err, ErrUnreachable)
	assert.NotContains(t, err.Error(), password)
}

func TestBecomeUnsupported(t *testing.T) {
	c := WithBecome(NewLocal(), Become{Method: "doas", User: "nobody"})
	_, err := c.Run(testCtx(t), "true", RunOpts{})
	assert.ErrorIs(t, err, ErrBecome)
	c = WithBecome(NewLocal(), Become{Method: "su", User: "nobody", Password: "secret"})
	_, err = c.Run(testCtx(t), "true", RunOpts{})
	assert.ErrorIs(t, err, ErrBecome)
	assert.NotContains(t, err.Error(), "secret")
	b := Become{Password: "secret"}
	for _, s := range []string{b.String(), b.LogValue().String(), fmt.Sprintf("%v %+v %#v", b, b, b)} {
		assert.NotContains(t, s, "secret")
	}
}
