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
// and checks how many commands each needs: at most two when it changes
// the host (read, then write and read back), one when it does not. The
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
	tasks := []struct {
		name   string
		module string
		args   map[string]any
	}{
		{"directory", "file", map[string]any{"path": d + "/sub", "state": "directory", "mode": "0750"}},
		{"copy content", "copy", map[string]any{"content": "one\n", "dest": d + "/c.txt", "mode": "0644"}},
		{"copy file", "copy", map[string]any{"src": "motd", "dest": d + "/motd", "mode": "0644"}},
		{"copy file into a directory", "copy", map[string]any{"src": "motd", "dest": d + "/sub", "mode": "0644"}},
		{"template", "template", map[string]any{"src": "app.j2", "dest": d + "/app.conf", "mode": "0640"}},
		{"lineinfile", "lineinfile", map[string]any{"path": d + "/s.conf", "regexp": "^k=", "line": "k=v", "create": true, "mode": "0644"}},
		{"symlink", "file", map[string]any{"src": d + "/app.conf", "dest": d + "/cur.conf", "state": "link"}},
	}
	for pass, want := range []struct {
		changed bool
		max     int32
	}{{true, 2}, {false, 1}} {
		for _, tc := range tasks {
			cc.calls.Store(0)
			res := h.MustRun(t, tc.module, tc.args, false, false)
			n := cc.calls.Load()
			t.Logf("run %d %-28s changed=%-5v round trips=%d", pass+1, tc.name, res.Changed, n)
			assert.Equal(t, want.changed, res.Changed, "run %d: %s", pass+1, tc.name)
			limit := want.max
			if tc.name == "copy file into a directory" {
				limit++ // the destination is read again inside the directory
			}
			assert.LessOrEqual(t, n, limit, "run %d: %s", pass+1, tc.name)
		}
	}
	got, err := os.ReadFile(filepath.Join(d, "sub", "motd"))
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(got))
	link, err := os.Readlink(filepath.Join(d, "cur.conf"))
	require.NoError(t, err)
	assert.Equal(t, d+"/app.conf", link)
}
