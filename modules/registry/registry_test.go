package registry

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func settingsFor(t *testing.T, raw map[string]any) settings {
	t.Helper()
	a, err := Registry{}.Spec().Validate(raw, false)
	require.NoError(t, err)
	s, err := parseSettings(a)
	require.NoError(t, err)
	return s
}

func TestRenderIsStableAndMasksTheSecret(t *testing.T) {
	s := settingsFor(t, map[string]any{"http_secret": "topsecret", "delete_enabled": true, "htpasswd_users": []any{map[string]any{"user": "u", "password": "p"}}})
	a, b := s.render(false), s.render(false)
	assert.Equal(t, a, b)
	assert.Contains(t, string(a), `secret: "topsecret"`)
	assert.NotContains(t, string(s.render(true)), "topsecret")
	assert.NotContains(t, maskSecret(string(a)), "topsecret")
	assert.Equal(t, string(s.render(true)), maskSecret(string(a)))
	assert.Contains(t, string(a), "    enabled: true\n  maintenance:")
	assert.Contains(t, string(a), `path: "/etc/docker/registry/htpasswd"`)
	assert.Equal(t, "http://127.0.0.1:5000/v2/", s.verifyURL)

	tls := settingsFor(t, map[string]any{"addr": "10.0.0.5:443", "tls_cert": "/c.pem", "tls_key": "/k.pem", "readonly": true})
	out := string(tls.render(false))
	assert.Contains(t, out, "  tls:\n    certificate: \"/c.pem\"\n    key: \"/k.pem\"\n")
	assert.Contains(t, out, "    readonly:\n      enabled: true\n")
	assert.NotContains(t, out, "auth:")
	assert.NotContains(t, out, "secret:")
	assert.Equal(t, "https://10.0.0.5:443/v2/", tls.verifyURL)
}

func TestBadArguments(t *testing.T) {
	for _, raw := range []map[string]any{{"addr": "5000"}, {"addr": ":99999"}, {"storage_path": "rel"}} {
		a, err := Registry{}.Spec().Validate(raw, false)
		require.NoError(t, err)
		_, err = parseSettings(a)
		assert.Error(t, err, raw)
	}
	_, err := Registry{}.Spec().Validate(map[string]any{"tls_cert": "/c"}, false)
	assert.Error(t, err)
	for _, users := range [][]any{
		{map[string]any{"user": "a:b", "password": "p"}},
		{map[string]any{"user": "a", "password": ""}},
		{map[string]any{"user": "a", "password": "p"}, map[string]any{"user": "a", "password": "q"}},
		{map[string]any{"user": "a", "password": "p", "pasword": "x"}},
		{"a"},
	} {
		_, err := parseUsers(users)
		assert.Error(t, err, users)
	}
}

func TestHtpasswdKeepsMatchingHashes(t *testing.T) {
	users := []user{{"alice", "s3cret"}, {"bob", "hunter2"}}
	first, err := htpasswd(users, nil)
	require.NoError(t, err)
	assert.NotContains(t, string(first), "s3cret")
	again, err := htpasswd(users, first)
	require.NoError(t, err)
	assert.Equal(t, string(first), string(again), "unchanged passwords keep their hashes")

	changed, err := htpasswd([]user{{"alice", "other"}}, first)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(changed)), "\n")
	require.Len(t, lines, 1, "bob is removed")
	_, hash, _ := strings.Cut(lines[0], ":")
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(hash), []byte("other")))
	assert.Equal(t, "alice: (new bcrypt hash)\n", htpasswdAfter(first, changed))
	assert.Equal(t, "alice: (bcrypt hash)\nbob: (bcrypt hash)\n", userNames(first))
}

func TestParseGC(t *testing.T) {
	b, m, err := parseGC("app\napp: marking manifest sha256:x\n\n3 blobs marked, 2 blobs and 1 manifests eligible for deletion\nblob eligible for deletion: sha256:y\n")
	require.NoError(t, err)
	assert.Equal(t, []int{2, 1}, []int{b, m})
	_, _, err = parseGC("failed to open\n")
	assert.Error(t, err)
}
