package mysql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/mysql"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// hostile values are passed literally: quotes, backslashes, dollars.
const (
	hostileDB   = `o'brien "db"`
	hostileUser = `bob'; DROP USER root --`
	hostilePW   = `p'a"ss\word $HOME ` + "`x`"
)

func server(t *testing.T) *modtest.Host {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	h.Sh(t, "printf '[mysqld]\\ninnodb_buffer_pool_size=32M\\nperformance_schema=OFF\\n' > /etc/mysql/mariadb.conf.d/90-small.cnf && systemctl start mariadb")
	return h
}

func sqlOut(t *testing.T, h *modtest.Host, q string) string {
	t.Helper()
	return strings.TrimSpace(h.Sh(t, "mariadb --batch --raw --skip-column-names -e '"+strings.ReplaceAll(q, "'", `'\''`)+"'"))
}

func TestMySQLModules(t *testing.T) {
	h := server(t)
	dbs := "mariadb -N -B -e 'SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA ORDER BY 1'"
	users := "mariadb -N -B -e 'SELECT user, host, plugin, authentication_string FROM mysql.user ORDER BY 1, 2'"

	t.Run("db", func(t *testing.T) {
		h.Converge(t, "community.mysql.mysql_db", map[string]any{"name": hostileDB, "encoding": "utf8mb4", "collation": "utf8mb4_unicode_ci"}, nil, dbs)
		assert.Equal(t, "utf8mb4_unicode_ci", sqlOut(t, h, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'o\\'brien \"db\"'"))
		h.Converge(t, "mysql_db", map[string]any{"name": []any{hostileDB, "app"}, "collation": "utf8mb4_bin"}, nil, dbs)
		assert.Equal(t, "utf8mb4_bin", sqlOut(t, h, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'app'"))
		h.Converge(t, "mysql_db", map[string]any{"name": hostileDB, "state": "absent"}, nil, dbs)
		res := h.MustRun(t, "mysql_db", map[string]any{"name": "app", "state": "dump", "target": "/root/app.sql.gz"}, false, false)
		assert.True(t, res.Changed)
		assert.Contains(t, h.Sh(t, "zcat /root/app.sql.gz"), "CREATE DATABASE")
		_, err := h.Run(t, "mysql_db", map[string]any{"name": "app", "state": "dump"}, false, false)
		assert.ErrorContains(t, err, "target")
	})

	t.Run("user", func(t *testing.T) {
		args := map[string]any{"name": hostileUser, "host": "%", "password": hostilePW, "priv": "app.*:SELECT,INSERT/*.*:PROCESS"}
		first := h.Converge(t, "community.mysql.mysql_user", args, nil, users, "mariadb -N -B -e \"SHOW GRANTS FOR 'bob\\'; DROP USER root --'@'%'\" || true")
		assert.Equal(t, true, first.Data["password_changed"])
		for _, c := range first.Data["executed_commands"].([]string) {
			assert.NotContains(t, c, "ss\\word", "password leaked into executed_commands")
		}
		// Neither the password nor the hash the server stored shows in
		// the result (message, data, diff).
		stored := sqlOut(t, h, `SELECT authentication_string FROM mysql.user WHERE user = 'bob\'; DROP USER root --'`)
		require.True(t, strings.HasPrefix(stored, "*"), stored)
		shown := fmt.Sprintf("%+v", first)
		assert.NotContains(t, shown, "ss\\word", "password leaked into the result")
		assert.NotContains(t, shown, stored, "password hash leaked into the result")
		assert.NotEmpty(t, first.Diff, "diff mode shows the account change")
		grants := sqlOut(t, h, `SHOW GRANTS FOR 'bob\'; DROP USER root --'@'%'`)
		assert.Contains(t, grants, "GRANT SELECT, INSERT ON `app`.*")
		assert.Contains(t, grants, "GRANT PROCESS ON *.*")

		// The password works, with the hostile value read from the option file.
		res := h.MustRun(t, "mysql_query", map[string]any{
			"login_user": hostileUser, "login_password": hostilePW, "login_host": "127.0.0.1",
			"query": "SELECT CURRENT_USER() AS u",
		}, false, false)
		assert.Equal(t, hostileUser+"@%", res.Data["query_result"].([][]map[string]any)[0][0]["u"])
		assert.NotContains(t, fmt.Sprint(res), "ss\\word")

		// Replace privileges, then append.
		h.Converge(t, "mysql_user", map[string]any{"name": hostileUser, "host": "%", "priv": map[string]any{"app.*": "ALL,GRANT"}}, nil, users, "mariadb -N -B -e \"SHOW GRANTS FOR 'bob\\'; DROP USER root --'@'%'\"")
		grants = sqlOut(t, h, `SHOW GRANTS FOR 'bob\'; DROP USER root --'@'%'`)
		assert.Contains(t, grants, "GRANT ALL PRIVILEGES ON `app`.* TO")
		assert.Contains(t, grants, "WITH GRANT OPTION")
		assert.NotContains(t, grants, "PROCESS")
		h.Converge(t, "mysql_user", map[string]any{"name": hostileUser, "host": "%", "priv": "mysql.user:SELECT", "append_privs": true}, nil, "mariadb -N -B -e \"SHOW GRANTS FOR 'bob\\'; DROP USER root --'@'%'\"")
		grants = sqlOut(t, h, `SHOW GRANTS FOR 'bob\'; DROP USER root --'@'%'`)
		assert.Contains(t, grants, "ALL PRIVILEGES ON `app`.*")
		assert.Contains(t, grants, "GRANT SELECT ON `mysql`.`user`")

		// A new password is detected through the stored hash.
		res = h.Converge(t, "mysql_user", map[string]any{"name": hostileUser, "host": "%", "password": "other"}, nil, users)
		assert.Equal(t, true, res.Data["password_changed"])
		res = h.MustRun(t, "mysql_user", map[string]any{"name": hostileUser, "host": "%", "password": "third", "update_password": "on_create"}, false, false)
		assert.False(t, res.Changed, "on_create keeps an existing password")

		h.Converge(t, "mysql_user", map[string]any{"name": "ops", "plugin": "unix_socket", "priv": "*.*:ALL"}, nil, users)
		assert.Contains(t, sqlOut(t, h, "SELECT plugin FROM mysql.user WHERE user = 'ops'"), "unix_socket")
		h.Converge(t, "mysql_user", map[string]any{"name": hostileUser, "host_all": true, "state": "absent"}, nil, users)
		assert.Equal(t, "0", sqlOut(t, h, `SELECT COUNT(*) FROM mysql.user WHERE user = 'bob\'; DROP USER root --'`))
	})

	t.Run("empty password", func(t *testing.T) {
		acct := "mariadb -N -B -e \"SELECT plugin, authentication_string FROM mysql.user WHERE user = 'probe'\""
		auth := "SELECT authentication_string FROM mysql.user WHERE user = 'probe'"
		args := map[string]any{"name": "probe", "host": "127.0.0.1", "password": ""}
		res := h.Converge(t, "mysql_user", args, nil, acct)
		assert.Equal(t, false, res.Data["password_changed"])
		assert.Equal(t, "", sqlOut(t, h, auth), "an empty password means no password, not the hash of \"\"")
		assert.Equal(t, "probe@127.0.0.1", strings.TrimSpace(h.Sh(t, "mariadb --no-defaults -h 127.0.0.1 -u probe -N -B -e 'SELECT CURRENT_USER()'")),
			"the account logs in without a password")

		// A real password is set; a later empty one leaves it alone.
		h.Converge(t, "mysql_user", map[string]any{"name": "probe", "host": "127.0.0.1", "password": "pr0be-pw"}, nil, acct)
		hash := sqlOut(t, h, auth)
		require.True(t, strings.HasPrefix(hash, "*"), hash)
		res = h.MustRun(t, "mysql_user", args, false, true)
		assert.False(t, res.Changed, res.Msg)
		assert.Equal(t, hash, sqlOut(t, h, auth), "password: \"\" does not clear an existing password")
		h.Converge(t, "mysql_user", map[string]any{"name": "probe", "host": "127.0.0.1", "state": "absent"}, nil, acct)
	})

	t.Run("query", func(t *testing.T) {
		res := h.MustRun(t, "mysql_query", map[string]any{
			"login_db": "app",
			"query":    []any{"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50), note TEXT NULL)", "SELECT COUNT(*) AS n FROM t"},
		}, false, false)
		assert.True(t, res.Changed, "DDL changes")
		assert.Equal(t, []int{0, 1}, res.Data["rowcount"])
		assert.Equal(t, "0", res.Data["query_result"].([][]map[string]any)[1][0]["n"])
		res = h.MustRun(t, "mysql_query", map[string]any{
			"login_db":        "app",
			"query":           "INSERT INTO t VALUES (%s, %s, %s), (%s, %s, %s)",
			"positional_args": []any{1, `O'Brien \ "x"` + "\ttab\nline", nil, 2, "NULL", "100%"},
		}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, []int{2}, res.Data["rowcount"])

		res = h.MustRun(t, "mysql_query", map[string]any{
			"login_db":   "app",
			"query":      "SELECT id, name, note FROM t WHERE id >= %(min)s ORDER BY id",
			"named_args": map[string]any{"min": 1},
		}, false, false)
		assert.False(t, res.Changed)
		rows := res.Data["query_result"].([][]map[string]any)[0]
		require.Len(t, rows, 2)
		assert.Equal(t, `O'Brien \ "x"`+"\ttab\nline", rows[0]["name"])
		assert.Nil(t, rows[0]["note"], "NULL stays distinct from the string NULL")
		assert.Equal(t, "NULL", rows[1]["name"])
		assert.Equal(t, "100%", rows[1]["note"])
		assert.Equal(t, []int{2}, res.Data["rowcount"])

		res = h.MustRun(t, "mysql_query", map[string]any{"login_db": "app", "query": "UPDATE t SET note = 'same' WHERE id = 99"}, false, false)
		assert.False(t, res.Changed, "an UPDATE matching no row changes nothing")

		res, err := h.Run(t, "mysql_query", map[string]any{
			"login_db": "app", "single_transaction": true,
			"query": []any{"INSERT INTO t VALUES (3, 'three', NULL)", "INSERT INTO t VALUES (1, 'duplicate', NULL)"},
		}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Duplicate entry")
		assert.Equal(t, "2", sqlOut(t, h, "SELECT COUNT(*) FROM app.t"), "the failed transaction was rolled back")
	})
}
