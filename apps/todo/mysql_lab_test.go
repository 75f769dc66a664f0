package todo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/apps/todo"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// sh runs a shell command inside a lab host.
func sh(t *testing.T, h labtest.Host, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, err := lab.Command(ctx, h.LabDir, h.Name, "sh", "-ec", script)
	require.NoError(t, err)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "%s: %s", script, out.String())
	return out.String()
}

// TestMySQLStoreOnALabHost runs the store against MariaDB on a lab host,
// reached from the controller (10.77.0.1) over the lab network.
func TestMySQLStoreOnALabHost(t *testing.T) {
	h := labtest.Hosts(t, 1, labtest.Options{})[0]
	sh(t, h, `printf '[mysqld]\nbind_address=0.0.0.0\ninnodb_buffer_pool_size=32M\nperformance_schema=OFF\n' > /etc/mysql/mariadb.conf.d/90-test.cnf
systemctl start mariadb
mariadb -e "CREATE DATABASE db_todo; CREATE USER 'springuser'@'10.77.0.1' IDENTIFIED BY 'p@ss:w/rd'; GRANT ALL ON db_todo.* TO 'springuser'@'10.77.0.1'"`)

	store, err := todo.OpenMySQL("springuser:p@ss:w/rd@tcp(" + h.Address + ":3306)/db_todo")
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	require.NoError(t, store.MigrateWithRetry(ctx, time.Second))
	require.NoError(t, store.Migrate(ctx), "the schema is created idempotently")
	assert.Contains(t, sh(t, h, `mariadb -N -e 'SHOW TABLES FROM db_todo'`), "sessions")
	require.NoError(t, store.Ping(ctx))

	id1, err := store.AddItem(ctx, "alice", "first")
	require.NoError(t, err)
	id2, err := store.AddItem(ctx, "alice", `quotes ' " \ and ünïcode`)
	require.NoError(t, err)
	_, err = store.AddItem(ctx, "bob", "other")
	require.NoError(t, err)
	assert.Greater(t, id2, id1)
	it, err := store.Item(ctx, id2)
	require.NoError(t, err)
	assert.Equal(t, `quotes ' " \ and ünïcode`, it.Title)
	assert.Equal(t, "alice", it.Owner)
	assert.WithinDuration(t, time.Now(), it.Created, 5*time.Minute)
	_, err = store.Item(ctx, 999999)
	assert.ErrorIs(t, err, todo.ErrNotFound)
	items, err := store.Items(ctx, "alice", 10)
	require.NoError(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, []int64{id2, id1}, []int64{items[0].ID, items[1].ID}, "newest first")
	items, err = store.Items(ctx, "alice", 1)
	require.NoError(t, err)
	assert.Len(t, items, 1)

	require.NoError(t, store.CreateSession(ctx, strings.Repeat("a", 64), "alice"))
	ses, err := store.Session(ctx, strings.Repeat("a", 64))
	require.NoError(t, err)
	assert.Equal(t, "alice", ses.User)
	require.NoError(t, store.DeleteSession(ctx, strings.Repeat("a", 64)))
	_, err = store.Session(ctx, strings.Repeat("a", 64))
	assert.ErrorIs(t, err, todo.ErrNotFound)

	// Through HTTP: an acknowledged write is in the database.
	srv := newInstance(t, todo.NewServer(store, "lab", nil).Handler())
	resp, out := postJSON(t, srv.Client(), srv.URL+"/items", `{"title": "via http"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	got := sh(t, h, `mariadb -N -e "SELECT title FROM db_todo.items WHERE id = `+jsonNumber(t, out["id"])+`"`)
	assert.Equal(t, "via http", strings.TrimSpace(got))

	// The database goes away: health fails, writes are refused.
	sh(t, h, `systemctl stop mariadb`)
	hc, err := srv.Client().Get(srv.URL + "/healthz")
	require.NoError(t, err)
	_ = hc.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, hc.StatusCode)
	resp, _ = postJSON(t, srv.Client(), srv.URL+"/items", `{"title": "refused"}`)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	// And comes back: the pool reconnects by itself.
	sh(t, h, `systemctl start mariadb`)
	require.Eventually(t, func() bool { return store.Ping(ctx) == nil }, 30*time.Second, 500*time.Millisecond)
	hc, err = srv.Client().Get(srv.URL + "/healthz")
	require.NoError(t, err)
	_ = hc.Body.Close()
	assert.Equal(t, http.StatusOK, hc.StatusCode)
}

func jsonNumber(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
