// Package mysql holds the MariaDB/MySQL modules mysql_db, mysql_user and
// mysql_query, argument-compatible with community.mysql. They run the
// mariadb (or mysql) command-line client on the target — nothing else is
// needed there — send SQL on its standard input and read results in its
// XML output, so values with tabs, newlines or NULLs are never ambiguous.
//
// Secrets stay off command lines: a login password goes into a client
// option file written with mode 0600 and removed after the run; user
// passwords travel inside the SQL on stdin; both are masked in messages.
package mysql
