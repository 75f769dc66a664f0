package files_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("template", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/tpl && mkdir /root/tpl")
	dir := filepath.Join(h.FilesDir, "templates")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	tpl := "# {{ ansible_managed }}\n{% for p in [80, 443] %}\nlisten {{ p }}\n{% endfor %}\nhost {{ inventory_hostname }}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.conf.j2"), []byte(tpl), 0o644))
	want := "# Ansible managed\nlisten 80\nlisten 443\nhost " + h.Name + "\n"

	t.Run("renders and converges", func(t *testing.T) {
		res := h.Converge(t, "template", map[string]any{"src": "app.conf.j2", "dest": "/root/tpl/app.conf", "mode": "0600", "validate": "grep -q listen %s"}, []string{"/root/tpl"})
		assert.Equal(t, want, h.Sh(t, "cat /root/tpl/app.conf"))
		assert.Equal(t, "0600", res.Data["mode"])
		require.Len(t, res.Diff, 1)
		assert.Equal(t, want, res.Diff[0].After)
		assert.Equal(t, filepath.Join(dir, "app.conf.j2"), res.Diff[0].AfterHeader)
	})

	t.Run("a changed template shows the line diff and makes a backup", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "app.conf.j2"), []byte(tpl+"extra {{ 1 + 1 }}\n"), 0o644))
		res := h.MustRun(t, "template", map[string]any{"src": "app.conf.j2", "dest": "/root/tpl/app.conf", "backup": true}, false, true)
		assert.True(t, res.Changed)
		assert.Equal(t, want, res.Diff[0].Before)
		assert.Equal(t, want+"extra 2\n", res.Diff[0].After)
		assert.Equal(t, want, h.Sh(t, "cat "+res.Data["backup_file"].(string)))
	})

	t.Run("newline_sequence and lstrip_blocks", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "crlf.j2"), []byte("a\n  {% if true %}\nb\n  {% endif %}\n"), 0o644))
		h.Converge(t, "template", map[string]any{"src": "crlf.j2", "dest": "/root/tpl/crlf", "newline_sequence": `\r\n`, "lstrip_blocks": true}, []string{"/root/tpl/crlf"})
		assert.Equal(t, "a\r\nb\r\n", h.Sh(t, "cat /root/tpl/crlf"))
	})

	t.Run("undefined variables fail without touching the host", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.j2"), []byte("{{ nope }}\n"), 0o644))
		res, err := h.Run(t, "template", map[string]any{"src": "bad.j2", "dest": "/root/tpl/bad"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "nope")
		assert.Equal(t, "absent\n", h.Sh(t, "[ -e /root/tpl/bad ] && echo present || echo absent"))
		_, err = h.Run(t, "template", map[string]any{"src": "bad.j2", "dest": "/x", "trim_block": true}, false, false)
		assert.ErrorContains(t, err, `did you mean "trim_blocks"`)
	})
})
