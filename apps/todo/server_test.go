package todo_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/apps/todo"
)

func newInstance(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func postJSON(t *testing.T, c *http.Client, u, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := c.Post(u, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestAddAndGetItemJSON(t *testing.T) {
	srv := newInstance(t, todo.NewServer(newMemStore(), "a", nil).Handler())
	resp, out := postJSON(t, srv.Client(), srv.URL+"/items", `{"title": "buy <milk>"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "a", resp.Header.Get("X-Todo-Instance"))
	assert.Equal(t, float64(1), out["id"])
	assert.Equal(t, "/items/1", resp.Header.Get("Location"))

	get, err := srv.Client().Get(srv.URL + "/items/1")
	require.NoError(t, err)
	defer func() { _ = get.Body.Close() }()
	require.Equal(t, http.StatusOK, get.StatusCode)
	var it todo.Item
	require.NoError(t, json.NewDecoder(get.Body).Decode(&it))
	assert.Equal(t, "buy <milk>", it.Title)
	assert.Equal(t, "anonymous", it.Owner, "an API client without a cookie writes as anonymous")
}

func TestBadRequests(t *testing.T) {
	srv := newInstance(t, todo.NewServer(newMemStore(), "a", nil).Handler())
	c := srv.Client()
	for _, body := range []string{`{"title": ""}`, `{"title": "   "}`, `not json`, `{"title": "` + strings.Repeat("x", 201) + `"}`} {
		resp, _ := postJSON(t, c, srv.URL+"/items", body)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	}
	for path, code := range map[string]int{"/items/0": 400, "/items/x": 400, "/items/7": 404, "/nope": 404} {
		resp, err := c.Get(srv.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, code, resp.StatusCode, path)
	}
}

func TestFormPostFromBrowserRedirects(t *testing.T) {
	store := newMemStore()
	srv := newInstance(t, todo.NewServer(store, "a", nil).Handler())
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar}

	// The first visit starts a guest session.
	resp, err := c.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "guest-")
	assert.Contains(t, string(body), "Nothing to do.")

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/items", strings.NewReader(url.Values{"title": {"<script>x</script>"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err = c.Do(req) // follows the 303 to /
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "&lt;script&gt;x&lt;/script&gt;", "titles are escaped")
	assert.NotContains(t, string(body), "<script>x")
	items, _ := store.snapshot()
	require.Len(t, items, 1)
	assert.True(t, strings.HasPrefix(items[0].Owner, "guest-"), "the item belongs to the session's user")
}

// The session lives in the store, so a second instance over the same
// store knows the user after the first one is gone.
func TestSessionSurvivesInstanceLoss(t *testing.T) {
	store := newMemStore()
	a := newInstance(t, todo.NewServer(store, "a", nil).Handler())
	b := newInstance(t, todo.NewServer(store, "b", nil).Handler())
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar}

	resp, out := postJSON(t, c, a.URL+"/login", `{"user": "springuser"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "springuser", out["user"])
	cookies := jar.Cookies(mustURL(t, a.URL))
	require.Len(t, cookies, 1)
	assert.Len(t, cookies[0].Value, 64)
	_, hashes := store.snapshot()
	require.Len(t, hashes, 1)
	assert.NotEqual(t, cookies[0].Value, hashes[0], "the store keeps a hash, not the token")
	resp, _ = postJSON(t, c, a.URL+"/items", `{"title": "one"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	a.Close()

	// Same cookie, other instance (httptest servers differ by port only,
	// and cookies ignore ports).
	resp, err = c.Get(b.URL + "/session")
	require.NoError(t, err)
	var ses map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ses))
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, map[string]string{"user": "springuser", "instance": "b"}, ses)
	items, _ := store.snapshot()
	require.Len(t, items, 1)
	assert.Equal(t, "springuser", items[0].Owner)

	// Logout ends it everywhere.
	req, err := http.NewRequest(http.MethodPost, b.URL+"/logout", nil)
	require.NoError(t, err)
	resp, err = c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, hashes = store.snapshot()
	assert.Empty(t, hashes)
	resp, err = c.Get(b.URL + "/session")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHealthzFollowsTheDatabase(t *testing.T) {
	store := newMemStore()
	srv := newInstance(t, todo.NewServer(store, "a", nil).Handler())
	get := func() int {
		resp, err := srv.Client().Get(srv.URL + "/healthz")
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get())
	store.setDown(true)
	assert.Equal(t, http.StatusServiceUnavailable, get())
	resp, _ := postJSON(t, srv.Client(), srv.URL+"/items", `{"title": "lost?"}`)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "a write the database refused is never acknowledged")
	store.setDown(false)
	assert.Equal(t, http.StatusOK, get())
	items, _ := store.snapshot()
	assert.Empty(t, items)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
