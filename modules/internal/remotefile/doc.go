// Package remotefile holds what the file modules share about files on a
// managed host: reading a path's state (type, mode, owner, checksums and,
// when small, content) for many paths in one command, planning and
// applying mode/owner/group (octal, symbolic and Ansible's integer
// quirk), writing content atomically with backup and validation, and the
// --diff records for content and state changes.
//
// Round trips: Gather is one Run whatever the number of paths; Write is
// one Put to a temporary file beside the destination plus one Run that
// validates, backs up, sets attributes and renames it into place (plus
// one Run when a validate command is given).
package remotefile
