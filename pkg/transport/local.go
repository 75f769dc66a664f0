package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Local is a Conn to the machine hactl runs on (ansible_connection=local),
// with the same contract as the SSH Conn: commands through /bin/sh -c,
// atomic Put, lstat-like Stat.
type Local struct {
	mu     sync.Mutex
	users  map[int]string
	groups map[int]string
}

// NewLocal returns a Conn to the local machine.
func NewLocal() *Local {
	return &Local{users: map[int]string{}, groups: map[int]string{}}
}

// User returns the name of the user running hactl.
func (l *Local) User() string { return currentUser() }

// Run executes cmd with /bin/sh -c. The command runs in its own process
// group, which is killed when ctx ends or the timeout expires.
func (l *Local) Run(ctx context.Context, cmd string, opt RunOpts) (Result, error) {
	// Dir and Env go through the same script as over SSH, so that a
	// missing directory is a failed command (rc 1), not a Go error.
	script, err := shellScript(cmd, opt)
	if err != nil {
		return Result{}, err
	}
	if opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opt.Timeout, fmt.Errorf("command timed out after %s: %w", opt.Timeout, context.DeadlineExceeded))
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("run: %w", context.Cause(ctx))
	}
	c := exec.Command("/bin/sh", "-c", script)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if opt.Stdout != nil {
		c.Stdout = opt.Stdout
	}
	if opt.Stderr != nil {
		c.Stderr = opt.Stderr
	}
	// Output copying must not wait for grandchildren that keep the pipes.
	c.WaitDelay = time.Second
	var stdin io.WriteCloser
	if opt.Stdin != nil {
		if stdin, err = c.StdinPipe(); err != nil {
			return Result{}, fmt.Errorf("run: stdin: %w", err)
		}
	}
	if err := c.Start(); err != nil {
		return Result{}, fmt.Errorf("run: %w", err)
	}
	pgid := c.Process.Pid
	stdinErr := copyStdin(stdin, opt.Stdin)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err = <-done:
	case err = <-stdinErr:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		return Result{}, fmt.Errorf("run: read stdin: %w", err)
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
		return Result{}, fmt.Errorf("run: %w", context.Cause(ctx))
	}
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.RC = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.RC = 128 + int(ws.Signal())
		}
	case errors.Is(err, exec.ErrWaitDelay):
		// The command exited; a background child kept its output open.
	default:
		return res, fmt.Errorf("run: %w", err)
	}
	return res, nil
}

// Put writes r to dst atomically: temporary file in dst's directory, mode,
// content, fsync, rename. If anything fails, dst is untouched and the
// temporary file removed.
func (l *Local) Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error {
	if mode == 0 {
		mode = 0o644
		if fi, err := os.Stat(dst); err == nil {
			mode = fi.Mode()
		}
	}
	tmp := tempPath(dst)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("put %s: %w", dst, err)
	}
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		if ctx.Err() != nil {
			return fmt.Errorf("put %s: %w", dst, context.Cause(ctx))
		}
		return fmt.Errorf("put %s: %w", dst, err)
	}
	// os.Chmod bits differ from fs.FileMode for setuid/setgid/sticky:
	// os.File.Chmod converts them.
	if err := f.Chmod(mode & modeBits); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(f, ctxReader{ctx: ctx, r: r}); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("put %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("put %s: %w", dst, err)
	}
	return nil
}

// Get copies the file src into w.
func (l *Local) Get(ctx context.Context, src string, w io.Writer) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("get %s: %w", src, err)
	}
	defer f.Close()
	if _, err := io.Copy(ctxWriter{ctx: ctx, w: w}, f); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("get %s: %w", src, context.Cause(ctx))
		}
		return fmt.Errorf("get %s: %w", src, err)
	}
	return nil
}

// Stat lstat()s path.
func (l *Local) Stat(ctx context.Context, p string) (FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, context.Cause(ctx))
	}
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return FileInfo{Path: p}, nil
	}
	if err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, err)
	}
	info := FileInfo{Path: p, Exists: true, Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		info.UID, info.GID = int(st.Uid), int(st.Gid)
	}
	if info.IsLink() {
		if info.LinkTarget, err = os.Readlink(p); err != nil {
			return FileInfo{}, fmt.Errorf("readlink %s: %w", p, err)
		}
	}
	info.Owner, info.Group = l.names(info.UID, info.GID)
	return info, nil
}

// names resolves uid and gid, caching successful lookups.
func (l *Local) names(uid, gid int) (string, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u, ok := l.users[uid]
	if !ok {
		if x, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			u = x.Username
			l.users[uid] = u
		}
	}
	g, ok := l.groups[gid]
	if !ok {
		if x, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
			g = x.Name
			l.groups[gid] = g
		}
	}
	return u, g
}

// Close does nothing: there is no connection to release.
func (l *Local) Close() error { return nil }

// currentUser is the name of the user running hactl.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}
