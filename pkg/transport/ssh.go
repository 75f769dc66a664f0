package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sshConn is a Conn over one SSH connection (plus one SFTP channel on it),
// redialled transparently when the connection was lost.
type sshConn struct {
	cfg    Config
	dialer *dialer

	mu     sync.Mutex
	cur    *link
	sftp   *sftp.Client // on cur; nil until first needed
	closed bool

	owners ownerCache
}

// DialSSH connects to the host cfg describes and logs in. The returned Conn
// keeps one SSH connection for all its calls; when that connection is lost
// (network failure, host rebooted), the next call dials again once before
// failing. Connection failures wrap ErrUnreachable.
func DialSSH(ctx context.Context, cfg Config) (Conn, error) {
	return dialSSH(ctx, cfg, nil)
}

// dialSSH is DialSSH with parsed known_hosts files shared through cache
// (nil: none shared).
func dialSSH(ctx context.Context, cfg Config, cache *knownHostsCache) (Conn, error) {
	c, err := newSSHConn(cfg, cache)
	if err != nil {
		return nil, err
	}
	if _, err := c.link(ctx); err != nil {
		c.dialer.auth.close()
		return nil, err
	}
	return c, nil
}

// newSSHConn prepares a connection without dialing.
func newSSHConn(cfg Config, cache *knownHostsCache) (*sshConn, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, cfg.String(), err)
	}
	keys, err := newHostKeys(cfg.HostKeyPolicy, cfg.KnownHostsFiles, cache)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, cfg.String(), err)
	}
	auth, err := newAuthenticator(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, cfg.String(), err)
	}
	c := &sshConn{cfg: cfg, dialer: &dialer{cfg: cfg, auth: auth, keys: keys}}
	c.owners.run = c.Run
	c.owners.get = c.Get
	return c, nil
}

// User returns the login user.
func (c *sshConn) User() string { return c.cfg.User }

// String describes the connection (no secrets).
func (c *sshConn) String() string { return "ssh " + c.cfg.String() }

// link returns the live connection, dialing when there is none or the last
// one died.
func (c *sshConn) link(ctx context.Context) (*link, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if c.cur != nil && !c.cur.isDead() {
		return c.cur, nil
	}
	c.dropLocked()
	l, err := c.dialer.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.cur = l
	return l, nil
}

// drop forgets l (if it is still current) after a call found it broken, so
// that the next call dials again.
func (c *sshConn) drop(l *link) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == l {
		c.dropLocked()
	}
}

func (c *sshConn) dropLocked() {
	if c.sftp != nil {
		_ = c.sftp.Close()
		c.sftp = nil
	}
	if c.cur != nil {
		c.cur.close()
		c.cur = nil
	}
}

// session opens a new session, redialling once if the connection turns out
// to be broken (nothing has run yet, so retrying is safe).
func (c *sshConn) session(ctx context.Context) (*ssh.Session, *link, error) {
	for attempt := 0; ; attempt++ {
		l, err := c.link(ctx)
		if err != nil {
			return nil, nil, err
		}
		s, err := newSession(ctx, l)
		if err == nil {
			return s, l, nil
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("open session: %w", context.Cause(ctx))
		}
		c.drop(l)
		if attempt == 1 {
			return nil, nil, fmt.Errorf("%w: %s: open session: %w", ErrUnreachable, c.cfg.String(), err)
		}
	}
}

// newSession opens a session on l, giving up when ctx ends (the server may
// be frozen; the keepalive would notice only later).
func newSession(ctx context.Context, l *link) (*ssh.Session, error) {
	type opened struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := l.client.NewSession()
		ch <- opened{s, err}
	}()
	select {
	case o := <-ch:
		return o.s, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.s != nil {
				_ = o.s.Close()
			}
		}()
		return nil, context.Cause(ctx)
	}
}

