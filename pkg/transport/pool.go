package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// DialFunc opens a Conn for a Config.
type DialFunc func(ctx context.Context, cfg Config) (Conn, error)

// PoolOptions tune a Pool.
type PoolOptions struct {
	// Dial opens connections; nil means Dial (SSH, or Local for
	// Connection "local").
	Dial DialFunc
}

// Dial opens the Conn cfg asks for: Local when cfg.Connection is "local",
// SSH otherwise.
func Dial(ctx context.Context, cfg Config) (Conn, error) {
	if cfg.Connection == "local" {
		return NewLocal(), nil
	}
	return DialSSH(ctx, cfg)
}

// Pool shares one Conn per host among every task of a run. Concurrent
// callers asking for the same host wait for a single dial. A failed dial is
// not remembered: the next Get tries again.
type Pool struct {
	dial DialFunc

	mu     sync.Mutex
	conns  map[string]*poolEntry
	closed bool
}

// poolEntry is one host's connection, or the dial in progress.
type poolEntry struct {
	ready chan struct{} // closed when the dial finished
	conn  Conn
	err   error
}

// NewPool returns an empty pool. With the default Dial, the pool's SSH
// connections share their parsed known_hosts files.
func NewPool(opts PoolOptions) *Pool {
	d := opts.Dial
	if d == nil {
		cache := &knownHostsCache{}
		d = func(ctx context.Context, cfg Config) (Conn, error) {
			if cfg.Connection == "local" {
				return NewLocal(), nil
			}
			return dialSSH(ctx, cfg, cache)
		}
	}
	return &Pool{dial: d, conns: map[string]*poolEntry{}}
}

// Get returns the Conn for key (usually the inventory hostname), dialing
// it with cfg the first time. The returned Conn is shared: its Close does
// nothing; CloseAll closes the real connections. ctx bounds the wait; the
// dial itself is not cancelled when one of several waiters gives up.
func (p *Pool) Get(ctx context.Context, key string, cfg Config) (Conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("pool: %w", ErrClosed)
	}
	e, ok := p.conns[key]
	if !ok {
		e = &poolEntry{ready: make(chan struct{})}
		p.conns[key] = e
		go p.dialEntry(context.WithoutCancel(ctx), key, cfg, e)
	}
	p.mu.Unlock()

	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("connect to %s: %w", key, context.Cause(ctx))
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.conn, nil
}

// dialEntry dials for e and publishes the result; a failure removes the
// entry so that a later Get retries.
func (p *Pool) dialEntry(ctx context.Context, key string, cfg Config, e *poolEntry) {
	c, err := p.dial(ctx, cfg)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
		delete(p.conns, key)
		e.err = err
	case p.closed:
		_ = c.Close()
		e.err = fmt.Errorf("pool: %w", ErrClosed)
	default:
		e.conn = shared{c}
	}
	close(e.ready)
}

// CloseAll closes every connection of the pool; later Gets fail.
func (p *Pool) CloseAll() error {
	p.mu.Lock()
	p.closed = true
	entries := p.conns
	p.conns = map[string]*poolEntry{}
	p.mu.Unlock()
	var errs []error
	for key, e := range entries {
		<-e.ready
		if e.conn == nil {
			continue
		}
		if err := e.conn.(shared).Conn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// shared is a pooled Conn whose Close is left to the pool.
type shared struct{ Conn }

// Close does nothing: the pool owns the connection.
func (shared) Close() error { return nil }

// User reports the login user when the pooled Conn knows it.
func (s shared) User() string {
	if u, ok := s.Conn.(UserConn); ok {
		return u.User()
	}
	return ""
}

// Interface checks.
var (
	_ Conn     = shared{}
	_ UserConn = (*sshConn)(nil)
	_ UserConn = (*Local)(nil)
	_ UserConn = (*becomeConn)(nil)
)
