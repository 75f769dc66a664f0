package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// spillSize is how much of a Put's content a become Conn keeps in memory
// before spilling it to a local temporary file.
const spillSize = 8 << 20

// Put writes r to dst as the become user, atomically: the content is first
// read completely (its size is needed to verify the copy), streamed into a
// temporary file next to dst created exclusively, checked for size, given
// its mode, synced and renamed over dst. A failed read of r never reaches
// the host.
func (c *becomeConn) Put(ctx context.Context, dst string, r io.Reader, mode fs.FileMode) error {
	if c.same {
		return c.inner.Put(ctx, dst, r, mode)
	}
	content, size, cleanup, err := bufferContent(ctx, r)
	if err != nil {
		return fmt.Errorf("put %s: %w", dst, err)
	}
	defer cleanup()
	chmod := fmt.Sprintf("chmod %04o \"$t\"", unixMode(mode))
	if mode == 0 {
		chmod = `m=$(stat -L -c %a -- "$d" 2>/dev/null) || m=644; chmod "$m" "$t"`
	}
	script := strings.Join([]string{
		"umask 077",
		"d=" + Quote(dst),
		"t=" + Quote(tempPath(dst)),
		`if (set -C; cat > "$t") && [ $(wc -c < "$t") -eq ` + strconv.FormatInt(size, 10) + " ] && " +
			chmod + ` && { sync -- "$t" 2>/dev/null || :; } && mv -f -- "$t" "$d"; then exit 0; fi`,
		`rm -f -- "$t"`,
		"exit 1",
	}, "\n")
	res, err := c.Run(ctx, script, RunOpts{Stdin: content})
	if err != nil {
		return fmt.Errorf("put %s: %w", dst, err)
	}
	if res.RC != 0 {
		return fmt.Errorf("put %s as %s: %w", dst, c.b.user(), commandError(res))
	}
	return nil
}

// Get copies src into w, read as the become user.
func (c *becomeConn) Get(ctx context.Context, src string, w io.Writer) error {
	if c.same {
		return c.inner.Get(ctx, src, w)
	}
	var stderr bytes.Buffer
	res, err := c.Run(ctx, "cat -- "+Quote(src), RunOpts{Stdout: w, Stderr: &stderr})
	if err != nil {
		return fmt.Errorf("get %s: %w", src, err)
	}
	if res.RC != 0 {
		res.Stderr = stderr.Bytes()
		return fmt.Errorf("get %s as %s: %w", src, c.b.user(), commandError(res))
	}
	return nil
}

// statScript prints "missing", or the raw mode (hex), size, uid, gid,
// mtime, owner and group of $p, then the link target on the next line.
const statScript = `if [ -e "$p" ] || [ -L "$p" ]; then
stat -c '%f %s %u %g %Y %U %G' -- "$p" || exit 1
if [ -L "$p" ]; then readlink -- "$p"; fi
else echo missing; fi`

// Stat describes path as the become user sees it.
func (c *becomeConn) Stat(ctx context.Context, p string) (FileInfo, error) {
	if c.same {
		return c.inner.Stat(ctx, p)
	}
	res, err := c.Run(ctx, "p="+Quote(p)+"\n"+statScript, RunOpts{})
	if err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, err)
	}
	if res.RC != 0 {
		return FileInfo{}, fmt.Errorf("stat %s as %s: %w", p, c.b.user(), commandError(res))
	}
	fi, err := parseStat(p, string(res.Stdout))
	if err != nil {
		return FileInfo{}, fmt.Errorf("stat %s: %w", p, err)
	}
	return fi, nil
}

// parseStat reads the output of statScript.
func parseStat(p, out string) (FileInfo, error) {
	fi := FileInfo{Path: p}
	line, rest, _ := strings.Cut(out, "\n")
	if line == "missing" {
		return fi, nil
	}
	f := strings.Fields(line)
	if len(f) != 7 {
		return fi, fmt.Errorf("unexpected stat output %q", line)
	}
	raw, err1 := strconv.ParseUint(f[0], 16, 32)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	uid, err3 := strconv.Atoi(f[2])
	gid, err4 := strconv.Atoi(f[3])
	mtime, err5 := strconv.ParseInt(f[4], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return fi, fmt.Errorf("unexpected stat output %q: %w", line, err)
	}
	fi.Exists = true
	fi.Mode = fileMode(uint32(raw))
	fi.Size, fi.UID, fi.GID = size, uid, gid
	fi.ModTime = time.Unix(mtime, 0)
	if f[5] != "UNKNOWN" {
		fi.Owner = f[5]
	}
	if f[6] != "UNKNOWN" {
		fi.Group = f[6]
	}
	if fi.IsLink() {
		fi.LinkTarget = strings.TrimSuffix(rest, "\n")
	}
	return fi, nil
}

// fileMode converts a st_mode value to an fs.FileMode.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & 0o170000 {
	case 0o040000:
		mode |= fs.ModeDir
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o010000:
		mode |= fs.ModeNamedPipe
	case 0o140000:
		mode |= fs.ModeSocket
	case 0o020000:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		mode |= fs.ModeDevice
	}
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// unixMode converts the permission bits of an fs.FileMode to chmod's octal.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// commandError turns a failed helper command into an error carrying its
// first line of stderr; "No such file" maps to fs.ErrNotExist.
func commandError(res Result) error {
	msg := strings.TrimSpace(string(res.Stderr))
	if msg == "" {
		return fmt.Errorf("exit status %d", res.RC)
	}
	msg = firstLine(msg)
	if strings.Contains(msg, "No such file or directory") {
		return fmt.Errorf("%s: %w", msg, fs.ErrNotExist)
	}
	if strings.Contains(msg, "Permission denied") {
		return fmt.Errorf("%s: %w", msg, fs.ErrPermission)
	}
	return errors.New(msg)
}

// bufferContent reads r completely, into memory up to spillSize and into a
// local temporary file beyond, and returns a reader over it, its size and
// a cleanup function.
func bufferContent(ctx context.Context, r io.Reader) (io.Reader, int64, func(), error) {
	var mem bytes.Buffer
	n, err := io.Copy(&mem, io.LimitReader(ctxReader{ctx: ctx, r: r}, spillSize+1))
	if err != nil {
		return nil, 0, func() {}, fmt.Errorf("read content: %w", err)
	}
	if n <= spillSize {
		return bytes.NewReader(mem.Bytes()), n, func() {}, nil
	}
	f, err := os.CreateTemp("", "hactl-put-*")
	if err != nil {
		return nil, 0, func() {}, fmt.Errorf("spill content: %w", err)
	}
	cleanup := func() { _ = f.Close(); _ = os.Remove(f.Name()) }
	if _, err := f.Write(mem.Bytes()); err != nil {
		cleanup()
		return nil, 0, func() {}, fmt.Errorf("spill content: %w", err)
	}
	m, err := io.Copy(f, ctxReader{ctx: ctx, r: r})
	if err != nil {
		cleanup()
		return nil, 0, func() {}, fmt.Errorf("read content: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, func() {}, fmt.Errorf("spill content: %w", err)
	}
	return f, n + m, cleanup, nil
}
