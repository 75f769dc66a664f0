package transport

import (
	"bytes"
	"io"
	"sync"
)

// tapLimit is how far into a stream a tap looks for its line.
const tapLimit = 64 << 10

// lineTap passes a stream through to w, except for the first line that
// starts with prefix, which it removes and records. hactl's command
// wrappers print such lines (the remote PID, the become marker). Lines
// before it (say, a noisy shell start-up file) pass through untouched; if
// no such line appears within tapLimit bytes, the tap gives up and passes
// everything through.
type lineTap struct {
	w      io.Writer
	prefix []byte

	mu      sync.Mutex
	buf     []byte
	seen    int
	settled bool
	found   bool
	value   string
	hit     chan struct{} // closed when the line was found
	done    chan struct{} // closed when found or given up
}

func newLineTap(w io.Writer, prefix string) *lineTap {
	return &lineTap{w: w, prefix: []byte(prefix), hit: make(chan struct{}), done: make(chan struct{})}
}

// Write implements io.Writer.
func (t *lineTap) Write(p []byte) (int, error) {
	t.mu.Lock()
	if t.settled {
		t.mu.Unlock()
		return t.w.Write(p)
	}
	t.buf = append(t.buf, p...)
	t.seen += len(p)
	var out []byte
	for !t.settled {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		line := t.buf[:i]
		if bytes.HasPrefix(line, t.prefix) {
			t.value = string(line[len(t.prefix):])
			t.found = true
			close(t.hit)
			t.settle()
			out = append(out, t.buf[i+1:]...)
			t.buf = nil
			break
		}
		out = append(out, t.buf[:i+1]...)
		t.buf = t.buf[i+1:]
	}
	if !t.settled && t.seen > tapLimit {
		out = append(out, t.buf...)
		t.buf = nil
		t.settle()
	}
	t.mu.Unlock()
	if len(out) > 0 {
		if _, err := t.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// settle stops looking; t.mu must be held.
func (t *lineTap) settle() {
	t.settled = true
	close(t.done)
}

// flush ends the stream: a partial line kept back is passed on.
func (t *lineTap) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.settled {
		return
	}
	if len(t.buf) > 0 {
		_, _ = t.w.Write(t.buf)
		t.buf = nil
	}
	t.settle()
}

// result returns the recorded line's rest and whether it was found.
func (t *lineTap) result() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.value, t.found
}

// ReadFrom copies r through the tap with a small buffer: io.Copy would
// otherwise allocate 32 KiB for every command's stderr.
func (t *lineTap) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 4096)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			total += int64(n)
			if _, werr := t.Write(buf[:n]); werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
