package files_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("blockinfile", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/bi && mkdir /root/bi && printf '127.0.0.1 localhost\\n' > /root/bi/hosts")
	block := "10.77.0.10 nfsha01\n10.77.0.11 '$(touch /root/bi/pwned)'"

	t.Run("insert converges with diff", func(t *testing.T) {
		res := h.Converge(t, "blockinfile", map[string]any{"path": "/root/bi/hosts", "block": block, "marker": "# {mark} HA"}, []string{"/root/bi"})
		assert.Equal(t, "Block inserted", res.Msg)
		want := "127.0.0.1 localhost\n# BEGIN HA\n" + block + "\n# END HA\n"
		assert.Equal(t, want, h.Sh(t, "cat /root/bi/hosts"))
		require.NotEmpty(t, res.Diff)
		assert.Equal(t, "127.0.0.1 localhost\n", res.Diff[0].Before)
		assert.Equal(t, want, res.Diff[0].After)
		assert.Equal(t, "0\n", h.Sh(t, "ls /root/bi/pwned 2>/dev/null | wc -l"))
	})

	t.Run("update with backup, then remove", func(t *testing.T) {
		res := h.MustRun(t, "blockinfile", map[string]any{"path": "/root/bi/hosts", "block": "10.77.0.12 vip", "marker": "# {mark} HA", "backup": true}, false, true)
		assert.True(t, res.Changed)
		assert.Contains(t, h.Sh(t, "cat "+res.Data["backup_file"].(string)), "nfsha01")
		res = h.Converge(t, "blockinfile", map[string]any{"path": "/root/bi/hosts", "marker": "# {mark} HA", "state": "absent"}, []string{"/root/bi/hosts"})
		assert.Equal(t, "Block removed", res.Msg)
		assert.Equal(t, "127.0.0.1 localhost\n", h.Sh(t, "cat /root/bi/hosts"))
	})

	t.Run("create and validate", func(t *testing.T) {
		h.Converge(t, "blockinfile", map[string]any{"path": "/root/bi/sub/new", "block": "x", "create": true, "mode": "0640"}, []string{"/root/bi"})
		assert.Equal(t, "640\n", h.Sh(t, "stat -c %a /root/bi/sub/new"))
		res, err := h.Run(t, "blockinfile", map[string]any{"path": "/root/bi/sub/new", "block": "y", "validate": "false %s"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, h.Sh(t, "cat /root/bi/sub/new"), "\nx\n")
		res, err = h.Run(t, "blockinfile", map[string]any{"path": "/root/bi/none", "block": "y"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Path /root/bi/none does not exist !", res.Msg)
	})
})
