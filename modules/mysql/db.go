package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(DB{}) }

// DB is the mysql_db module.
type DB struct{}

// Spec describes mysql_db.
func (DB) Spec() module.Spec {
	return module.Spec{
		Name:  "mysql_db",
		Short: "Add, remove, dump or import MariaDB/MySQL databases",
		Doc: `Creates or drops databases, or dumps them to / imports them from a file on the host, through the mariadb (or mysql) client on the host.

present creates missing databases with the given encoding and collation, and alters existing ones whose encoding or collation differ. absent drops them. dump writes target with mariadb-dump (gzip, bzip2 or xz when target ends in .gz, .bz2 or .xz); import feeds target to the client. dump and import always report a change.`,
		Params: append([]module.Param{
			{Name: "name", Type: module.List, Elements: module.Str, Required: true, Aliases: []string{"db"}, Doc: "Database name(s). all means every database for dump and import."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent", "dump", "import"}, Doc: "The desired state, or the action."},
			{Name: "encoding", Type: module.Str, Doc: "Character set of the database (utf8mb4)."},
			{Name: "collation", Type: module.Str, Doc: "Collation of the database (utf8mb4_unicode_ci)."},
			{Name: "target", Type: module.Path, Doc: "Dump file on the host, for dump and import."},
			{Name: "single_transaction", Type: module.Bool, Default: false, Doc: "dump: use --single-transaction."},
			{Name: "quick", Type: module.Bool, Default: true, Doc: "dump: use --quick."},
			{Name: "ignore_tables", Type: module.List, Elements: module.Str, Default: []any{}, Doc: "dump: tables to skip, as db.table."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "dump/import: continue after errors."},
		}, loginParams()...),
		CheckMode:  true,
		RequiredIf: []module.RequiredIf{{Param: "state", Value: "dump", Requires: []string{"target"}}, {Param: "state", Value: "import", Requires: []string{"target"}}},
		Examples: `- name: Application database
  community.mysql.mysql_db:
    name: db_todo
    encoding: utf8mb4
    collation: utf8mb4_unicode_ci

- name: Nightly dump
  mysql_db:
    name: all
    state: dump
    target: /var/backups/all.sql.gz`,
		Returns: []module.ReturnValue{
			{Name: "db", Type: module.Str, Doc: "The first database name."},
			{Name: "db_list", Type: module.List, Doc: "All database names given."},
			{Name: "executed_commands", Type: module.List, Doc: "The SQL statements (or commands) run."},
		},
	}
}

// schema is a database as information_schema describes it.
type schema struct{ charset, collation string }

// Run converges the databases.
func (DB) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	names := a.Strings("name")
	c := newClient(t.Conn, a)
	state := a.String("state")
	data := map[string]any{"db": first(names), "db_list": names, "executed_commands": []string{}}
	if state == "dump" || state == "import" {
		return dumpImport(ctx, t, c, a, names, data)
	}
	if slices.Contains(names, "all") {
		return module.Failf("mysql_db: name all is only valid with state dump or import"), nil
	}
	cur, err := gatherSchemas(ctx, c, names)
	if err != nil {
		return module.Failf("mysql_db: %v", err), nil
	}
	var sql []string
	var before, after []string
	for _, n := range names {
		s, exists := cur[n]
		switch {
		case state == "absent" && exists:
			sql = append(sql, "DROP DATABASE "+ident(n))
			before, after = append(before, "database "+n+": present"), append(after, "database "+n+": absent")
		case state == "present" && !exists:
			sql = append(sql, "CREATE DATABASE "+ident(n)+charsetClause(a))
			before, after = append(before, "database "+n+": absent"), append(after, "database "+n+": present"+charsetClause(a))
		case state == "present" && exists:
			enc, col := a.String("encoding"), a.String("collation")
			if (enc != "" && !strings.EqualFold(enc, s.charset)) || (col != "" && !strings.EqualFold(col, s.collation)) {
				sql = append(sql, "ALTER DATABASE "+ident(n)+charsetClause(a))
				before = append(before, fmt.Sprintf("database %s: CHARACTER SET %s COLLATE %s", n, s.charset, s.collation))
				after = append(after, "database "+n+":"+charsetClause(a))
			}
		}
	}
	data["executed_commands"] = sql
	res := module.Result{Changed: len(sql) > 0, Data: data}
	if t.Diff && len(sql) > 0 {
		res.Diff = []module.FileDiff{{BeforeHeader: "databases", AfterHeader: "databases", Before: strings.Join(before, "\n") + "\n", After: strings.Join(after, "\n") + "\n"}}
	}
	if len(sql) == 0 || t.Check {
		return res, nil
	}
	if _, err := c.query(ctx, strings.Join(sql, ";\n")+";\n"); err != nil {
		return module.Failf("mysql_db: %v", err), nil
	}
	got, err := gatherSchemas(ctx, c, names)
	if err != nil {
		return module.Failf("mysql_db: verify: %v", err), nil
	}
	for _, n := range names {
		if _, ok := got[n]; ok != (state == "present") {
			return module.Failf("mysql_db: verify: database %s is not %s", n, state), nil
		}
	}
	return res, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func charsetClause(a module.Args) string {
	s := ""
	if e := a.String("encoding"); e != "" {
		s += " CHARACTER SET " + sqlString(e)
	}
	if c := a.String("collation"); c != "" {
		s += " COLLATE " + sqlString(c)
	}
	return s
}

// gatherSchemas reads the named databases' character sets in one query.
func gatherSchemas(ctx context.Context, c *client, names []string) (map[string]schema, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = sqlString(n)
	}
	rs, err := c.query(ctx, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ("+
		strings.Join(quoted, ",")+");\n")
	if err != nil {
		return nil, err
	}
	out := map[string]schema{}
	for _, r := range rs {
		for _, row := range r.Rows {
			if len(row) == 3 {
				out[str(row[0])] = schema{charset: str(row[1]), collation: str(row[2])}
			}
		}
	}
	return out, nil
}

// compressor returns the (de)compression command for a dump file name.
func compressor(target string) string {
	switch {
	case strings.HasSuffix(target, ".gz"):
		return "gzip"
	case strings.HasSuffix(target, ".bz2"):
		return "bzip2"
	case strings.HasSuffix(target, ".xz"):
		return "xz"
	}
	return ""
}

// dumpImport runs mariadb-dump or feeds a dump to the client.
func dumpImport(ctx context.Context, t *module.Target, c *client, a module.Args, names []string, data map[string]any) (module.Result, error) {
	target := a.String("target")
	all := slices.Contains(names, "all")
	comp := compressor(target)
	var body, desc string
	if a.String("state") == "dump" {
		var opts []string
		if all {
			opts = append(opts, "--all-databases")
		} else {
			opts = append(opts, "--databases")
			for _, n := range names {
				opts = append(opts, transport.Quote(n))
			}
		}
		if a.Bool("single_transaction") {
			opts = append(opts, "--single-transaction")
		}
		if a.Bool("quick") {
			opts = append(opts, "--quick")
		}
		if a.Bool("force") {
			opts = append(opts, "--force")
		}
		for _, tb := range a.Strings("ignore_tables") {
			opts = append(opts, "--ignore-table="+transport.Quote(tb))
		}
		dump := "@TOOL@ @ARGS@ " + strings.Join(opts, " ")
		if comp == "" {
			body = dump + " > " + transport.Quote(target)
		} else {
			// The dump's own status, not the compressor's, decides.
			body = "rcf=$(mktemp); { " + dump + "; echo $? > \"$rcf\"; } | " + comp + " > " + transport.Quote(target) +
				"; rc=$(cat \"$rcf\"); rm -f \"$rcf\"; [ \"$rc\" = 0 ]"
		}
		desc = "dump " + strings.Join(names, ",") + " to " + target
	} else {
		in := "< " + transport.Quote(target)
		if comp != "" {
			in = ""
			body = comp + " -dc " + transport.Quote(target) + " | "
		}
		force := ""
		if a.Bool("force") {
			force = " --force"
		}
		db := ""
		if !all && len(names) == 1 {
			db = " " + transport.Quote(names[0])
		}
		body += "@TOOL@ @ARGS@" + force + db + " " + in
		desc = "import " + target + " into " + strings.Join(names, ",")
	}
	data["executed_commands"] = []string{desc}
	if t.Check {
		return module.Result{Changed: true, Msg: "would " + desc, Data: data}, nil
	}
	bin := "client"
	if a.String("state") == "dump" {
		bin = "dump"
	}
	out, err := c.run(ctx, desc, bin, body, "")
	if err != nil {
		return module.Failf("mysql_db: %v", err), nil
	}
	if out.RC != 0 {
		return module.Failf("mysql_db: %s: exit status %d: %s", desc, out.RC, c.mask(hostcmd.FirstLine(out.Stderr, out.Stdout))), nil
	}
	return module.Result{Changed: true, Msg: desc, Data: data}, nil
}
