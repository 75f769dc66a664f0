package transport

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"time"
)

// Killing a remote command. OpenSSH refuses "signal" requests in sessions
// of root logins (no privilege separation there), and closing the channel
// does not stop a command that neither reads nor writes. So every command
// first reports its process group on stderr ("hactl-pid:N", stripped before
// the caller sees stderr), and cancellation runs `kill -KILL -- -N` in a
// second session. sshd makes each session a process-group leader, and the
// `exec /bin/sh` wrapper keeps that PID, so the whole command tree dies.

// pidMarker prefixes the PID line; pidAnnounce prints it.
const (
	pidMarker   = "hactl-pid:"
	pidAnnounce = `echo ` + pidMarker + `$$ >&2` + "\n"
)

// killWait bounds how long cancellation waits for the PID line and for the
// kill command.
const killWait = 3 * time.Second

// pidFilter reads the PID line off the front of stderr and passes the rest
// through.
type pidFilter struct {
	w     io.Writer
	mu    sync.Mutex
	buf   []byte
	done  bool
	pid   int
	ready chan struct{} // closed once the first line was seen
}

func newPIDFilter(w io.Writer) *pidFilter {
	return &pidFilter{w: w, ready: make(chan struct{})}
}

// Write implements io.Writer.
func (f *pidFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return f.w.Write(p)
	}
	f.buf = append(f.buf, p...)
	i := bytes.IndexByte(f.buf, '\n')
	if i < 0 && len(f.buf) < 64 {
		f.mu.Unlock()
		return len(p), nil
	}
	rest := f.buf
	if i >= 0 && bytes.HasPrefix(f.buf, []byte(pidMarker)) {
		if pid, err := strconv.Atoi(string(f.buf[len(pidMarker):i])); err == nil && pid > 1 {
			f.pid = pid
			rest = f.buf[i+1:]
		}
	}
	f.buf = nil
	f.done = true
	close(f.ready)
	f.mu.Unlock()
	if len(rest) > 0 {
		if _, err := f.w.Write(rest); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush passes on a partial first line (a command that wrote less than a
// line to stderr before the PID line could be recognised never happens,
// but stays correct).
func (f *pidFilter) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done && len(f.buf) > 0 {
		_, _ = f.w.Write(f.buf)
		f.buf = nil
	}
}

// waitPID returns the remote PID, waiting up to killWait for it; 0 if it
// never came.
func (f *pidFilter) waitPID() int {
	select {
	case <-f.ready:
	case <-time.After(killWait):
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pid
}

// killRemote kills the process group of a running command through a new
// session on l. Best effort: errors leave the caller to close the channel.
func (c *sshConn) killRemote(l *link, pid int) {
	if pid <= 1 {
		return
	}
	s, err := l.client.NewSession()
	if err != nil {
		return
	}
	defer s.Close()
	done := make(chan struct{})
	go func() {
		_ = s.Run("kill -KILL -- -" + strconv.Itoa(pid) + " 2>/dev/null")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(killWait):
	}
}
