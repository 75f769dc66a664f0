package files_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

const (
	helloSHA256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	helloSHA1   = "f572d396fae9206628714fb2ce00f72e94f2258f"
)

var _ = lab("get_url", func(t *testing.T, hosts []*modtest.Host) {
	s := serve(t, hosts[1], "/root/www-gu", 8082)
	s.put(t, "files/hello.txt", "hello\n")
	s.put(t, "files/SHA256SUMS", "0000000000000000000000000000000000000000000000000000000000000000  other.txt\n"+helloSHA256+" *./hello.txt\n")
	h := hosts[0]
	h.Sh(t, "rm -rf /root/gu /root/gutmp && mkdir /root/gu /root/gutmp")
	requests := func() int { return strings.Count(hosts[1].Sh(t, "cat "+s.Log), "\n----\n") }
	noTemp := func(t *testing.T) {
		assert.Empty(t, strings.TrimSpace(h.Sh(t, "ls -A /root/gu /root/gutmp | grep hactl || true")), "no temporary file left")
	}

	t.Run("converges, then the server's 304 keeps dest", func(t *testing.T) {
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/hello.txt", "mode": "0640"}
		res := h.Converge(t, "get_url", args, []string{"/root/gu"})
		assert.Equal(t, "/root/gu/hello.txt", res.Data["dest"])
		assert.Equal(t, helloSHA1, res.Data["checksum_src"])
		assert.Nil(t, res.Data["checksum_dest"])
		assert.Equal(t, "b1946ac92492d2347c6235b4d2611184", res.Data["md5sum"])
		assert.Equal(t, 200, res.Data["status_code"])
		assert.Equal(t, "OK (6 bytes)", res.Data["msg"])
		assert.Equal(t, "0640", res.Data["mode"])
		assert.EqualValues(t, 6, res.Data["size"])
		again := h.MustRun(t, "get_url", args, false, false)
		assert.Equal(t, 304, again.Data["status_code"])
		assert.Equal(t, "HTTP Error 304: Not Modified", again.Msg)
		noTemp(t)
	})

	t.Run("an older dest is replaced, with a backup; check mode only predicts it", func(t *testing.T) {
		h.Sh(t, "printf old > /root/gu/hello.txt && touch -d 2001-01-01 /root/gu/hello.txt")
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/hello.txt", "backup": true}
		before := h.Snapshot(t, []string{"/root/gu"})
		res := h.MustRun(t, "get_url", args, true, false)
		assert.True(t, res.Changed)
		assert.Equal(t, helloSHA1, res.Data["checksum_src"], "check mode compares the real content")
		assert.Equal(t, before, h.Snapshot(t, []string{"/root/gu"}))
		res = h.MustRun(t, "get_url", args, false, false)
		assert.True(t, res.Changed)
		assert.NotNil(t, res.Data["checksum_dest"])
		backup, _ := res.Data["backup_file"].(string)
		require.NotEmpty(t, backup)
		assert.Equal(t, "old", h.Sh(t, "cat "+backup))
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/gu/hello.txt"))
		assert.Equal(t, "640\n", h.Sh(t, "stat -c %a /root/gu/hello.txt"), "the mode of the replaced file is kept")
		noTemp(t)
	})

	t.Run("checksum: a matching dest needs no request, a mismatch fails and keeps dest", func(t *testing.T) {
		n := requests()
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/hello.txt", "checksum": "sha256:" + strings.ToUpper(helloSHA256)}
		res := h.MustRun(t, "get_url", args, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, "file already exists", res.Msg)
		assert.Equal(t, n, requests(), "no request was made")
		args["mode"] = "0600"
		res = h.MustRun(t, "get_url", args, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "file already exists but file attributes changed", res.Msg)

		bad := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/other.txt", "checksum": "sha1:0000000000000000000000000000000000000000"}
		res, err := h.Run(t, "get_url", bad, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "The checksum for /root/gu/other.txt did not match 0000000000000000000000000000000000000000; it was "+helloSHA1+".", res.Msg)
		assert.Equal(t, "no\n", h.Sh(t, "[ -e /root/gu/other.txt ] && echo yes || echo no"))
		noTemp(t)

		for raw, msg := range map[string]string{
			"deadbeef":      "The checksum parameter has to be in format <algorithm>:<checksum>",
			"sha256:xyz!":   "The checksum format is invalid",
			"crc32:0123abc": "Could not hash file with algorithm 'crc32'",
		} {
			res, err := h.Run(t, "get_url", map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/x", "checksum": raw}, false, false)
			require.NoError(t, err)
			assert.True(t, res.Failed)
			assert.Contains(t, res.Msg, msg)
		}
	})

	t.Run("checksum from a checksum file URL", func(t *testing.T) {
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/sums.txt", "checksum": "sha256:" + s.Base + "/files/SHA256SUMS"}
		res := h.MustRun(t, "get_url", args, false, false)
		assert.True(t, res.Changed)
		res = h.MustRun(t, "get_url", args, false, false)
		assert.Equal(t, "file already exists", res.Msg)
		res, err := h.Run(t, "get_url", map[string]any{"url": s.Base + "/files/none.txt", "dest": "/root/gu/n", "checksum": "sha256:" + s.Base + "/files/SHA256SUMS"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Unable to find a checksum for file 'none.txt' in '"+s.Base+"/files/SHA256SUMS'", res.Msg)
	})

	t.Run("force downloads again but replaces only a different content", func(t *testing.T) {
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/hello.txt", "force": true}
		res := h.MustRun(t, "get_url", args, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, 200, res.Data["status_code"])
		assert.Equal(t, helloSHA1, res.Data["checksum_dest"])
		s.put(t, "files/hello.txt", "hello again\n")
		res = h.MustRun(t, "get_url", args, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "hello again\n", h.Sh(t, "cat /root/gu/hello.txt"))
		s.put(t, "files/hello.txt", "hello\n")
	})

	t.Run("into a directory, by URL name or Content-Disposition", func(t *testing.T) {
		res := h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/"}, false, false)
		assert.Equal(t, "/root/gu/hello.txt", res.Data["dest"])
		h.Sh(t, "mkdir -p /root/gu/sub")
		res = h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/disp", "dest": "/root/gu/sub"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "/root/gu/sub/named.txt", res.Data["dest"], "the suggested name cannot climb out")
		assert.Equal(t, "named\n", h.Sh(t, "cat /root/gu/sub/named.txt"))
		res = h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/disp", "dest": "/root/gu/sub"}, false, false)
		assert.False(t, res.Changed, "same content")
	})

	t.Run("tmp_dest, hostile dest and errors", func(t *testing.T) {
		dest := "/root/gu/it's $(touch pwned-gu) `id` a file"
		res := h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/files/hello.txt", "dest": dest, "tmp_dest": "/root/gutmp"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "hello\n", h.Sh(t, "cat \"/root/gu/it's \\$(touch pwned-gu) \\`id\\` a file\""))
		assert.Equal(t, "0\n", h.Sh(t, "ls / /root /root/gu /tmp | grep -c '^pwned' || true"))
		noTemp(t)

		res, err := h.Run(t, "get_url", map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/gu/y", "tmp_dest": "/root/nodir"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "/root/nodir directory does not exist.", res.Msg)
		res, err = h.Run(t, "get_url", map[string]any{"url": s.Base + "/status/404", "dest": "/root/gu/z"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Request failed", res.Msg)
		assert.Equal(t, 404, res.Data["status_code"])
		assert.Equal(t, "HTTP Error 404: Not Found", res.Data["response"])
		res, err = h.Run(t, "get_url", map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/none/z"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Destination /root/none does not exist", res.Msg)
		res, err = h.Run(t, "get_url", map[string]any{"url": "http://127.0.0.1:1/x", "dest": "/root/gu/z"}, false, false)
		require.NoError(t, err)
		assert.Regexp(t, `^Request failed: <curl error 7: `, res.Msg)
		_, _, err = modtest.Validate("get_url", map[string]any{"url": "http://x/"})
		assert.ErrorContains(t, err, `missing required argument "dest"`)
	})

	t.Run("a server ignoring If-Modified-Since still gets its body installed", func(t *testing.T) {
		h.Sh(t, "printf 'stale but newer\\n' > /root/gu/oldlm.txt")
		res := h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/oldlm", "dest": "/root/gu/oldlm.txt"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "fresh\n", h.Sh(t, "cat /root/gu/oldlm.txt"))
		assert.False(t, h.MustRun(t, "get_url", map[string]any{"url": s.Base + "/oldlm", "dest": "/root/gu/oldlm.txt"}, false, false).Changed)
	})

	t.Run("file:// URLs", func(t *testing.T) {
		h.Sh(t, "printf 'local\\n' > /root/gutmp/local.txt")
		res := h.Converge(t, "get_url", map[string]any{"url": "file:///root/gutmp/local.txt", "dest": "/root/gu/local.txt"}, []string{"/root/gu/local.txt"})
		assert.Equal(t, 200, res.Data["status_code"])
		assert.Equal(t, "local\n", h.Sh(t, "cat /root/gu/local.txt"))
		res, err := h.Run(t, "get_url", map[string]any{"url": "file:///root/gutmp/none", "dest": "/root/gu/none"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "curl error 37")
	})

	t.Run("credentials never on a command line or in the result", func(t *testing.T) {
		sh, rec := spy(h)
		res := sh.MustRun(t, "get_url", map[string]any{"url": s.Base + "/auth", "dest": "/root/gu/auth.txt", "username": "lab", "password": "s3cr3t"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "welcome\n", h.Sh(t, "cat /root/gu/auth.txt"))
		out, err := json.Marshal(res)
		require.NoError(t, err)
		assert.NotContains(t, string(out), "s3cr3t")
		assert.NotContains(t, rec.commands(), "s3cr3t")
	})
})
