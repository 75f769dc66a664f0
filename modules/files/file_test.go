package files_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("file", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/fm && mkdir /root/fm")

	t.Run("directory with parents and attributes", func(t *testing.T) {
		res := h.Converge(t, "file", map[string]any{"path": "/root/fm/a/b c/d", "state": "directory", "mode": "0750", "owner": "nobody"}, []string{"/root/fm"})
		assert.Equal(t, "directory", res.Data["state"])
		assert.Equal(t, "0750", res.Data["mode"])
		assert.Equal(t, "750 nobody\n750 nobody\n750 nobody\n", h.Sh(t, "stat -c '%a %U' '/root/fm/a' '/root/fm/a/b c' '/root/fm/a/b c/d'"))
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].Before, "state: absent")
		assert.Contains(t, res.Diff[0].After, "state: directory")
	})

	t.Run("recurse", func(t *testing.T) {
		h.Sh(t, "touch '/root/fm/a/b c/f' && chmod 600 '/root/fm/a/b c/f'")
		h.Converge(t, "file", map[string]any{"path": "/root/fm/a", "state": "directory", "recurse": true, "owner": "root", "mode": "u=rwX,g=rX,o="}, []string{"/root/fm/a"})
		assert.Equal(t, "750 root\n640 root\n", h.Sh(t, "stat -c '%a %U' '/root/fm/a/b c' '/root/fm/a/b c/f'"))
	})

	t.Run("file state fails on a missing path", func(t *testing.T) {
		res, err := h.Run(t, "file", map[string]any{"path": "/root/fm/none", "state": "file"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "file (/root/fm/none) is absent, cannot continue", res.Msg)
		res, err = h.Run(t, "file", map[string]any{"path": "/root/fm/a", "state": "file"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "file (/root/fm/a) is directory, cannot continue", res.Msg)
	})

	t.Run("touch creates then always changes times", func(t *testing.T) {
		path := "/root/fm/it's $(touch pwned) `x`"
		res := h.MustRun(t, "file", map[string]any{"path": path, "state": "touch", "mode": "0600"}, false, true)
		assert.True(t, res.Changed)
		assert.Equal(t, "600\n", h.Sh(t, "stat -c %a '/root/fm/it'\\''s $(touch pwned) `x`'"))
		assert.Equal(t, "0\n", h.Sh(t, "ls /root/pwned /root/fm/pwned 2>/dev/null | wc -l"))
		res = h.MustRun(t, "file", map[string]any{"path": path, "state": "touch"}, false, false)
		assert.True(t, res.Changed, "touch updates the times every run, as in Ansible")
		h.Converge(t, "file", map[string]any{"path": path, "state": "touch", "modification_time": "202001021530.45", "access_time": "preserve"}, []string{"/root/fm"}, "stat -c %Y '/root/fm/it'\\''s $(touch pwned) `x`'")
		assert.Equal(t, "2020-01-02 15:30:45\n", h.Sh(t, "date -d @$(stat -c %Y '/root/fm/it'\\''s $(touch pwned) `x`') '+%F %T'"))
	})

	t.Run("symbolic link", func(t *testing.T) {
		h.Sh(t, "echo x > /root/fm/target")
		res := h.Converge(t, "file", map[string]any{"path": "/root/fm/ln", "src": "target", "state": "link"}, []string{"/root/fm"})
		assert.Equal(t, "/root/fm/ln", res.Data["dest"])
		assert.Equal(t, "target\n", h.Sh(t, "readlink /root/fm/ln"))
		h.Sh(t, "echo y > /root/fm/other")
		res = h.Converge(t, "file", map[string]any{"path": "/root/fm/ln", "src": "/root/fm/other", "state": "link"}, []string{"/root/fm"})
		assert.Contains(t, res.Diff[0].Before, "src: target")
		res, err := h.Run(t, "file", map[string]any{"path": "/root/fm/ln2", "src": "missing", "state": "link"}, false, false)
		require.NoError(t, err)
		assert.Contains(t, res.Msg, `src file does not exist, use "force=yes"`)
		h.Converge(t, "file", map[string]any{"path": "/root/fm/ln2", "src": "missing", "state": "link", "force": true}, []string{"/root/fm"})
		res, err = h.Run(t, "file", map[string]any{"path": "/root/fm/target", "src": "other", "state": "link"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "refusing to convert from file to symlink for /root/fm/target", res.Msg)
	})

	t.Run("hard link", func(t *testing.T) {
		h.Converge(t, "file", map[string]any{"path": "/root/fm/hard", "src": "/root/fm/target", "state": "hard"}, []string{"/root/fm"})
		assert.Equal(t, h.Sh(t, "stat -c %i /root/fm/target"), h.Sh(t, "stat -c %i /root/fm/hard"))
	})

	t.Run("absent", func(t *testing.T) {
		res := h.Converge(t, "file", map[string]any{"path": "/root/fm/a", "state": "absent"}, []string{"/root/fm"})
		assert.Equal(t, "absent", res.Data["state"])
		_, err := h.Run(t, "file", map[string]any{"path": "/x", "state": "gone"}, false, false)
		assert.ErrorContains(t, err, "not one of")
		_, err = h.Run(t, "ansible.builtin.file", map[string]any{"path": "/x", "recurce": true}, false, false)
		assert.ErrorContains(t, err, `did you mean "recurse"`)
	})
})
