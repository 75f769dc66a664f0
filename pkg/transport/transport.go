// Package transport moves commands and files between the controller and a
// managed host. A Conn is one long-lived connection to one host: every task
// run against that host reuses it, so a task costs one remote command, not a
// new login.
//
// Implementations: SSH (DialSSH; ssh.go, sftp.go, dial.go) and Local
// (NewLocal; local.go, for localhost and ansible_connection=local). Become
// (sudo/su) wraps any Conn (WithBecome; become.go). A Pool shares one Conn
// per host among the tasks of a run (pool.go). ConfigFromVars reads
// Ansible's connection variables (vars.go, sshargs.go).
//
// The SSH transport uses golang.org/x/crypto/ssh directly rather than
// through goph: it needs context-aware dialing through jump hosts, control
// over the host key algorithms offered, and access to the client for
// keepalives and redials, none of which goph's wrapper exposes. Files go
// over one SFTP channel (github.com/pkg/sftp) opened on first use.
//
// Cost model, per call on an open connection: Run is one session (one
// round trip to open it, one for exec, then the output); Stat is one SFTP
// lstat (owner names come from a per-host cache of /etc/passwd and
// /etc/group); Put is six pipelined SFTP requests plus the fsync.
package transport

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"
)

// Conn is a connection to one managed host.
type Conn interface {
	// Run executes cmd with /bin/sh -c on the host and waits for it. A
	// non-zero exit status is not an error: it is reported in Result.RC.
	// Errors mean the command could not be run at all (connection lost,
	// context cancelled); they wrap ErrUnreachable when the host is gone.
	Run(ctx context.Context, cmd string, opt RunOpts) (Result, error)
	// Put writes r to dst atomically: the content goes to a temporary file
	// in dst's directory which is synced and renamed over dst, so a dropped
	// connection never leaves a half-written dst. The file gets mode's
	// permission bits; mode 0 keeps those of an existing dst (0644 for a
	// new file). If reading r fails, dst is left as it was.
	Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error
	// Get copies the remote file src into w.
	Get(ctx context.Context, src string, w io.Writer) error
	// Stat describes path without following a final symlink. A missing path
	// is not an error: FileInfo.Exists is false.
	Stat(ctx context.Context, path string) (FileInfo, error)
	// Close releases the connection.
	Close() error
}

// RunOpts tunes one Run.
type RunOpts struct {
	// Stdin, when set, is copied to the command's standard input. Secrets
	// go here, never on the command line.
	Stdin io.Reader
	// Env is exported to the command (values are quoted; `$` stays literal).
	Env map[string]string
	// Dir is the working directory (chdir) of the command.
	Dir string
	// Timeout bounds the command; zero means only ctx bounds it.
	Timeout time.Duration
	// Stdout and Stderr, when set, receive the command's output as it
	// arrives instead of Result.Stdout and Result.Stderr (which stay
	// empty). Use them for large or streamed output.
	Stdout, Stderr io.Writer
}

// Result is what a command left behind.
type Result struct {
	RC     int
	Stdout []byte
	Stderr []byte
}

// FileInfo describes a remote path as lstat(2) sees it.
type FileInfo struct {
	Path       string
	Exists     bool
	Mode       fs.FileMode // permission bits plus fs.ModeDir / fs.ModeSymlink
	Size       int64
	UID, GID   int
	Owner      string // user name, "" when unknown
	Group      string // group name, "" when unknown
	ModTime    time.Time
	LinkTarget string // for symlinks
}

// IsDir reports whether the path is a directory.
func (f FileInfo) IsDir() bool { return f.Mode.IsDir() }

// IsLink reports whether the path is a symbolic link.
func (f FileInfo) IsLink() bool { return f.Mode&fs.ModeSymlink != 0 }

// ErrUnreachable marks errors meaning the host could not be reached or the
// connection to it was lost. The executor reports such hosts UNREACHABLE.
var ErrUnreachable = errors.New("host unreachable")

// ErrHostKey marks a host key that is unknown or does not match
// known_hosts. Such errors also wrap ErrUnreachable.
var ErrHostKey = errors.New("host key verification failed")

// ErrAuth marks a failed login (no key or password was accepted). Such
// errors also wrap ErrUnreachable.
var ErrAuth = errors.New("authentication failed")

// ErrClosed is returned by calls on a closed Conn.
var ErrClosed = errors.New("connection closed")

// ErrBecome marks a failed privilege escalation (wrong password, user not
// allowed to sudo, sudo or su missing).
var ErrBecome = errors.New("become failed")

// UserConn is implemented by Conns that know which user they log in as.
// WithBecome uses it to skip escalation when the become user is the login
// user.
type UserConn interface {
	Conn
	// User is the login user name.
	User() string
}
