package labverify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Ack is a write the service acknowledged with a 2xx answer.
type Ack struct {
	ID string
	At time.Time
	// URL reads the item back: the answer's Location, else ReadURL.
	URL string
}

// Writer creates an item every Interval until its context ends and keeps
// the acknowledged ones; Lost later reads each of them back.
type Writer struct {
	Config WriteConfig
	// Prefix makes the item ids of this run unique.
	Prefix  string
	Timeout time.Duration
	Client  *http.Client

	mu    sync.Mutex
	acks  []Ack
	tries int
}

func (w *Writer) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return NewClient(w.Timeout)
}

// Run writes one item at a time until ctx ends.
func (w *Writer) Run(ctx context.Context) {
	c := w.client()
	tick := time.NewTicker(w.Config.Interval.D(200 * time.Millisecond))
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		id := fmt.Sprintf("%s-%d", w.Prefix, n)
		at := time.Now()
		read, ok := w.create(ctx, c, id)
		w.mu.Lock()
		w.tries++
		if ok {
			w.acks = append(w.acks, Ack{ID: id, At: at, URL: read})
		}
		w.mu.Unlock()
	}
}

// create posts one item and returns the URL that reads it back and
// whether the service acknowledged it.
func (w *Writer) create(ctx context.Context, c *http.Client, id string) (string, bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Timeout)
	defer cancel()
	body := strings.ReplaceAll(w.Config.Body, "{id}", id)
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, strings.ReplaceAll(w.Config.CreateURL, "{id}", id), strings.NewReader(body))
	if err != nil {
		return "", false
	}
	ct := w.Config.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	resp, ok := do(c, req)
	if !ok {
		return "", false
	}
	if loc, err := resp.Location(); err == nil && w.Config.ReadURL == "" {
		return loc.String(), true
	}
	return strings.ReplaceAll(w.Config.ReadURL, "{id}", id), true
}

// do sends req and reports a 2xx answer; the body is read and closed.
func do(c *http.Client, req *http.Request) (*http.Response, bool) {
	c2 := *c
	c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c2.Do(req)
	if err != nil {
		return nil, false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp, resp.StatusCode/100 == 2
}

// Acks returns the acknowledged writes made in [from, to); zero to means
// no end.
func (w *Writer) Acks(from, to time.Time) []Ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Ack
	for _, a := range w.acks {
		if !a.At.Before(from) && (to.IsZero() || a.At.Before(to)) {
			out = append(out, a)
		}
	}
	return out
}

// Lost reads every acknowledged write back and returns those that are not
// found: those missing are read again twice, a second apart, so that a
// replica catching up is not counted as a loss.
func (w *Writer) Lost(ctx context.Context) ([]Ack, error) {
	c := w.client()
	missing := w.Acks(time.Time{}, time.Time{})
	for round := 0; round < 3 && len(missing) > 0; round++ {
		if round > 0 {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("read back writes: %w", ctx.Err())
			case <-time.After(time.Second):
			}
		}
		var still []Ack
		for _, a := range missing {
			if !w.read(ctx, c, a.URL) {
				still = append(still, a)
			}
		}
		missing = still
	}
	return missing, nil
}

func (w *Writer) read(ctx context.Context, c *http.Client, url string) bool {
	if url == "" {
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	_, ok := do(c, req)
	return ok
}
