package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(User{}) }

// User is the mysql_user module.
type User struct{}

// Spec describes mysql_user.
func (User) Spec() module.Spec {
	return module.Spec{
		Name:  "mysql_user",
		Short: "Add, change or remove MariaDB/MySQL user accounts and their privileges",
		Doc: `Manages one account (name@host, or name on every host it exists on with host_all) through the mariadb (or mysql) client on the host.

Idempotence: the password is compared with the stored mysql_native_password hash, computed here (the password itself never leaves the SQL sent on the client's standard input); privileges are compared with SHOW GRANTS, normalised (ALL = ALL PRIVILEGES, order and quoting ignored, GRANT = WITH GRANT OPTION). Only differences are applied: with append_privs missing privileges are granted and nothing is revoked; otherwise an object whose privileges differ is revoked and granted again, and objects not listed are revoked.

priv uses community.mysql's syntax: "db.*:ALL,GRANT/other.tbl:SELECT,INSERT", or a mapping {"db.*": "ALL"}.`,
		Params: append([]module.Param{
			{Name: "name", Type: module.Str, Required: true, Aliases: []string{"user"}, Doc: "User name."},
			{Name: "host", Type: module.Str, Default: "localhost", Doc: "Host part of the account."},
			{Name: "host_all", Type: module.Bool, Default: false, Doc: "Apply to every existing account with this name (never creates one)."},
			{Name: "password", Type: module.Str, Secret: true, Doc: "Password (mysql_native_password). As in community.mysql, an empty string means no password: a new account is created without one (empty authentication string) and an existing account's password is left as it is."},
			{Name: "encrypted", Type: module.Bool, Default: false, Doc: "password is already a mysql_native_password hash (*HEX)."},
			{Name: "update_password", Type: module.Str, Default: "always", Choices: []any{"always", "on_create", "on_new_username"}, Doc: "always changes a different password; on_create (and on_new_username) only set it for new accounts."},
			{Name: "priv", Type: module.Raw, Doc: "Privileges: \"db.*:ALL/other.*:SELECT\" or a mapping."},
			{Name: "append_privs", Type: module.Bool, Default: false, Doc: "Add priv to the existing privileges instead of replacing them."},
			{Name: "subtract_privs", Type: module.Bool, Default: false, Doc: "Revoke the privileges in priv (those the account has)."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "Whether the account exists."},
			{Name: "plugin", Type: module.Str, Doc: "Authentication plugin, e.g. unix_socket or mysql_native_password."},
			{Name: "plugin_auth_string", Type: module.Str, Secret: true, Doc: "Authentication string for plugin (IDENTIFIED VIA plugin USING 'string')."},
			{Name: "sql_log_bin", Type: module.Bool, Default: true, Doc: "When false, the changes are not written to the binary log."},
		}, loginParams()...),
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"append_privs", "subtract_privs"}},
		Examples: `- name: Application user
  community.mysql.mysql_user:
    name: springuser
    host: "%"
    password: "{{ vault_db_password }}"
    priv: "db_todo.*:ALL"

- name: Local admin through the unix socket
  mysql_user:
    name: ops
    plugin: unix_socket
    priv: "*.*:ALL,GRANT"`,
		Returns: []module.ReturnValue{
			{Name: "user", Type: module.Str, Doc: "The user name."},
			{Name: "accounts", Type: module.List, Doc: "The accounts (user@host) acted on."},
			{Name: "password_changed", Type: module.Bool, Doc: "Whether the password (or plugin) was changed."},
			{Name: "executed_commands", Type: module.List, Doc: "The statements run, passwords masked."},
		},
	}
}

// accountState is an existing account as gathered.
type accountState struct {
	host, plugin, auth string
	grants             grants
}

