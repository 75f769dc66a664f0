package transport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunOutputAndExitCode(t *testing.T) {
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.conn.Run(testCtx(t), "echo out; echo err >&2; exit 3", RunOpts{})
			require.NoError(t, err)
			assert.Equal(t, 3, res.RC)
			assert.Equal(t, "out\n", string(res.Stdout))
			assert.Equal(t, "err\n", string(res.Stderr))

			res, err = tc.conn.Run(testCtx(t), "kill -TERM $$", RunOpts{})
			require.NoError(t, err)
			assert.Equal(t, 128+15, res.RC, "death by signal is 128+n")

			// The command runs under /bin/sh whatever the login shell:
			// $0 is sh's, and bash-only syntax is not assumed.
			res, err = tc.conn.Run(testCtx(t), `readlink /proc/$$/exe`, RunOpts{})
			require.NoError(t, err)
			sh, _ := filepath.EvalSymlinks("/bin/sh")
			assert.Equal(t, sh, strings.TrimSpace(string(res.Stdout)))
		})
	}
}

func TestRunStdin(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	sum := sha256.Sum256(big)
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.conn.Run(testCtx(t), "cat", RunOpts{Stdin: strings.NewReader("line1\nline2")})
			require.NoError(t, err)
			assert.Equal(t, "line1\nline2", string(res.Stdout))

			res, err = tc.conn.Run(testCtx(t), "sha256sum", RunOpts{Stdin: bytes.NewReader(big)})
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("%x  -\n", sum), string(res.Stdout))

			// Without Stdin the command sees end of input at once.
			res, err = tc.conn.Run(testCtx(t), "cat; echo done", RunOpts{})
			require.NoError(t, err)
			assert.Equal(t, "done\n", string(res.Stdout))

			// A command that ignores its input does not hang Run.
			res, err = tc.conn.Run(testCtx(t), "true", RunOpts{Stdin: blockingReader{}})
			require.NoError(t, err)
			assert.Zero(t, res.RC)
		})
	}
}

func TestRunStdinReadErrorKillsCommand(t *testing.T) {
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			marker := filepath.Join(dir, "ran")
			r := io.MultiReader(strings.NewReader("partial"), errReader{errors.New("disk on fire")})
			_, err := tc.conn.Run(testCtx(t), "cat >/dev/null && touch "+Quote(marker), RunOpts{Stdin: r})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "disk on fire")
			time.Sleep(100 * time.Millisecond)
			assert.NoFileExists(t, marker, "the command must not see a clean EOF")
		})
	}
}

func TestRunEnvAndDirStayLiteral(t *testing.T) {
	hostile := []string{
		"", "plain", "two words", "it's", `"double"`, "$HOME", "${PATH}", "$(touch /tmp/pwned)",
		"`id`", "back\\slash", "new\nline", "tab\there", "glob*?[a]", "semi;colon && echo", "-n", "'", `\'`, "~root",
	}
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for i, v := range hostile {
				env[fmt.Sprintf("V%d", i)] = v
			}
			var script strings.Builder
			for i := range hostile {
				fmt.Fprintf(&script, `printf '%%s\0' "$V%d"; `, i)
			}
			res, err := tc.conn.Run(testCtx(t), script.String(), RunOpts{Env: env})
			require.NoError(t, err)
			require.Zero(t, res.RC, string(res.Stderr))
			got := strings.Split(strings.TrimSuffix(string(res.Stdout), "\x00"), "\x00")
			assert.Equal(t, hostile, got)

			dir := filepath.Join(t.TempDir(), "it's a $dir")
			require.NoError(t, os.Mkdir(dir, 0o755))
			res, err = tc.conn.Run(testCtx(t), "pwd", RunOpts{Dir: dir})
			require.NoError(t, err)
			assert.Equal(t, dir+"\n", string(res.Stdout))

			marker := filepath.Join(t.TempDir(), "ran")
			res, err = tc.conn.Run(testCtx(t), "touch "+Quote(marker), RunOpts{Dir: filepath.Join(dir, "missing")})
			require.NoError(t, err)
			assert.NotZero(t, res.RC)
			assert.NoFileExists(t, marker, "a failed cd must not run the command")

			_, err = tc.conn.Run(testCtx(t), "true", RunOpts{Env: map[string]string{"BAD NAME": "x"}})
			assert.Error(t, err)
		})
	}
}

func TestQuoteArgsRoundTrip(t *testing.T) {
	hostile := []string{"", " ", "a b", "'", "''", `"`, "$(echo pwned)", "`echo pwned`", "$HOME", "\n", "a\nb",
		"\\", "\\'", "*", "~", "-e", "!", "#comment", "a;b", "a|b", "é ünïcode", "{a,b}", "%s"}
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.conn.Run(testCtx(t), "printf '%s\\0' "+QuoteArgs(hostile), RunOpts{})
			require.NoError(t, err)
			require.Zero(t, res.RC, string(res.Stderr))
			got := strings.Split(strings.TrimSuffix(string(res.Stdout), "\x00"), "\x00")
			assert.Equal(t, hostile, got)
		})
	}
}

