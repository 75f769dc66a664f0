package files_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

var _ = lab("uri", func(t *testing.T, hosts []*modtest.Host) {
	s := serve(t, hosts[1], "/root/www-uri", 8081)
	s.put(t, "files/hello.txt", "hello\n")
	s.put(t, "files/data.json", `{"a": 1, "b": [true, null, 2.5], "c": {"d": "e"}}`)
	h := hosts[0]

	t.Run("GET returns status, headers, json and content", func(t *testing.T) {
		res := h.MustRun(t, "uri", map[string]any{"url": s.Base + "/files/data.json"}, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, 200, res.Data["status"])
		assert.Equal(t, "OK (49 bytes)", res.Data["msg"])
		assert.Equal(t, "49", res.Data["content_length"])
		assert.Equal(t, "application/json", res.Data["content_type"])
		assert.Contains(t, res.Data["server"], "SimpleHTTP")
		assert.Equal(t, false, res.Data["redirected"])
		assert.Equal(t, s.Base+"/files/data.json", res.Data["url"])
		assert.Equal(t, map[string]any{"a": 1, "b": []any{true, nil, 2.5}, "c": map[string]any{"d": "e"}}, res.Data["json"])
		assert.NotContains(t, res.Data, "content", "content only with return_content")
		assert.Equal(t, 0, res.Data["elapsed"])
		assert.Equal(t, map[string]any{}, res.Data["cookies"])

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/files/hello.txt", "return_content": true}, false, false)
		assert.Equal(t, "hello\n", res.Data["content"])
		assert.NotContains(t, res.Data, "json")
	})

	t.Run("POST JSON with headers, cookies and repeated headers", func(t *testing.T) {
		res := h.MustRun(t, "uri", map[string]any{
			"url": s.Base + "/echo", "method": "post", "body_format": "json",
			"body":    map[string]any{"name": "web", "n": 2, "ok": true, "list": []any{"a", nil}},
			"headers": map[string]any{"X-Trace": "it's $(id) `id`"},
		}, false, false)
		js := res.Data["json"].(map[string]any)
		assert.Equal(t, "POST", js["method"])
		assert.Equal(t, `{"list": ["a", null], "n": 2, "name": "web", "ok": true}`, js["body"])
		hdrs := js["headers"].(map[string]any)
		assert.Equal(t, "application/json", hdrs["Content-Type"])
		assert.Equal(t, "it's $(id) `id`", hdrs["X-Trace"])
		assert.Equal(t, "ansible-httpget", hdrs["User-Agent"])
		assert.Equal(t, map[string]any{"a": "1", "b": "two"}, res.Data["cookies"])
		assert.Equal(t, "a=1; b=two", res.Data["cookies_string"])
		assert.Equal(t, "one, two", res.Data["x_multi"])
		assert.Equal(t, "a=1; Path=/, b=two; Path=/", res.Data["set_cookie"])
	})

	t.Run("form-urlencoded and raw bodies", func(t *testing.T) {
		res := h.MustRun(t, "uri", map[string]any{
			"url": s.Base + "/echo", "method": "PUT", "body_format": "form-urlencoded",
			"body": map[string]any{"q": "a b&c", "tags": []any{"x", "y"}, "skip": nil, "yes": true},
		}, false, false)
		js := res.Data["json"].(map[string]any)
		assert.Equal(t, "q=a+b%26c&tags=x&tags=y&yes=True", js["body"])
		assert.Equal(t, "application/x-www-form-urlencoded", js["headers"].(map[string]any)["Content-Type"])

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "method": "POST", "body": "@/etc/shadow\n\"quoted\" \\ back"}, false, false)
		assert.Equal(t, "@/etc/shadow\n\"quoted\" \\ back", res.Data["json"].(map[string]any)["body"], "the body is sent literally, never read from a file")
	})

	t.Run("body from src, on the controller or the host", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.FilesDir, "body.txt"), []byte("@not a path\n\x00binary"), 0o600))
		res := h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "method": "PUT", "src": "body.txt"}, false, false)
		js := res.Data["json"].(map[string]any)
		assert.Equal(t, "PUT", js["method"])
		assert.Equal(t, "@not a path\n\x00binary", js["body"])
		assert.Empty(t, strings.TrimSpace(h.Sh(t, "ls -A /tmp | grep '^.hactl' || true")), "the uploaded body is removed")

		h.Sh(t, "printf 'on the host' > \"/root/it's body\"")
		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "method": "POST", "src": "/root/it's body", "remote_src": true}, false, false)
		assert.Equal(t, "on the host", res.Data["json"].(map[string]any)["body"])
		res, err := h.Run(t, "uri", map[string]any{"url": s.Base + "/echo", "method": "POST", "src": "/root/none", "remote_src": true}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Unable to open source file /root/none", res.Msg)
		_, _, err = modtest.Validate("uri", map[string]any{"url": "http://x", "body": "a", "src": "b"})
		assert.ErrorContains(t, err, "mutually exclusive")
	})

	t.Run("status codes and failures", func(t *testing.T) {
		res, err := h.Run(t, "uri", map[string]any{"url": s.Base + "/status/404"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Status code was 404 and not [200]: HTTP Error 404: Not Found", res.Msg)
		assert.Equal(t, 404, res.Data["status"])
		assert.NotContains(t, res.Data, "cookies")

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/status/201", "status_code": "200, 201", "return_content": true}, false, false)
		assert.Equal(t, 201, res.Data["status"])
		assert.Equal(t, "status body", res.Data["content"])

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/status/404", "status_code": []any{404}, "return_content": true}, false, false)
		assert.Equal(t, "HTTP Error 404: Not Found", res.Msg)

		res, err = h.Run(t, "uri", map[string]any{"url": "http://127.0.0.1:1/"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, -1, res.Data["status"])
		assert.Regexp(t, `^Status code was -1 and not \[200\]: Request failed: <curl error 7: .*>$`, res.Msg)

		res, err = h.Run(t, "uri", map[string]any{"url": s.Base + "/slow", "timeout": 1}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "curl error 28")

		res, err = h.Run(t, "uri", map[string]any{"url": s.Base + "/echo", "method": "GET me"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Parameter 'method' needs to be a single word in uppercase, like GET or POST.", res.Msg)
	})

	t.Run("redirects", func(t *testing.T) {
		res := h.MustRun(t, "uri", map[string]any{"url": s.Base + "/redirect", "return_content": true}, false, false)
		assert.Equal(t, true, res.Data["redirected"])
		assert.Equal(t, s.Base+"/files/hello.txt", res.Data["url"])
		assert.Equal(t, "hello\n", res.Data["content"])

		res, err := h.Run(t, "uri", map[string]any{"url": s.Base + "/redirect", "method": "POST"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "safe does not follow a POST's redirect")
		assert.Equal(t, 302, res.Data["status"])
		assert.Equal(t, s.Base+"/files/hello.txt", res.Data["location"])
		assert.Equal(t, "Status code was 302 and not [200]: HTTP Error 302: Found", res.Msg)

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/redirect", "follow_redirects": "none", "status_code": 302}, false, false)
		assert.Equal(t, false, res.Data["redirected"])

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/redirect", "method": "POST", "body": "x", "follow_redirects": "all", "return_content": true}, false, false)
		assert.Equal(t, "hello\n", res.Data["content"], "all follows a POST's 302 with a GET")

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "body": "q=1"}, false, false)
		js := res.Data["json"].(map[string]any)
		assert.Equal(t, "GET", js["method"], "a body does not turn GET into POST")
		assert.Equal(t, "q=1", js["body"])
		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/files/hello.txt", "method": "HEAD"}, false, false)
		assert.Equal(t, "6", res.Data["content_length"])
	})

	t.Run("credentials reach the server but no command line or output", func(t *testing.T) {
		sh, rec := spy(h)
		res, err := sh.Run(t, "uri", map[string]any{"url": s.Base + "/auth", "url_username": "lab", "url_password": "wrong"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, 401, res.Data["status"])
		res = sh.MustRun(t, "uri", map[string]any{"url": s.Base + "/auth", "url_username": "lab", "url_password": "s3cr3t", "return_content": true}, false, false)
		assert.Equal(t, "welcome\n", res.Data["content"])
		res = sh.MustRun(t, "uri", map[string]any{"url": s.Base + "/auth", "user": "lab", "password": "s3cr3t", "force_basic_auth": true}, false, false)
		assert.Equal(t, 200, res.Data["status"])
		out, err := json.Marshal(res)
		require.NoError(t, err)
		assert.NotContains(t, string(out), "s3cr3t")
		assert.NotContains(t, rec.commands(), "s3cr3t")
		assert.NotContains(t, rec.commands(), "wrong")
	})

	t.Run("hostile URL stays one literal argument", func(t *testing.T) {
		res := h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo?x=$(touch${IFS}/tmp/pwned)'\"`id`;a"}, false, false)
		assert.Equal(t, "/echo?x=$(touch${IFS}/tmp/pwned)'\"`id`;a", res.Data["json"].(map[string]any)["path"])
		assert.Equal(t, "no\n", h.Sh(t, "[ -e /tmp/pwned ] && echo yes || echo no"))
	})

	t.Run("dest, creates and removes", func(t *testing.T) {
		h.Sh(t, "rm -rf /root/uri && mkdir /root/uri")
		args := map[string]any{"url": s.Base + "/files/hello.txt", "dest": "/root/uri/out.txt", "mode": "0600"}
		res := h.MustRun(t, "uri", args, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "/root/uri/out.txt", res.Data["path"])
		assert.Equal(t, "0600", res.Data["mode"])
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/uri/out.txt"))
		again, err := h.Run(t, "uri", args, false, false)
		require.NoError(t, err)
		assert.True(t, again.Failed, "as in Ansible, the existing file is sent as If-Modified-Since and 304 is not in status_code")
		assert.Equal(t, "Status code was 304 and not [200]: HTTP Error 304: Not Modified", again.Msg)
		assert.Equal(t, "0600", again.Data["mode"])
		args["status_code"] = []any{200, 304}
		again = h.MustRun(t, "uri", args, false, false)
		assert.False(t, again.Changed)
		assert.Equal(t, 304, again.Data["status"])
		h.Sh(t, "printf changed > /root/uri/out.txt && touch -d 2001-01-01 /root/uri/out.txt")
		again = h.MustRun(t, "uri", args, false, false)
		assert.True(t, again.Changed, "an older file is replaced")
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/uri/out.txt"))
		assert.Equal(t, "600\n", h.Sh(t, "stat -c %a /root/uri/out.txt"))

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/files/data.json", "dest": "/root/uri/"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, "/root/uri/data.json", res.Data["path"])
		assert.Empty(t, strings.TrimSpace(h.Sh(t, "ls -A /root/uri | grep hactl || true")), "no temporary file left")

		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "creates": "/root/uri/out.txt"}, false, false)
		assert.False(t, res.Changed)
		assert.Equal(t, "skipped, since '/root/uri/out.txt' exists", res.Data["stdout"])
		assert.NotContains(t, res.Data, "status")
		res = h.MustRun(t, "uri", map[string]any{"url": s.Base + "/echo", "removes": "/root/uri/none"}, false, false)
		assert.Equal(t, "skipped, since '/root/uri/none' does not exist", res.Data["stdout"])
	})

	t.Run("invalid arguments are caught before running", func(t *testing.T) {
		for _, args := range []map[string]any{
			{"method": "GET"},
			{"url": "http://x", "body_format": "xml"},
			{"url": "http://x", "status_code": "abc"},
			{"url": "http://x", "follow_redirects": "maybe"},
			{"url": "http://x", "timeout": "soon"},
		} {
			_, _, err := modtest.Validate("uri", args)
			assert.Error(t, err, fmt.Sprint(args))
		}
	})
})
