package files_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("replace", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/rp && mkdir /root/rp && printf 'server a 192.168.56.10\\nserver b 192.168.56.11\\n' > /root/rp/cfg")

	t.Run("converges with diff and backup", func(t *testing.T) {
		res := h.Converge(t, "replace", map[string]any{"path": "/root/rp/cfg", "regexp": `192\.168\.56\.(\d+)`, "replace": `10.77.0.\1`, "backup": true}, []string{"/root/rp"})
		assert.Equal(t, "2 replacements made", res.Msg)
		assert.Equal(t, "server a 10.77.0.10\nserver b 10.77.0.11\n", h.Sh(t, "cat /root/rp/cfg"))
		require.NotEmpty(t, res.Diff)
		assert.Equal(t, "/root/rp/cfg", res.Diff[0].BeforeHeader)
		assert.Equal(t, "server a 192.168.56.10\nserver b 192.168.56.11\n", res.Diff[0].Before)
		assert.Equal(t, "server a 192.168.56.10\nserver b 192.168.56.11\n", h.Sh(t, "cat "+res.Data["backup_file"].(string)))
	})

	t.Run("hostile replacement and validate", func(t *testing.T) {
		hostile := "'$(touch /root/rp/pwned)' `id`"
		h.Converge(t, "replace", map[string]any{"path": "/root/rp/cfg", "regexp": `^server b .*$`, "replace": hostile, "validate": "grep -q server %s"}, []string{"/root/rp/cfg"})
		assert.Equal(t, "server a 10.77.0.10\n"+hostile+"\n", h.Sh(t, "cat /root/rp/cfg"))
		assert.Equal(t, "0\n", h.Sh(t, "ls /root/rp/pwned 2>/dev/null | wc -l"))
		res, err := h.Run(t, "replace", map[string]any{"path": "/root/rp/cfg", "regexp": "server", "replace": "x", "validate": "grep -q server %s"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, h.Sh(t, "cat /root/rp/cfg"), "server a")
	})

	t.Run("errors", func(t *testing.T) {
		res, err := h.Run(t, "replace", map[string]any{"path": "/root/rp/cfg", "regexp": "(?<=a)b"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "lookbehind")
		res, err = h.Run(t, "replace", map[string]any{"path": "/root/rp/none", "regexp": "a"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Path /root/rp/none does not exist !", res.Msg)
		_, err = h.Run(t, "replace", map[string]any{"path": "/root/rp/cfg", "regex": "a"}, false, false)
		assert.ErrorContains(t, err, `did you mean "regexp"`)
	})
})
