package mysql

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNativeHash(t *testing.T) {
	// The server's PASSWORD('password').
	assert.Equal(t, "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", nativeHash("password"))
	assert.NotEqual(t, nativeHash("a"), nativeHash("b"))
}

func TestQuoting(t *testing.T) {
	assert.Equal(t, `'O\'Brien \\ "x"\n\0'`, sqlString("O'Brien \\ \"x\"\n\x00"))
	assert.Equal(t, "`a``b`", ident("a`b"))
	assert.Equal(t, `'u\''@'%'`, account("u'", "%"))
	assert.Equal(t, `"p\"w\\d\n"`, optionValue("p\"w\\d\n"))
}

func TestParsePriv(t *testing.T) {
	g, err := parsePriv("db.*:ALL,GRANT/`my.db`.tbl:select,insert/*.*:USAGE")
	require.NoError(t, err)
	assert.Equal(t, grants{
		"db.*":      {"ALL PRIVILEGES": true, "GRANT": true},
		"my.db.tbl": {"SELECT": true, "INSERT": true},
		"*.*":       {},
	}, g)
	g, err = parsePriv(map[string]any{"app.*": "SELECT (a, b),UPDATE"})
	require.NoError(t, err)
	assert.Equal(t, grants{"app.*": {"SELECT (A, B)": true, "UPDATE": true}}, g)
	_, err = parsePriv("nodot:ALL")
	assert.Error(t, err)
	_, err = parsePriv("db.*")
	assert.Error(t, err)
}

func TestParseShowGrants(t *testing.T) {
	g, err := parseShowGrants([]string{
		"GRANT PROCESS ON *.* TO `bob`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
		"GRANT ALL PRIVILEGES ON `app`.* TO `bob`@`%` WITH GRANT OPTION",
		"GRANT SELECT, INSERT ON `my``db`.`t` TO `bob`@`%`",
		"GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
		"GRANT `role1` TO `bob`@`%`",
	})
	require.NoError(t, err)
	assert.Equal(t, grants{
		"*.*":     {"PROCESS": true},
		"app.*":   {"ALL PRIVILEGES": true, "GRANT": true},
		"my`db.t": {"SELECT": true, "INSERT": true},
	}, g)
	g, err = parseShowGrants([]string{"GRANT USAGE ON *.* TO `x`@`localhost`"})
	require.NoError(t, err)
	assert.Empty(t, g)
}

func TestGrantPlan(t *testing.T) {
	acc := account("bob", "%")
	cur := grants{"*.*": {"PROCESS": true}, "app.*": {"SELECT": true}}
	want := grants{"app.*": {"SELECT": true}}
	assert.Equal(t, []string{"REVOKE ALL PRIVILEGES ON *.* FROM " + acc}, grantPlan(acc, cur, want, false, false))
	assert.Empty(t, grantPlan(acc, cur, want, true, false), "append_privs never revokes")
	want = grants{"app.*": {"SELECT": true, "INSERT": true, "GRANT": true}}
	assert.Equal(t, []string{"GRANT INSERT ON `app`.* TO " + acc + " WITH GRANT OPTION"}, grantPlan(acc, cur, want, true, false))
	assert.Equal(t, []string{
		"REVOKE ALL PRIVILEGES ON `app`.* FROM " + acc,
		"GRANT INSERT, SELECT ON `app`.* TO " + acc + " WITH GRANT OPTION",
		"REVOKE ALL PRIVILEGES ON *.* FROM " + acc,
	}, grantPlan(acc, cur, want, false, false))
	assert.Equal(t, []string{"REVOKE SELECT ON `app`.* FROM " + acc}, grantPlan(acc, cur, grants{"app.*": {"SELECT": true, "DELETE": true}}, false, true))
	assert.Empty(t, grantPlan(acc, cur, cur, false, false))
}

func TestParseXML(t *testing.T) {
	out := `<?xml version="1.0"?>

<resultset statement="SELECT a, b FROM t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <row>
	<field name="a">O'Brien &amp; "x"
line</field>
	<field name="b" xsi:nil="true" />
  </row>
</resultset>
<?xml version="1.0"?>

<resultset statement="SELECT ROW_COUNT() AS __hactl_rowcount" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <row>
	<field name="__hactl_rowcount">-1</field>
  </row>
</resultset>
`
	rs, err := parseXML(out)
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, []string{"a", "b"}, rs[0].Columns)
	assert.Equal(t, "O'Brien & \"x\"\nline", *rs[0].Rows[0][0])
	assert.Nil(t, rs[0].Rows[0][1])

	res, counts, err := splitResults(rs, 1)
	require.NoError(t, err)
	assert.Equal(t, []int{1}, counts)
	assert.Equal(t, map[string]any{"a": "O'Brien & \"x\"\nline", "b": nil}, res[0][0])
	_, _, err = splitResults(rs, 2)
	assert.Error(t, err)
}

func TestSubstitute(t *testing.T) {
	q, err := substitute("INSERT INTO t VALUES (%s, %s, %s, '100%%')", []any{1, "it's", nil}, nil)
	require.NoError(t, err)
	assert.Equal(t, `INSERT INTO t VALUES (1, 'it\'s', NULL, '100%')`, q)
	q, err = substitute("SELECT * FROM t WHERE a = %(a)s AND b IN %(b)s", nil, map[string]any{"a": true, "b": []any{1, "x"}})
	require.NoError(t, err)
	assert.Equal(t, "SELECT * FROM t WHERE a = 1 AND b IN (1,'x')", q)
	_, err = substitute("SELECT %s, %s", []any{1}, nil)
	assert.Error(t, err)
	_, err = substitute("SELECT %s", []any{1, 2}, nil)
	assert.Error(t, err)
	_, err = substitute("SELECT %(missing)s", nil, map[string]any{})
	assert.Error(t, err)
	_, err = substitute("SELECT %d", []any{1}, nil)
	assert.Error(t, err)
}

func TestChangedKeywords(t *testing.T) {
	assert.True(t, isDDL("  create table x (a int)"))
	assert.True(t, returnsRows("(SELECT 1)"))
	assert.False(t, returnsRows("INSERT INTO t VALUES (1)"))
}
