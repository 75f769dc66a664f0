// Package inventory loads Ansible inventories and selects hosts from them.
//
// It reads Ansible's INI and YAML inventory formats, directories of
// inventory files, and comma-separated host lists ("web1,web2,"), with host
// ranges (web[01:10], db-[a:c], [1:10:2]), group children and group and host
// variables, plus group_vars/ and host_vars/ next to each source and next to
// the playbook. Variables are merged in Ansible's precedence order, and host
// patterns (all, globs, ~regex, a:b, a:&b, a:!b, g[0], g[1:3], --limit and
// @file limits) select hosts in Ansible's order.
//
// Loading is pure: nothing here touches the network. Errors name the file
// and line (and column for YAML) where the problem is.
package inventory
