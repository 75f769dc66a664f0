package files_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("lineinfile", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/li && mkdir /root/li && printf 'a=1\\nport=80\\nb=2\\n' > /root/li/conf")

	t.Run("replace converges with diff and backup", func(t *testing.T) {
		res := h.Converge(t, "lineinfile", map[string]any{"path": "/root/li/conf", "regexp": "^port=", "line": "port=8080", "backup": true, "mode": "0600"}, []string{"/root/li/conf"})
		assert.Equal(t, "line replaced and ownership, perms or SE linux context changed", res.Msg)
		assert.Equal(t, "a=1\nport=8080\nb=2\n", h.Sh(t, "cat /root/li/conf"))
		require.NotEmpty(t, res.Diff)
		assert.Equal(t, "a=1\nport=80\nb=2\n", res.Diff[0].Before)
		assert.Equal(t, "a=1\nport=8080\nb=2\n", res.Diff[0].After)
		assert.Equal(t, "/root/li/conf (content)", res.Diff[0].BeforeHeader)
		assert.Equal(t, "a=1\nport=80\nb=2\n", h.Sh(t, "cat "+res.Data["backup"].(string)))
		assert.Equal(t, "600\n", h.Sh(t, "stat -c %a /root/li/conf"))
	})

	t.Run("absent", func(t *testing.T) {
		res := h.Converge(t, "lineinfile", map[string]any{"path": "/root/li/conf", "regexp": "^b=", "state": "absent"}, []string{"/root/li/conf"})
		assert.Equal(t, "1 line(s) removed", res.Msg)
		assert.Equal(t, 1, res.Data["found"])
	})

	t.Run("create with parents and hostile line", func(t *testing.T) {
		line := "x='$(touch /root/li/pwned)' `id` \"q\""
		h.Converge(t, "lineinfile", map[string]any{"path": "/root/li/new dir/it's.conf", "line": line, "create": true}, []string{"/root/li"})
		assert.Equal(t, line+"\n", h.Sh(t, `cat "/root/li/new dir/it's.conf"`))
		assert.Equal(t, "0\n", h.Sh(t, "ls /root/li/pwned 2>/dev/null | wc -l"))
	})

	t.Run("missing file without create fails", func(t *testing.T) {
		res, err := h.Run(t, "lineinfile", map[string]any{"path": "/root/li/none", "line": "x"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Destination /root/li/none does not exist !", res.Msg)
		assert.Equal(t, 257, res.Data["rc"])
	})

	t.Run("validate failure leaves the file", func(t *testing.T) {
		res, err := h.Run(t, "lineinfile", map[string]any{"path": "/root/li/conf", "line": "bad", "validate": "grep -q good %s"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "failed to validate", res.Msg)
		assert.Equal(t, "a=1\nport=8080\n", h.Sh(t, "cat /root/li/conf"))
	})

	t.Run("typo in argument", func(t *testing.T) {
		_, err := h.Run(t, "ansible.builtin.lineinfile", map[string]any{"path": "/root/li/conf", "line": "x", "insertafer": "EOF"}, false, false)
		assert.ErrorContains(t, err, `did you mean "insertafter"`)
	})
})

var _ = lab("text edits through a symlink", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/sl && mkdir /root/sl && printf 'a\\n' > /root/sl/real && ln -s real /root/sl/link")
	h.Converge(t, "lineinfile", map[string]any{"path": "/root/sl/link", "line": "b"}, []string{"/root/sl"})
	h.Converge(t, "blockinfile", map[string]any{"path": "/root/sl/link", "block": "c"}, []string{"/root/sl"})
	h.Converge(t, "replace", map[string]any{"path": "/root/sl/link", "regexp": "^a$", "replace": "A"}, []string{"/root/sl"})
	assert.Equal(t, "real\n", h.Sh(t, "readlink /root/sl/link"), "the link stays a link")
	assert.Equal(t, "A\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nc\n# END ANSIBLE MANAGED BLOCK\n", h.Sh(t, "cat /root/sl/real"))
})
