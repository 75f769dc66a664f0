package files_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("copy", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/copy && mkdir /root/copy")

	t.Run("content converges with mode and diff", func(t *testing.T) {
		args := map[string]any{"content": "hello\n", "dest": "/root/copy/a", "mode": "0640"}
		res := h.Converge(t, "copy", args, []string{"/root/copy"})
		assert.Equal(t, "f572d396fae9206628714fb2ce00f72e94f2258f", res.Data["checksum"])
		assert.Equal(t, "b1946ac92492d2347c6235b4d2611184", res.Data["md5sum"])
		assert.Equal(t, "0640", res.Data["mode"])
		assert.Equal(t, "root", res.Data["owner"])
		assert.Equal(t, "file", res.Data["state"])
		assert.EqualValues(t, 6, res.Data["size"])
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "", res.Diff[0].Before)
		assert.Equal(t, "hello\n", res.Diff[0].After)
		assert.Equal(t, "/root/copy/a", res.Diff[0].BeforeHeader)
	})

	t.Run("new content with backup shows the diff and keeps the old file", func(t *testing.T) {
		args := map[string]any{"content": "hello\nworld\n", "dest": "/root/copy/a", "backup": true}
		res := h.MustRun(t, "copy", args, false, true)
		assert.True(t, res.Changed)
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "hello\n", res.Diff[0].Before)
		assert.Equal(t, "hello\nworld\n", res.Diff[0].After)
		backup, _ := res.Data["backup_file"].(string)
		require.NotEmpty(t, backup)
		assert.Regexp(t, `^/root/copy/a\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$`, backup)
		assert.Equal(t, "hello\n", h.Sh(t, "cat "+backup))
		assert.Equal(t, "640\n", h.Sh(t, "stat -c %a /root/copy/a"), "the mode is kept")
		again := h.MustRun(t, "copy", args, false, false)
		assert.False(t, again.Changed)
	})

	t.Run("validate failure leaves the file untouched", func(t *testing.T) {
		res, err := h.Run(t, "copy", map[string]any{"content": "bad\n", "dest": "/root/copy/a", "validate": "grep -q good %s"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "failed to validate", res.Msg)
		assert.Equal(t, 1, res.Data["exit_status"])
		assert.Equal(t, "hello\nworld\n", h.Sh(t, "cat /root/copy/a"))
		assert.Empty(t, strings.TrimSpace(h.Sh(t, "ls -A /root/copy | grep hactl || true")), "no temporary file left")
		ok := h.MustRun(t, "copy", map[string]any{"content": "good\n", "dest": "/root/copy/a", "validate": "grep -q good %s"}, false, false)
		assert.True(t, ok.Changed)
		assert.Equal(t, "good\n", h.Sh(t, "cat /root/copy/a"))
	})

	t.Run("attributes only", func(t *testing.T) {
		res := h.Converge(t, "copy", map[string]any{"content": "good\n", "dest": "/root/copy/a", "mode": "u=rw,g=,o=", "owner": "nobody", "group": "0"}, []string{"/root/copy/a"})
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].Before, "mode: 0640")
		assert.Contains(t, res.Diff[0].After, "mode: 0600")
		assert.Contains(t, res.Diff[0].After, "owner: nobody")
		assert.Equal(t, "600 nobody root\n", h.Sh(t, "stat -c '%a %U %G' /root/copy/a"))
	})

	t.Run("force false keeps an existing file", func(t *testing.T) {
		res := h.MustRun(t, "copy", map[string]any{"content": "other\n", "dest": "/root/copy/a", "force": false}, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, "good\n", h.Sh(t, "cat /root/copy/a"))
	})

	t.Run("hostile values stay literal", func(t *testing.T) {
		dest := "/root/copy/it's $(touch pwned) `id` a\nb"
		content := "$(touch pwned2)\n'\"`x`\n"
		h.Converge(t, "copy", map[string]any{"content": content, "dest": dest, "backup": true, "validate": "grep -q pwned2 %s"}, []string{"/root/copy"})
		assert.Equal(t, content, h.Sh(t, "cat '/root/copy/it'\\''s $(touch pwned) `id` a\nb'"))
		assert.Equal(t, "0\n", h.Sh(t, "ls -d /root/pwned /root/pwned2 /root/copy/pwned /root/copy/pwned2 2>/dev/null | wc -l"))
	})

	t.Run("missing directory fails", func(t *testing.T) {
		res, err := h.Run(t, "copy", map[string]any{"content": "x", "dest": "/root/copy/nodir/x"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Destination directory /root/copy/nodir does not exist", res.Msg)
	})

	t.Run("src file into a directory", func(t *testing.T) {
		require.NoError(t, os.MkdirAll(filepath.Join(h.FilesDir, "files"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(h.FilesDir, "files", "motd"), []byte("welcome\n"), 0o600))
		res := h.Converge(t, "copy", map[string]any{"src": "motd", "dest": "/root/copy/sub/", "mode": "preserve"}, []string{"/root/copy/sub"})
		assert.Equal(t, "/root/copy/sub/motd", res.Data["dest"])
		assert.Equal(t, "welcome\n", h.Sh(t, "cat /root/copy/sub/motd"))
		assert.Equal(t, "600\n", h.Sh(t, "stat -c %a /root/copy/sub/motd"))
	})

	t.Run("directory trees with and without trailing slash", func(t *testing.T) {
		tree := filepath.Join(h.FilesDir, "files", "site")
		require.NoError(t, os.MkdirAll(filepath.Join(tree, "css", "empty"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tree, "index.html"), []byte("<h1>hi</h1>\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(tree, "css", "a.css"), []byte("body{}\n"), 0o644))
		h.Sh(t, "mkdir -p /root/copy/www1 /root/copy/www2")
		h.Converge(t, "copy", map[string]any{"src": "site", "dest": "/root/copy/www1", "directory_mode": "0750"}, []string{"/root/copy/www1"})
		assert.Equal(t, "/root/copy/www1/site\n/root/copy/www1/site/css\n/root/copy/www1/site/css/a.css\n/root/copy/www1/site/css/empty\n/root/copy/www1/site/index.html\n",
			h.Sh(t, "find /root/copy/www1/site | sort"))
		assert.Equal(t, "750\n", h.Sh(t, "stat -c %a /root/copy/www1/site/css"))
		h.Converge(t, "copy", map[string]any{"src": "site/", "dest": "/root/copy/www2/"}, []string{"/root/copy/www2"})
		assert.Equal(t, "body{}\n", h.Sh(t, "cat /root/copy/www2/css/a.css"))
		require.NoError(t, os.WriteFile(filepath.Join(tree, "css", "a.css"), []byte("body{color:red}\n"), 0o644))
		res := h.MustRun(t, "copy", map[string]any{"src": "site/", "dest": "/root/copy/www2/"}, false, true)
		assert.True(t, res.Changed)
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "body{}\n", res.Diff[0].Before)
	})

	t.Run("remote_src", func(t *testing.T) {
		h.Converge(t, "copy", map[string]any{"src": "/root/copy/a", "remote_src": true, "dest": "/root/copy/a.copy"}, []string{"/root/copy/a.copy"})
		assert.Equal(t, "good\n", h.Sh(t, "cat /root/copy/a.copy"))
	})

	t.Run("invalid arguments", func(t *testing.T) {
		_, err := h.Run(t, "copy", map[string]any{"content": "x", "dset": "/x"}, false, false)
		assert.ErrorContains(t, err, `did you mean "dest"`)
		_, err = h.Run(t, "ansible.builtin.copy", map[string]any{"content": "x", "src": "y", "dest": "/x"}, false, false)
		assert.ErrorContains(t, err, "mutually exclusive")
		res, err := h.Run(t, "copy", map[string]any{"content": "x", "dest": "/root/copy/m", "mode": "rwx"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "octal or symbolic")
	})
})