// Run executes cmd with /bin/sh -c in one new session. Env and Dir travel in
// the command line itself, so a Run costs one session and no extra
// requests. When ctx ends, the timeout expires or reading Stdin fails, the
// command's whole process group is killed (see remotekill.go) before the
// channel closes, so the command never mistakes the end for a clean EOF.
func (c *sshConn) Run(ctx context.Context, cmd string, opt RunOpts) (Result, error) {
	script, err := shellScript(cmd, opt)
	if err != nil {
		return Result{}, err
	}
	line := "exec /bin/sh -c " + Quote(pidAnnounce+script)
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opt.Timeout, fmt.Errorf("command timed out after %s: %w", opt.Timeout, context.DeadlineExceeded))
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("run: %w", context.Cause(ctx))
	}
	sess, l, err := c.session(ctx)
	if err != nil {
		return Result{}, err
	}
	defer sess.Close()

	var stdout, stderr bytes.Buffer
	var errOut io.Writer = &stderr
	sess.Stdout = &stdout
	if opt.Stdout != nil {
		sess.Stdout = opt.Stdout
	}
	if opt.Stderr != nil {
		errOut = opt.Stderr
	}
	pids := newLineTap(errOut, pidMarker)
	sess.Stderr = pids
	var stdin io.WriteCloser
	if opt.Stdin != nil {
		if stdin, err = sess.StdinPipe(); err != nil {
			return Result{}, fmt.Errorf("%w: %s: stdin: %w", ErrUnreachable, c.cfg.String(), err)
		}
	}
	// Start waits for the server's reply: closing the session unblocks it
	// when ctx ends first.
	stop := context.AfterFunc(ctx, func() { _ = sess.Close() })
	err = sess.Start(line)
	if !stop() {
		return Result{}, fmt.Errorf("run: %w", context.Cause(ctx))
	}
	if err != nil {
		c.drop(l)
		return Result{}, fmt.Errorf("%w: %s: start command: %w", ErrUnreachable, c.cfg.String(), err)
	}
	stdinErr := copyStdin(stdin, opt.Stdin)
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	select {
	case err = <-done:
		pids.flush()
	case err = <-stdinErr:
		c.killRemote(l, waitPID(pids))
		return Result{}, fmt.Errorf("run: read stdin: %w", err)
	case <-ctx.Done():
		c.killRemote(l, waitPID(pids))
		return Result{}, fmt.Errorf("run: %w", context.Cause(ctx))
	case <-l.dead:
		return Result{}, fmt.Errorf("%w: %s: connection lost while running the command", ErrUnreachable, c.cfg.String())
	}
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err == nil {
		return res, nil
	}
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		res.RC = exitCode(exit)
		return res, nil
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) || errors.Is(err, io.EOF) || l.isDead() {
		c.drop(l)
		return res, fmt.Errorf("%w: %s: connection lost while running the command: %w", ErrUnreachable, c.cfg.String(), err)
	}
	// Otherwise a caller's Stdout or Stderr writer failed.
	return res, fmt.Errorf("run: output: %w", err)
}

// exitCode maps an exit status or a deadly signal (as 128+n, like shells)
// to a return code.
func exitCode(e *ssh.ExitError) int {
	if sig := e.Signal(); sig != "" {
		return 128 + signalNumber(sig)
	}
	return e.ExitStatus()
}

// signalNumber returns the Linux number of a signal named as in RFC 4254,
// or 127 (so that the return code is 255) for others.
func signalNumber(name string) int {
	switch name {
	case "HUP":
		return 1
	case "INT":
		return 2
	case "QUIT":
		return 3
	case "ILL":
		return 4
	case "ABRT":
		return 6
	case "FPE":
		return 8
	case "KILL":
		return 9
	case "USR1":
		return 10
	case "SEGV":
		return 11
	case "USR2":
		return 12
	case "PIPE":
		return 13
	case "ALRM":
		return 14
	case "TERM":
		return 15
	}
	return 127
}

// copyStdin copies src to the command's standard input w in the
// background and closes w at the end of src; a read error of src (not the
// command's) arrives on the returned channel, and w is left open so that
// the command does not take a truncated input for a whole one. With a nil
// w nothing is copied and the channel never delivers. Run does not wait
// for the copy: a src that blocks after the command ended is left to
// return on its own.
func copyStdin(w io.WriteCloser, src io.Reader) <-chan error {
	errs := make(chan error, 1)
	if w == nil {
		return errs
	}
	go func() {
		r := &readErrs{r: src}
		_, _ = io.Copy(w, r)
		if r.err != nil {
			errs <- r.err
			return
		}
		_ = w.Close()
	}()
	return errs
}

// readErrs remembers the first read error of r other than io.EOF, to tell
// a failing source from a command that stopped reading.
type readErrs struct {
	r   io.Reader
	err error
}

// Read implements io.Reader.
func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// Close closes the SFTP channel and the connection.
func (c *sshConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.dropLocked()
	c.dialer.auth.close()
	return nil
}