// Run converges the account.
func (User) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	c := newClient(t.Conn, a)
	name := a.String("name")
	pw := a.String("password")
	c.secret(pw)
	if pw != "" {
		c.secret(nativeHash(pw))
	}
	c.secret(a.String("plugin_auth_string"))
	var want grants
	if a.Has("priv") {
		g, err := parsePriv(a["priv"])
		if err != nil {
			return module.Failf("mysql_user: %v", err), nil
		}
		want = g
	}
	existing, err := gatherAccounts(ctx, c, name)
	if err != nil {
		return module.Failf("mysql_user: %v", err), nil
	}
	hosts := []string{a.String("host")}
	if a.Bool("host_all") {
		hosts = hosts[:0]
		for h := range existing {
			hosts = append(hosts, h)
		}
		slices.Sort(hosts)
	}
	var sql, shown, before, after []string
	pwChanged := false
	add := func(stmt, masked string) { sql, shown = append(sql, stmt), append(shown, masked) }
	for _, host := range hosts {
		acc := account(name, host)
		cur, exists := existing[host]
		if a.String("state") == "absent" {
			if exists {
				add("DROP USER "+acc, "DROP USER "+acc)
				before, after = append(before, name+"@"+host+": present"), append(after, name+"@"+host+": absent")
			}
			continue
		}
		ident, identMasked, wantAuth := identification(a, pw)
		if !exists {
			add("CREATE USER "+acc+ident, "CREATE USER "+acc+identMasked)
			before, after = append(before, name+"@"+host+": absent"), append(after, name+"@"+host+": present")
			pwChanged = ident != ""
			cur = accountState{host: host, grants: grants{}}
		} else if ident != "" && a.String("update_password") == "always" && !authMatches(cur, wantAuth) {
			add("ALTER USER "+acc+ident, "ALTER USER "+acc+identMasked)
			before, after = append(before, name+"@"+host+": authentication "+cur.plugin), append(after, name+"@"+host+": authentication "+wantAuth.plugin+" (changed)")
			pwChanged = true
		}
		if want != nil {
			ps := grantPlan(acc, cur.grants, want, a.Bool("append_privs"), a.Bool("subtract_privs"))
			for _, s := range ps {
				add(s, s)
			}
			if len(ps) > 0 {
				before, after = append(before, name+"@"+host+": "+cur.grants.String()), append(after, name+"@"+host+": "+want.String())
			}
		}
	}
	accounts := make([]string, len(hosts))
	for i, h := range hosts {
		accounts[i] = name + "@" + h
	}
	res := module.Result{
		Changed: len(sql) > 0,
		Data:    map[string]any{"user": name, "accounts": accounts, "password_changed": pwChanged, "executed_commands": shown},
	}
	if t.Diff && len(sql) > 0 {
		res.Diff = []module.FileDiff{{BeforeHeader: "account", AfterHeader: "account", Before: strings.Join(before, "\n") + "\n", After: strings.Join(after, "\n") + "\n"}}
	}
	if len(sql) == 0 || t.Check {
		return res, nil
	}
	body := strings.Join(sql, ";\n") + ";\n"
	if !a.Bool("sql_log_bin") {
		body = "SET SESSION sql_log_bin = 0;\n" + body
	}
	if _, err := c.query(ctx, body); err != nil {
		return module.Failf("mysql_user: %v", err), nil
	}
	return res, nil
}

// wantAuth is the authentication an account should have.
type wantAuth struct{ plugin, auth string }

// identification builds the IDENTIFIED clause (and its masked form) the
// arguments ask for; empty when they ask for none.
func identification(a module.Args, pw string) (clause, masked string, w wantAuth) {
	plugin := a.String("plugin")
	switch {
	case plugin != "" && plugin != "mysql_native_password":
		w = wantAuth{plugin: plugin, auth: a.String("plugin_auth_string")}
		clause = " IDENTIFIED VIA " + plugin
		masked = clause
		if w.auth != "" {
			clause += " USING " + sqlString(w.auth)
			masked += " USING '********'"
		}
		return clause, masked, w
	case a.Has("password") && pw != "":
		// An empty password asks for nothing: a new account gets none
		// (CREATE USER without IDENTIFIED) and an existing one keeps its
		// own, as community.mysql does.
		hash := nativeHash(pw)
		if a.Bool("encrypted") {
			hash = strings.ToUpper(pw)
		}
		w = wantAuth{plugin: "mysql_native_password", auth: hash}
		return " IDENTIFIED BY PASSWORD " + sqlString(hash), " IDENTIFIED BY PASSWORD '********'", w
	}
	return "", "", wantAuth{}
}

// authMatches compares an account's stored authentication with the wanted one.
func authMatches(cur accountState, w wantAuth) bool {
	if !strings.EqualFold(cur.plugin, w.plugin) {
		return false
	}
	if w.plugin == "mysql_native_password" {
		return strings.EqualFold(cur.auth, w.auth)
	}
	return w.auth == "" || cur.auth == w.auth
}

// gatherAccounts reads every account named name with its plugin,
// authentication string and grants, in one client run.
func gatherAccounts(ctx context.Context, c *client, name string) (map[string]accountState, error) {
	rs, err := c.query(ctx, "SELECT Host, plugin, authentication_string FROM mysql.user WHERE User = "+sqlString(name)+" ORDER BY Host;\n")
	if err != nil {
		return nil, err
	}
	out := map[string]accountState{}
	var hosts []string
	for _, r := range rs {
		for _, row := range r.Rows {
			if len(row) == 3 {
				h := str(row[0])
				out[h] = accountState{host: h, plugin: str(row[1]), auth: str(row[2])}
				hosts = append(hosts, h)
			}
		}
	}
	if len(hosts) == 0 {
		return out, nil
	}
	var q strings.Builder
	for _, h := range hosts {
		q.WriteString("SHOW GRANTS FOR " + account(name, h) + ";\n")
	}
	rs, err = c.query(ctx, q.String())
	if err != nil {
		return nil, err
	}
	if len(rs) != len(hosts) {
		return nil, fmt.Errorf("SHOW GRANTS: %d results for %d accounts", len(rs), len(hosts))
	}
	for i, h := range hosts {
		var lines []string
		for _, row := range rs[i].Rows {
			if len(row) > 0 {
				lines = append(lines, str(row[0]))
			}
		}
		g, err := parseShowGrants(lines)
		if err != nil {
			return nil, err
		}
		st := out[h]
		st.grants = g
		out[h] = st
	}
	return out, nil
}
