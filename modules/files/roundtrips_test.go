package files_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/transport"
)

// countingConn counts the commands and SFTP calls a module makes: each is
// at least one round trip to the host, which is what a task costs on a
// busy network or a loaded host.
type countingConn struct {
	transport.Conn
	calls atomic.Int32
}

func (c *countingConn) Run(ctx context.Context, cmd string, o transport.RunOpts) (transport.Result, error) {
	c.calls.Add(1)
	return c.Conn.Run(ctx, cmd, o)
}

func (c *countingConn) Put(ctx context.Context, dst string, r io.Reader, m fs.FileMode) error {
	c.calls.Add(1)
	return c.Conn.Put(ctx, dst, r, m)
}

func (c *countingConn) Get(ctx context.Context, src string, w io.Writer) error {
	c.calls.Add(1)
	return c.Conn.Get(ctx, src, w)
}

func (c *countingConn) Stat(ctx context.Context, p string) (transport.FileInfo, error) {
	c.calls.Add(1)
	return c.Conn.Stat(ctx, p)
}

// TestRoundTripsPerTask plays the benchmark's kinds of file tasks twice
// and checks how many commands each needs: one or two when it changes
// the host (copy and template with a numeric mode compare and write in
// one; others read, then change and read back), one when it does not. The
// counts are exact for a given code path, so a regression (an extra stat,
// a separate upload) fails here rather than only slowing the benchmark.
func TestRoundTripsPerTask(t *testing.T) {
	h := modtest.Local(t)
	cc := &countingConn{Conn: h.Conn}
	h.Conn = cc
	dir := t.TempDir()
	d := filepath.Join(dir, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(h.FilesDir, "templates"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.FilesDir, "templates", "app.j2"), []byte("name = {{ inventory_hostname }}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(h.FilesDir, "motd"), []byte("hello\n"), 0o644))
	require.NoError(t, os.MkdirAll(d, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(d, "app2.conf"), []byte("name = localhost\n"), 0o644))
	// first and second are the most commands the task may send on its
	// first run (it changes the host) and its second (it does not).
	tasks := []struct {
		name          string
		module        string
		args          map[string]any
		first, second int32
	}{
		{"directory", "file", map[string]any{"path": d + "/sub", "state": "directory", "mode": "0750"}, 2, 1},
		{"copy content", "copy", map[string]any{"content": "one\n", "dest": d + "/c.txt", "mode": "0644"}, 1, 1},
		{"copy file", "copy", map[string]any{"src": "motd", "dest": d + "/motd", "mode": "0644"}, 1, 1},
		{"copy file into a directory", "copy", map[string]any{"src": "motd", "dest": d + "/sub", "mode": "0644"}, 1, 1},
		// A symbolic mode needs the current mode: read, then write.
		{"copy with a symbolic mode", "copy", map[string]any{"content": "two\n", "dest": d + "/sym.txt", "mode": "u=rw,go=r"}, 2, 1},
		{"template", "template", map[string]any{"src": "app.j2", "dest": d + "/app.conf", "mode": "0640"}, 1, 1},
		// Right content, wrong mode: compared in one command, chmod in a
		// second.
		{"template, mode changed only", "template", map[string]any{"src": "app.j2", "dest": d + "/app2.conf", "mode": "0600"}, 2, 1},
		{"lineinfile", "lineinfile", map[string]any{"path": d + "/s.conf", "regexp": "^k=", "line": "k=v", "create": true, "mode": "0644"}, 2, 1},
		{"symlink", "file", map[string]any{"src": d + "/app.conf", "dest": d + "/cur.conf", "state": "link"}, 2, 1},
	}
	for pass := range 2 {
		for _, tc := range tasks {
			cc.calls.Store(0)
			res := h.MustRun(t, tc.module, tc.args, false, false)
			n := cc.calls.Load()
			t.Logf("run %d %-28s changed=%-5v round trips=%d", pass+1, tc.name, res.Changed, n)
			limit := tc.first
			if pass == 1 {
				limit = tc.second
			}
			assert.Equal(t, pass == 0, res.Changed, "run %d: %s", pass+1, tc.name)
			assert.LessOrEqual(t, n, limit, "run %d: %s", pass+1, tc.name)
		}
	}
	info, err := os.Stat(filepath.Join(d, "app2.conf"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	got, err := os.ReadFile(filepath.Join(d, "sub", "motd"))
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(got))
	link, err := os.Readlink(filepath.Join(d, "cur.conf"))
	require.NoError(t, err)
	assert.Equal(t, d+"/app.conf", link)
}
