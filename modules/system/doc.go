// Package system implements Ansible's core system modules that manage one
// small piece of host state each: authorized_key, hostname, timezone,
// wait_for, cron and pam_limits.
//
// Every module reads the current state in one script, computes the change
// in Go, and writes files through remotefile (atomic replace), so check
// mode and --diff fall out of the same plan the real run applies.
package system
