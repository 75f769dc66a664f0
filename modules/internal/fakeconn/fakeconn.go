// Package fakeconn is a scripted transport.Conn for module unit tests: it
// records every call and answers Run with results chosen by the test.
package fakeconn

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/hactl/hactl/pkg/transport"
)

// Call is one recorded Run.
type Call struct {
	Cmd   string
	Opts  transport.RunOpts
	Stdin string // what was read from Opts.Stdin
}

// Reply answers one Run: a result or an error.
type Reply struct {
	Result transport.Result
	Err    error
}

// Conn records calls; Run pops replies in order (or asks Handler when set).
// Put stores files in Files, Get and Stat read them.
type Conn struct {
	mu sync.Mutex
	// Replies answer Run calls in order; when exhausted, Run returns rc 0
	// with no output.
	Replies []Reply
	// Handler, when set, answers every Run instead of Replies.
	Handler func(c Call) (transport.Result, error)
	// Calls are the recorded Run calls.
	Calls []Call
	// Files hold what Put wrote (and what Get and Stat see).
	Files map[string][]byte
	// Modes hold the modes given to Put.
	Modes map[string]fs.FileMode
	// PutErr, when set, is returned by Put.
	PutErr error
	// Closed is true after Close.
	Closed bool
}

// New returns a Conn answering Run with replies in order.
func New(replies ...Reply) *Conn {
	return &Conn{Replies: replies, Files: map[string][]byte{}, Modes: map[string]fs.FileMode{}}
}

// OK is a reply with rc 0 and the given stdout.
func OK(stdout string) Reply {
	return Reply{Result: transport.Result{Stdout: []byte(stdout)}}
}

// RC is a reply with the given rc, stdout and stderr.
func RC(rc int, stdout, stderr string) Reply {
	return Reply{Result: transport.Result{RC: rc, Stdout: []byte(stdout), Stderr: []byte(stderr)}}
}

// Fail is a reply failing with err.
func Fail(err error) Reply { return Reply{Err: err} }

// Run records the call and returns the next reply.
func (c *Conn) Run(ctx context.Context, cmd string, opt transport.RunOpts) (transport.Result, error) {
	if err := ctx.Err(); err != nil {
		return transport.Result{}, fmt.Errorf("fake run: %w", err)
	}
	call := Call{Cmd: cmd, Opts: opt}
	if opt.Stdin != nil {
		b, err := io.ReadAll(opt.Stdin)
		if err != nil {
			return transport.Result{}, fmt.Errorf("fake run: read stdin: %w", err)
		}
		call.Stdin = string(b)
	}
	c.mu.Lock()
	c.Calls = append(c.Calls, call)
	h := c.Handler
	var r Reply
	if h == nil && len(c.Replies) > 0 {
		r, c.Replies = c.Replies[0], c.Replies[1:]
	}
	c.mu.Unlock()
	if h != nil {
		return h(call)
	}
	return r.Result, r.Err
}

// Put stores the content under dst.
func (c *Conn) Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error {
	if c.PutErr != nil {
		return c.PutErr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("fake put %s: %w", dst, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Files[dst] = b
	c.Modes[dst] = mode
	return nil
}

// Get copies a stored file into w.
func (c *Conn) Get(ctx context.Context, src string, w io.Writer) error {
	c.mu.Lock()
	b, ok := c.Files[src]
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("fake get %s: %w", src, fs.ErrNotExist)
	}
	_, err := io.Copy(w, bytes.NewReader(b))
	return err
}

// Stat reports whether a stored file exists.
func (c *Conn) Stat(ctx context.Context, path string) (transport.FileInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.Files[path]
	return transport.FileInfo{Path: path, Exists: ok, Size: int64(len(b)), Mode: c.Modes[path]}, nil
}

// Close marks the connection closed.
func (c *Conn) Close() error {
	c.Closed = true
	return nil
}

// Commands returns the recorded command lines.
func (c *Conn) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.Calls))
	for i, call := range c.Calls {
		out[i] = call.Cmd
	}
	return out
}

// Last returns the last recorded call (zero Call when none).
func (c *Conn) Last() Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.Calls) == 0 {
		return Call{}
	}
	return c.Calls[len(c.Calls)-1]
}
