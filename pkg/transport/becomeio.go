package transport

import (
	"bytes"
	"io"
	"sync"
)

// tokenStripper removes every occurrence of token (sudo's prompt) from a
// stream, calling found for each.
type tokenStripper struct {
	w     io.Writer
	token []byte
	found func()
	mu    sync.Mutex
	buf   []byte
}

func newTokenStripper(w io.Writer, token string, found func()) *tokenStripper {
	return &tokenStripper{w: w, token: []byte(token), found: found}
}

// Write implements io.Writer.
func (t *tokenStripper) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	var out []byte
	for {
		i := bytes.Index(t.buf, t.token)
		if i < 0 {
			break
		}
		out = append(out, t.buf[:i]...)
		t.buf = t.buf[i+len(t.token):]
		t.found()
	}
	// Keep back a tail that may be the start of a token split across
	// writes.
	keep := 0
	for k := min(len(t.token)-1, len(t.buf)); k > 0; k-- {
		if bytes.HasSuffix(t.buf, t.token[:k]) {
			keep = k
			break
		}
	}
	out = append(out, t.buf[:len(t.buf)-keep]...)
	t.buf = append([]byte(nil), t.buf[len(t.buf)-keep:]...)
	if len(out) > 0 {
		if _, err := t.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush writes out a kept-back tail.
func (t *tokenStripper) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > 0 {
		_, _ = t.w.Write(t.buf)
		t.buf = nil
	}
}

// stdinGate is the standard input of a sudo command with a password: it
// yields nothing until sudo prompts (then the password, once) or the
// become marker shows the command started (then the caller's stdin). A
// second prompt means the password was wrong: the gate ends input so that
// sudo gives up.
type stdinGate struct {
	password []byte
	user     io.Reader
	started  <-chan struct{}
	prompts  chan struct{}
	end      chan struct{}
	endOnce  sync.Once

	mu      sync.Mutex
	pending []byte
	asked   int
	open    bool
	wrong   bool
}

func newStdinGate(password string, user io.Reader, started <-chan struct{}) *stdinGate {
	return &stdinGate{
		password: []byte(password + "\n"),
		user:     user,
		started:  started,
		prompts:  make(chan struct{}, 8),
		end:      make(chan struct{}),
	}
}

// prompted is called for each sudo prompt seen on stderr.
func (g *stdinGate) prompted() {
	select {
	case g.prompts <- struct{}{}:
	default:
	}
}

// finish unblocks readers once the command is over.
func (g *stdinGate) finish() { g.endOnce.Do(func() { close(g.end) }) }

// rejected reports whether sudo asked for the password twice.
func (g *stdinGate) rejected() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.wrong
}

// Read implements io.Reader.
func (g *stdinGate) Read(p []byte) (int, error) {
	for {
		g.mu.Lock()
		if len(g.pending) > 0 {
			n := copy(p, g.pending)
			g.pending = g.pending[n:]
			g.mu.Unlock()
			return n, nil
		}
		if g.wrong {
			g.mu.Unlock()
			return 0, io.EOF
		}
		if g.open {
			g.mu.Unlock()
			if g.user == nil {
				return 0, io.EOF
			}
			return g.user.Read(p)
		}
		g.mu.Unlock()
		select {
		case <-g.prompts:
			g.mu.Lock()
			g.asked++
			if g.asked == 1 {
				g.pending = g.password
			} else {
				g.wrong = true
			}
			g.mu.Unlock()
		case <-g.started:
			g.mu.Lock()
			g.open = true
			g.mu.Unlock()
		case <-g.end:
			return 0, io.EOF
		}
	}
}
