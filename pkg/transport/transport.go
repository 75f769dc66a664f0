// Package transport moves commands and files between the controller and a
// managed host. A Conn is one long-lived connection to one host: every task
// run against that host reuses it, so a task costs one remote command, not a
// new login.
//
// Implementations: SSH (ssh.go, on goph and golang.org/x/crypto/ssh, files
// over one reused SFTP channel) and Local (local.go, for localhost and
// ansible_connection=local). Become (sudo/su) wraps any Conn (become.go).
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
	// connection never leaves a half-written dst.
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
