// Package galera holds the MariaDB Galera cluster modules: galera_cluster
// (configure, bootstrap, join, rolling restart and safe recovery of a
// whole cluster from one task) and galera_info (a read-only report of
// every member).
//
// Both are cluster-scoped: they run once (run_once on the group) and open
// their own connections to the other members, found by inventory name in
// hostvars. galera_cluster follows hactl's cluster contract: gather on
// every member, decide one plan, act member by member, then verify the
// whole cluster. It refuses a bootstrap it cannot prove safe unless
// allow_unsafe_bootstrap is set.
package galera
