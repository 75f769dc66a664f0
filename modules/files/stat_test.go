package files_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("stat and slurp", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, "rm -rf /root/st && mkdir /root/st && printf 'hello\\n' > \"/root/st/it's a file\" && chmod 4750 \"/root/st/it's a file\" && ln -s \"it's a file\" /root/st/ln")

	t.Run("stat of a file", func(t *testing.T) {
		res := h.MustRun(t, "stat", map[string]any{"path": "/root/st/it's a file", "checksum_algorithm": "sha256"}, false, false)
		assert.False(t, res.Changed)
		s := res.Data["stat"].(map[string]any)
		assert.Equal(t, true, s["exists"])
		assert.Equal(t, "4750", s["mode"])
		assert.Equal(t, true, s["isreg"])
		assert.Equal(t, true, s["isuid"])
		assert.Equal(t, false, s["roth"])
		assert.Equal(t, true, s["xgrp"])
		assert.Equal(t, "root", s["pw_name"])
		assert.EqualValues(t, 6, s["size"])
		assert.Equal(t, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", s["checksum"])
		assert.Equal(t, true, s["readable"])
		assert.Contains(t, []any{"text/plain", "unknown"}, s["mimetype"])
	})

	t.Run("stat of a link, followed or not, and of nothing", func(t *testing.T) {
		s := h.MustRun(t, "stat", map[string]any{"path": "/root/st/ln"}, false, false).Data["stat"].(map[string]any)
		assert.Equal(t, true, s["islnk"])
		assert.Equal(t, "it's a file", s["lnk_target"])
		assert.Equal(t, "/root/st/it's a file", s["lnk_source"])
		assert.Nil(t, s["checksum"])
		s = h.MustRun(t, "stat", map[string]any{"path": "/root/st/ln", "follow": true}, false, false).Data["stat"].(map[string]any)
		assert.Equal(t, true, s["isreg"])
		assert.Equal(t, "f572d396fae9206628714fb2ce00f72e94f2258f", s["checksum"])
		s = h.MustRun(t, "stat", map[string]any{"path": "/root/st/none"}, false, false).Data["stat"].(map[string]any)
		assert.Equal(t, map[string]any{"exists": false}, s)
		_, err := h.Run(t, "stat", map[string]any{"path": "/x", "get_checksums": true}, false, false)
		assert.ErrorContains(t, err, `did you mean "get_checksum"`)
	})

	t.Run("slurp", func(t *testing.T) {
		res := h.MustRun(t, "slurp", map[string]any{"src": "/root/st/it's a file"}, false, false)
		b, err := base64.StdEncoding.DecodeString(res.Data["content"].(string))
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(b))
		assert.Equal(t, "base64", res.Data["encoding"])
		res, err = h.Run(t, "slurp", map[string]any{"src": "/root/st/none"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "file not found: /root/st/none", res.Msg)
	})
})
