package mysql

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Query{}) }

// Query is the mysql_query module.
type Query struct{}

// rowcountColumn names the marker result that follows each query.
const rowcountColumn = "__hactl_rowcount"

// Spec describes mysql_query.
func (Query) Spec() module.Spec {
	return module.Spec{
		Name:  "mysql_query",
		Short: "Run SQL queries on MariaDB/MySQL and return their results",
		Doc: `Runs one query or a list of queries through the mariadb (or mysql) client on the host, in one session, and returns each query's rows (NULL as null), row count and text.

positional_args replace %s placeholders and named_args replace %(name)s placeholders with SQL literals (strings quoted and escaped, numbers as they are, null as NULL), as the Python driver does; %% is a literal %. Without arguments the query text is sent as it is.

The task reports changed when a data-definition statement ran (CREATE, DROP, ALTER, RENAME, TRUNCATE, GRANT, REVOKE…) or a statement affected rows. Queries are separated by the client at ";" so each list item should hold one statement (no stored-program bodies). Not supported in check mode (the task is skipped).`,
		Params: append([]module.Param{
			{Name: "query", Type: module.Raw, Required: true, Doc: "A query, or a list of queries run in order."},
			{Name: "positional_args", Type: module.List, Doc: "Values for %s placeholders."},
			{Name: "named_args", Type: module.Dict, Doc: "Values for %(name)s placeholders."},
			{Name: "login_db", Type: module.Str, Doc: "Database to use."},
			{Name: "single_transaction", Type: module.Bool, Default: false, Doc: "Run all queries in one transaction, committed at the end (rolled back if one fails)."},
		}, loginParams()...),
		MutuallyExclusive: [][]string{{"positional_args", "named_args"}},
		Examples: `- name: Count rows
  community.mysql.mysql_query:
    login_db: db_todo
    query: SELECT COUNT(*) AS n FROM todo WHERE owner = %(owner)s
    named_args:
      owner: "O'Brien"
  register: r
- debug:
    msg: "{{ r.query_result[0][0].n }}"`,
		Returns: []module.ReturnValue{
			{Name: "query_result", Type: module.List, Doc: "One list of rows (column → value mappings) per query."},
			{Name: "rowcount", Type: module.List, Doc: "Rows returned (queries with results) or affected (others), per query."},
			{Name: "executed_queries", Type: module.List, Doc: "The queries as sent, placeholders substituted."},
		},
	}
}

// Run executes the queries.
func (Query) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	var queries []string
	switch q := a["query"].(type) {
	case string:
		queries = []string{q}
	case []any:
		for _, x := range q {
			s, ok := x.(string)
			if !ok {
				return module.Failf("mysql_query: query list items must be strings, got %T", x), nil
			}
			queries = append(queries, s)
		}
	default:
		return module.Failf("mysql_query: query must be a string or a list of strings"), nil
	}
	var executed []string
	for _, q := range queries {
		q = strings.TrimRight(strings.TrimSpace(q), "; \t\n")
		if q == "" {
			return module.Failf("mysql_query: empty query"), nil
		}
		if a.Has("positional_args") || a.Has("named_args") {
			s, err := substitute(q, a.List("positional_args"), a.Dict("named_args"))
			if err != nil {
				return module.Failf("mysql_query: %v", err), nil
			}
			q = s
		}
		executed = append(executed, q)
	}
	var body strings.Builder
	if db := a.String("login_db"); db != "" {
		body.WriteString("USE " + ident(db) + ";\n")
	}
	if a.Bool("single_transaction") {
		body.WriteString("START TRANSACTION;\n")
	}
	for _, q := range executed {
		body.WriteString(q + ";\nSELECT ROW_COUNT() AS " + rowcountColumn + ";\n")
	}
	if a.Bool("single_transaction") {
		body.WriteString("COMMIT;\n")
	}
	c := newClient(t.Conn, a)
	rs, err := c.query(ctx, body.String())
	if err != nil {
		return module.Failf("mysql_query: %v", err), nil
	}
	results, counts, err := splitResults(rs, len(executed))
	if err != nil {
		return module.Failf("mysql_query: %v", err), nil
	}
	changed := false
	for i, q := range executed {
		if isDDL(q) || (!returnsRows(q) && counts[i] > 0) {
			changed = true
		}
	}
	return module.Result{
		Changed: changed,
		Data:    map[string]any{"query_result": results, "rowcount": counts, "executed_queries": executed},
	}, nil
}