func TestRunTimeoutAndCancel(t *testing.T) {
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := tc.conn.Run(testCtx(t), "sleep 20", RunOpts{Timeout: 300 * time.Millisecond})
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Contains(t, err.Error(), "timed out")
			assert.Less(t, time.Since(start), 5*time.Second)

			ctx, cancel := context.WithCancel(testCtx(t))
			time.AfterFunc(200*time.Millisecond, cancel)
			start = time.Now()
			_, err = tc.conn.Run(ctx, "sleep 20", RunOpts{})
			assert.ErrorIs(t, err, context.Canceled)
			assert.NotErrorIs(t, err, ErrUnreachable)
			assert.Less(t, time.Since(start), 5*time.Second)

			// The whole remote command is killed, not just abandoned.
			marker := filepath.Join(t.TempDir(), "survived")
			_, err = tc.conn.Run(testCtx(t), "sleep 1 && touch "+Quote(marker), RunOpts{Timeout: 200 * time.Millisecond})
			require.Error(t, err)
			time.Sleep(1500 * time.Millisecond)
			assert.NoFileExists(t, marker, "the timed-out command kept running")

			// The connection survives a cancelled command.
			res, err := tc.conn.Run(testCtx(t), "echo alive", RunOpts{})
			require.NoError(t, err)
			assert.Equal(t, "alive\n", string(res.Stdout))
		})
	}
}

func TestPutGetStat(t *testing.T) {
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			dir := t.TempDir()
			dst := filepath.Join(dir, "conf file")
			require.NoError(t, tc.conn.Put(ctx, dst, strings.NewReader("v1\n"), 0o640))
			fi, err := tc.conn.Stat(ctx, dst)
			require.NoError(t, err)
			assert.True(t, fi.Exists)
			assert.Equal(t, fs.FileMode(0o640), fi.Mode)
			assert.Equal(t, int64(3), fi.Size)
			assert.Equal(t, os.Getuid(), fi.UID)
			assert.Equal(t, currentUser(), fi.Owner)
			assert.NotEmpty(t, fi.Group)
			assert.WithinDuration(t, time.Now(), fi.ModTime, time.Minute)

			// Mode 0 keeps the mode of the file it replaces.
			require.NoError(t, tc.conn.Put(ctx, dst, strings.NewReader("v2\n"), 0))
			fi, err = tc.conn.Stat(ctx, dst)
			require.NoError(t, err)
			assert.Equal(t, fs.FileMode(0o640), fi.Mode)
			var got bytes.Buffer
			require.NoError(t, tc.conn.Get(ctx, dst, &got))
			assert.Equal(t, "v2\n", got.String())

			// setuid and sticky bits survive.
			require.NoError(t, tc.conn.Put(ctx, dst, strings.NewReader("x"), 0o755|fs.ModeSetuid))
			fi, err = tc.conn.Stat(ctx, dst)
			require.NoError(t, err)
			assert.Equal(t, 0o755|fs.ModeSetuid, fi.Mode)

			// A new file without a mode gets 0644; big content streams.
			big := bytes.Repeat([]byte("z"), 3<<20)
			other := filepath.Join(dir, "big")
			require.NoError(t, tc.conn.Put(ctx, other, bytes.NewReader(big), 0))
			fi, err = tc.conn.Stat(ctx, other)
			require.NoError(t, err)
			assert.Equal(t, fs.FileMode(0o644), fi.Mode)
			got.Reset()
			require.NoError(t, tc.conn.Get(ctx, other, &got))
			assert.Equal(t, big, got.Bytes())

			require.NoError(t, os.Symlink("conf file", filepath.Join(dir, "link")))
			fi, err = tc.conn.Stat(ctx, filepath.Join(dir, "link"))
			require.NoError(t, err)
			assert.True(t, fi.IsLink())
			assert.Equal(t, "conf file", fi.LinkTarget)

			fi, err = tc.conn.Stat(ctx, dir)
			require.NoError(t, err)
			assert.True(t, fi.IsDir())

			fi, err = tc.conn.Stat(ctx, filepath.Join(dir, "missing"))
			require.NoError(t, err)
			assert.False(t, fi.Exists)

			err = tc.conn.Get(ctx, filepath.Join(dir, "missing"), io.Discard)
			assert.ErrorIs(t, err, fs.ErrNotExist)
			assert.NotErrorIs(t, err, ErrUnreachable)

			err = tc.conn.Put(ctx, filepath.Join(dir, "no", "such", "dir"), strings.NewReader("x"), 0o644)
			assert.Error(t, err)
			assert.NotErrorIs(t, err, ErrUnreachable)

			assertNoTempFiles(t, dir)
		})
	}
}

func TestPutIsAtomic(t *testing.T) {
	for _, tc := range allTransports(t) {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			dir := t.TempDir()
			dst := filepath.Join(dir, "important")
			require.NoError(t, os.WriteFile(dst, []byte("old content"), 0o600))

			// The reader fails after 100 KiB: dst keeps its old content.
			r := io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("n"), 100<<10)), errReader{errors.New("source vanished")})
			err := tc.conn.Put(ctx, dst, r, 0o644)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "source vanished")
			b, err := os.ReadFile(dst)
			require.NoError(t, err)
			assert.Equal(t, "old content", string(b))

			// Cancelled mid-way: same.
			cctx, cancel := context.WithCancel(ctx)
			err = tc.conn.Put(cctx, dst, &cancelAfter{n: 64 << 10, cancel: cancel}, 0o644)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			b, err = os.ReadFile(dst)
			require.NoError(t, err)
			assert.Equal(t, "old content", string(b))
			assertNoTempFiles(t, dir)
		})
	}
}

// assertNoTempFiles checks that dir holds no leftover temporary file.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".hactl-", "temporary file left behind")
	}
}

// errReader fails every read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// blockingReader never returns.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

// cancelAfter yields n bytes, then cancels its context and keeps yielding.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	for i := range p {
		p[i] = 'c'
	}
	c.n -= len(p)
	return len(p), nil
}
