package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pkg/sftp"
)

// sftpClient returns the connection's SFTP client, opening it on first use
// (and again after a redial).
func (c *sshConn) sftpClient(ctx context.Context) (*sftp.Client, *link, error) {
	for attempt := 0; ; attempt++ {
		l, err := c.link(ctx)
		if err != nil {
			return nil, nil, err
		}
		c.mu.Lock()
		if c.cur == l && c.sftp != nil {
			cl := c.sftp
			c.mu.Unlock()
			return cl, l, nil
		}
		cl, err := sftp.NewClient(l.client, sftp.UseConcurrentWrites(true))
		if err == nil && c.cur == l {
			c.sftp = cl
			c.mu.Unlock()
			return cl, l, nil
		}
		c.mu.Unlock()
		if err == nil { // the link changed meanwhile
			_ = cl.Close()
			continue
		}
		c.drop(l)
		if attempt == 1 || ctx.Err() != nil {
			return nil, nil, fmt.Errorf("%w: %s: open sftp: %w", ErrUnreachable, c.cfg.String(), err)
		}
	}
}

// fileErr wraps an SFTP failure, as unreachable when the link died.
func (c *sshConn) fileErr(l *link, op, p string, err error) error {
	if l.isDead() || errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, io.ErrUnexpectedEOF) {
		c.drop(l)
		return fmt.Errorf("%w: %s: %s %s: %w", ErrUnreachable, c.cfg.String(), op, p, err)
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
}

// firstRequest runs the first SFTP request of an operation. A connection
// that died unnoticed (the host rebooted between two calls) fails it
// before anything happened on the host, so it is retried once on a fresh
// connection.
func (c *sshConn) firstRequest(ctx context.Context, op, p string, fn func(*sftp.Client) error) (*link, error) {
	for attempt := 0; ; attempt++ {
		cl, l, err := c.sftpClient(ctx)
		if err != nil {
			return nil, err
		}
		err = fn(cl)
		if err == nil {
			return l, nil
		}
		err = c.fileErr(l, op, p, err)
		if attempt > 0 || !errors.Is(err, ErrUnreachable) || ctx.Err() != nil {
			return nil, err
		}
	}
}

// Put writes r to dst atomically over SFTP: a temporary file next to dst
// gets the final mode, the content and an fsync, then is renamed over dst
// (posix-rename). On any failure the temporary file is removed, if the
// connection still allows it, and dst is untouched.
func (c *sshConn) Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error {
	var (
		cl  *sftp.Client
		f   *sftp.File
		tmp string
	)
	want := mode
	l, err := c.firstRequest(ctx, "put", dst, func(c *sftp.Client) (err error) {
		cl, mode = c, want
		if mode == 0 {
			mode = 0o644
			if fi, err := c.Stat(dst); err == nil {
				mode = fi.Mode()
			}
		}
		tmp = tempPath(dst)
		f, err = c.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
		return err
	})
	if err != nil {
		return err
	}
	fail := func(op string, err error) error {
		_ = f.Close()
		_ = cl.Remove(tmp)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("put %s: %w", dst, context.Cause(ctx))
		}
		return c.fileErr(l, op, dst, err)
	}
	// The mode is set before any content arrives, so that a secret never
	// sits in a file more readable than asked.
	if err := f.Chmod(mode & modeBits); err != nil {
		return fail("chmod", err)
	}
	if _, err := f.ReadFrom(withContext(ctx, r)); err != nil {
		return fail("write", err)
	}
	if err := f.Sync(); err != nil && !isUnsupported(err) {
		return fail("fsync", err)
	}
	if err := f.Close(); err != nil {
		_ = cl.Remove(tmp)
		return c.fileErr(l, "close", dst, err)
	}
	if err := ctx.Err(); err != nil {
		_ = cl.Remove(tmp)
		return fmt.Errorf("put %s: %w", dst, context.Cause(ctx))
	}
	if err := cl.PosixRename(tmp, dst); err != nil {
		_ = cl.Remove(tmp)
		return c.fileErr(l, "rename", dst, err)
	}
	return nil
}

// Get copies src into w over SFTP.
func (c *sshConn) Get(ctx context.Context, src string, w io.Writer) error {
	var f *sftp.File
	l, err := c.firstRequest(ctx, "get", src, func(cl *sftp.Client) (err error) {
		f, err = cl.Open(src)
		return err
	})
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteTo(ctxWriter{ctx: ctx, w: w}); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("get %s: %w", src, context.Cause(ctx))
		}
		return c.fileErr(l, "get", src, err)
	}
	return nil
}

// Stat lstat()s path over SFTP; owner and group names come from the host's
// passwd and group files, read once per connection.
func (c *sshConn) Stat(ctx context.Context, p string) (FileInfo, error) {
	var fi os.FileInfo
	var cl *sftp.Client
	l, err := c.firstRequest(ctx, "stat", p, func(c *sftp.Client) (err error) {
		cl = c
		fi, err = c.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			fi, err = nil, nil
		}
		return err
	})
	if err != nil {
		return FileInfo{}, err
	}
	if fi == nil {
		return FileInfo{Path: p}, nil
	}
	info := FileInfo{Path: p, Exists: true, Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
	if st, ok := fi.Sys().(*sftp.FileStat); ok {
		info.UID, info.GID = int(st.UID), int(st.GID)
	}
	if info.IsLink() {
		if info.LinkTarget, err = cl.ReadLink(p); err != nil {
			return FileInfo{}, c.fileErr(l, "readlink", p, err)
		}
	}
	info.Owner, info.Group = c.owners.names(ctx, info.UID, info.GID)
	return info, nil
}

// modeBits are the mode bits a file can be given: permissions plus
// setuid, setgid and sticky.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// isUnsupported reports an SFTP "operation unsupported" status.
func isUnsupported(err error) bool {
	var st *sftp.StatusError
	return errors.As(err, &st) && st.FxCode() == sftp.ErrSSHFxOpUnsupported
}