// splitResults pairs each query with its result rows and row count: the
// marker result closes a query; a result before it holds the rows.
func splitResults(rs []resultSet, n int) ([][]map[string]any, []int, error) {
	results := make([][]map[string]any, 0, n)
	counts := make([]int, 0, n)
	var pending *resultSet
	for i := range rs {
		r := &rs[i]
		if len(r.Columns) == 1 && r.Columns[0] == rowcountColumn {
			rows := []map[string]any{}
			count := 0
			if len(r.Rows) == 1 && len(r.Rows[0]) == 1 {
				count, _ = strconv.Atoi(str(r.Rows[0][0]))
			}
			if pending != nil {
				for _, row := range pending.Rows {
					m := map[string]any{}
					for j, v := range row {
						if j < len(pending.Columns) {
							if v == nil {
								m[pending.Columns[j]] = nil
							} else {
								m[pending.Columns[j]] = *v
							}
						}
					}
					rows = append(rows, m)
				}
				count = len(pending.Rows)
			}
			if count < 0 {
				count = 0
			}
			results = append(results, rows)
			counts = append(counts, count)
			pending = nil
			continue
		}
		pending = r
	}
	if len(results) != n {
		return nil, nil, fmt.Errorf("got results for %d of %d queries", len(results), n)
	}
	return results, counts, nil
}

// firstWord returns a query's leading keyword, upper-cased.
func firstWord(q string) string {
	q = strings.TrimLeft(q, " \t\r\n(")
	end := strings.IndexFunc(q, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	if end < 0 {
		end = len(q)
	}
	return strings.ToUpper(q[:end])
}

func isDDL(q string) bool {
	switch firstWord(q) {
	case "CREATE", "DROP", "ALTER", "RENAME", "TRUNCATE", "GRANT", "REVOKE":
		return true
	}
	return false
}

func returnsRows(q string) bool {
	switch firstWord(q) {
	case "SELECT", "SHOW", "DESC", "DESCRIBE", "EXPLAIN", "WITH", "VALUES", "TABLE", "HELP", "CHECKSUM", "ANALYZE", "USE", "SET":
		return true
	}
	return false
}

// substitute replaces %s (positional) or %(name)s (named) placeholders
// with SQL literals; %% becomes %.
func substitute(q string, pos []any, named map[string]any) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '%' {
			b.WriteByte(q[i])
			continue
		}
		if i+1 >= len(q) {
			return "", fmt.Errorf("query ends with a lone %%")
		}
		switch q[i+1] {
		case '%':
			b.WriteByte('%')
			i++
		case 's':
			if named != nil || next >= len(pos) {
				return "", fmt.Errorf("not enough positional_args for the %%s placeholders")
			}
			b.WriteString(literal(pos[next]))
			next++
			i++
		case '(':
			end := strings.Index(q[i:], ")s")
			if end < 0 {
				return "", fmt.Errorf("unterminated %%(name)s placeholder")
			}
			key := q[i+2 : i+end]
			v, ok := named[key]
			if !ok {
				return "", fmt.Errorf("named_args has no %q", key)
			}
			b.WriteString(literal(v))
			i += end + 1
		default:
			return "", fmt.Errorf("unsupported placeholder %%%c (use %%s, %%(name)s or %%%%)", q[i+1])
		}
	}
	if named == nil && next != len(pos) {
		return "", fmt.Errorf("%d positional_args for %d placeholders", len(pos), next)
	}
	return b.String(), nil
}

// literal renders a value as an SQL literal.
func literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int, int64, float64:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = literal(e)
		}
		return "(" + strings.Join(parts, ",") + ")"
	case map[string]any:
		return sqlString(fmt.Sprint(maps.Collect(maps.All(x))))
	}
	return sqlString(fmt.Sprint(v))
}
