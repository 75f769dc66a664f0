package transport

import (
	"strconv"
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

// waitPID returns the PID a command announced on tap, waiting up to
// killWait for it; 0 if it never came.
func waitPID(tap *lineTap) int {
	select {
	case <-tap.done:
	case <-time.After(killWait):
		return 0
	}
	v, ok := tap.result()
	if !ok {
		return 0
	}
	pid, err := strconv.Atoi(v)
	if err != nil || pid <= 1 {
		return 0
	}
	return pid
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
