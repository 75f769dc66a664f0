package labverify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Prober sends a GET to URL every Interval, at most MaxInFlight at a time,
// until its context ends, and keeps every Sample.
type Prober struct {
	URL         string
	Interval    time.Duration
	Timeout     time.Duration
	MaxInFlight int
	// Client sends the requests; nil means a client without keep-alives
	// (each request is a new connection, as a new visitor's would be).
	Client *http.Client

	mu      sync.Mutex
	samples []Sample
}

// NewClient returns an HTTP client that opens a new connection for every
// request, with the given timeout.
func NewClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// Run sends requests until ctx ends and waits for those in flight.
func (p *Prober) Run(ctx context.Context) {
	client := p.Client
	if client == nil {
		client = NewClient(p.Timeout)
	}
	slots := make(chan struct{}, max(p.MaxInFlight, 1))
	var wg sync.WaitGroup
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			continue // every slot waits on a hung request: skip this tick
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			p.add(get(ctx, client, p.URL, p.Timeout))
		}()
	}
}

// get sends one request; it uses its own timeout so that the end of the
// prober's context does not fail the requests in flight.
func get(ctx context.Context, c *http.Client, url string, timeout time.Duration) Sample {
	s := Sample{Start: time.Now()}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err == nil {
		var resp *http.Response
		resp, err = c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				err = fmt.Errorf("HTTP %s", resp.Status)
			}
		}
	}
	s.End = time.Now()
	s.OK = err == nil
	if err != nil {
		s.Err = err.Error()
	}
	return s
}

func (p *Prober) add(s Sample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.samples = append(p.samples, s)
}

// Since returns the samples sent at or after from.
func (p *Prober) Since(from time.Time) []Sample {
	return p.Between(from, time.Time{})
}

// Between returns the samples sent in [from, to); a zero to means no end.
func (p *Prober) Between(from, to time.Time) []Sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Sample
	for _, s := range p.samples {
		if !s.Start.Before(from) && (to.IsZero() || s.Start.Before(to)) {
			out = append(out, s)
		}
	}
	return out
}
