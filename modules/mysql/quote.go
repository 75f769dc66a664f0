package mysql

import "strings"

// sqlString quotes s as a string literal. The session runs without
// NO_BACKSLASH_ESCAPES (see prologue), so backslash escapes are safe.
func sqlString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ident quotes an identifier with backticks.
func ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// account is 'user'@'host' as a literal pair.
func account(user, host string) string { return sqlString(user) + "@" + sqlString(host) }

// prologue makes backslash escapes in literals reliable whatever the
// server's sql_mode.
const prologue = "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');\n"
