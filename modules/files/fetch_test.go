package files_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("fetch", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/fe && mkdir -p /root/fe/sub && printf 'hello\\n' > \"/root/fe/it's \\$(x) a file\" && ln -s \"it's \\$(x) a file\" /root/fe/ln")
	src := "/root/fe/it's $(x) a file"

	t.Run("DEST/HOST/SRC: check mode, copy, then nothing to do", func(t *testing.T) {
		dest := t.TempDir()
		local := filepath.Join(dest, h.Name, "root", "fe", "it's $(x) a file")
		args := map[string]any{"src": src, "dest": dest}
		res := h.MustRun(t, "fetch", args, true, false)
		assert.True(t, res.Changed)
		assert.NoFileExists(t, local, "check mode writes nothing")
		res = h.MustRun(t, "fetch", args, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, local, res.Data["dest"])
		assert.Equal(t, helloSHA1, res.Data["checksum"])
		assert.Equal(t, helloSHA1, res.Data["remote_checksum"])
		assert.Equal(t, "b1946ac92492d2347c6235b4d2611184", res.Data["md5sum"])
		b, err := os.ReadFile(local)
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(b))
		again := h.MustRun(t, "fetch", args, false, false)
		assert.False(t, again.Changed)
		assert.Equal(t, src, again.Data["file"])
		assert.Equal(t, helloSHA1, again.Data["checksum"])
		assert.False(t, h.MustRun(t, "fetch", args, true, false).Changed)

		require.NoError(t, os.WriteFile(local, []byte("changed locally\n"), 0o600))
		res = h.MustRun(t, "fetch", args, false, false)
		assert.True(t, res.Changed, "a different local copy is replaced")
		b, _ = os.ReadFile(local)
		assert.Equal(t, "hello\n", string(b))
		entries, _ := os.ReadDir(filepath.Dir(local))
		assert.Len(t, entries, 1, "no temporary file left")
	})

	t.Run("flat, trailing slash, relative to the playbook, through a link", func(t *testing.T) {
		dir := t.TempDir()
		res := h.MustRun(t, "fetch", map[string]any{"src": "/root/fe/ln", "dest": filepath.Join(dir, "copy.txt"), "flat": true}, false, false)
		assert.Equal(t, filepath.Join(dir, "copy.txt"), res.Data["dest"])
		res = h.MustRun(t, "fetch", map[string]any{"src": src, "dest": dir + "/", "flat": true}, false, false)
		assert.Equal(t, filepath.Join(dir, "it's $(x) a file"), res.Data["dest"])
		res, err := h.Run(t, "fetch", map[string]any{"src": src, "dest": dir, "flat": true}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "dest is an existing directory, use a trailing slash if you want to fetch src into that directory", res.Msg)

		hp := *h
		hp.Vars = map[string]any{"playbook_dir": dir}
		res = hp.MustRun(t, "fetch", map[string]any{"src": src, "dest": "rel/out.txt", "flat": true}, false, false)
		assert.Equal(t, filepath.Join(dir, "rel", "out.txt"), res.Data["dest"])
		assert.FileExists(t, filepath.Join(dir, "rel", "out.txt"))
	})

	t.Run("missing, directory and traversal", func(t *testing.T) {
		dir := t.TempDir()
		res, err := h.Run(t, "fetch", map[string]any{"src": "/root/fe/none", "dest": dir}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "the remote file does not exist, not transferring, ignored", res.Msg)
		res = h.MustRun(t, "fetch", map[string]any{"src": "/root/fe/none", "dest": dir, "fail_on_missing": false}, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, "/root/fe/none", res.Data["file"])

		res, err = h.Run(t, "fetch", map[string]any{"src": "/root/fe/sub", "dest": dir}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "remote file is a directory, fetch cannot work on directories", res.Msg)
		res = h.MustRun(t, "fetch", map[string]any{"src": "/root/fe/sub", "dest": dir, "fail_on_missing": false}, false, false)
		assert.Equal(t, "remote file is a directory, fetch cannot work on directories, not transferring, ignored", res.Msg)

		res, err = h.Run(t, "fetch", map[string]any{"src": "/../../../root/fe/it's $(x) a file", "dest": dir}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Detected directory traversal")
		entries, _ := os.ReadDir(dir)
		assert.Empty(t, entries)

		_, _, err = modtest.Validate("fetch", map[string]any{"src": "/etc/hosts"})
		assert.ErrorContains(t, err, `missing required argument "dest"`)
	})
})
