package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// link is one live SSH connection to the target, through its jump hosts.
type link struct {
	client *ssh.Client
	hops   []*ssh.Client // jump host clients, closed after client
	dead   chan struct{} // closed once the connection is gone
}

// close shuts the connection and its hops down.
func (l *link) close() {
	_ = l.client.Close()
	for i := len(l.hops) - 1; i >= 0; i-- {
		_ = l.hops[i].Close()
	}
}

// isDead reports whether the connection is known to be gone.
func (l *link) isDead() bool {
	select {
	case <-l.dead:
		return true
	default:
		return false
	}
}

// dialer opens links for one Config.
type dialer struct {
	cfg  Config
	auth *authenticator
	keys *hostKeys
}

// dial connects with retries: network failures are retried DialRetries
// times with exponential backoff; a refused key or login is not.
func (d *dialer) dial(ctx context.Context) (*link, error) {
	backoff := d.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		l, err := d.dialOnce(ctx)
		if err == nil {
			return l, nil
		}
		if attempt >= d.cfg.DialRetries || errors.Is(err, ErrAuth) || errors.Is(err, ErrHostKey) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w: connect to %s: %w", ErrUnreachable, d.cfg.String(), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: connect to %s: %w", ErrUnreachable, d.cfg.String(), ctx.Err())
		case <-time.After(backoff):
		}
		if backoff < 8*d.cfg.RetryBackoff {
			backoff *= 2
		}
	}
}

// dialOnce makes one attempt through every hop, bounded by ConnectTimeout.
func (d *dialer) dialOnce(ctx context.Context) (*link, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.ConnectTimeout)
	defer cancel()

	type step struct {
		user, addr string
	}
	var steps []step
	for _, h := range d.cfg.JumpHosts {
		u := h.User
		if u == "" {
			u = d.cfg.User
		}
		steps = append(steps, step{u, (Hop{Host: h.Host, Port: h.Port}).String()})
	}
	steps = append(steps, step{d.cfg.User, d.cfg.Addr()})

	var hops []*ssh.Client
	fail := func(err error) (*link, error) {
		for i := len(hops) - 1; i >= 0; i-- {
			_ = hops[i].Close()
		}
		return nil, err
	}
	var prev *ssh.Client
	for i, s := range steps {
		var nc net.Conn
		var err error
		if prev == nil {
			var nd net.Dialer
			nc, err = nd.DialContext(ctx, "tcp", s.addr)
		} else {
			nc, err = prev.DialContext(ctx, "tcp", s.addr)
		}
		if err != nil {
			if i > 0 {
				return fail(fmt.Errorf("via %s: %w", steps[i-1].addr, err))
			}
			return fail(err)
		}
		c, err := d.handshake(ctx, nc, s.user, s.addr)
		if err != nil {
			if i < len(steps)-1 {
				err = fmt.Errorf("jump host %s: %w", s.addr, err)
			}
			return fail(err)
		}
		if i < len(steps)-1 {
			hops = append(hops, c)
		}
		prev = c
	}
	l := &link{client: prev, hops: hops, dead: make(chan struct{})}
	go func() {
		_ = l.client.Wait()
		close(l.dead)
		for _, h := range l.hops {
			_ = h.Close()
		}
	}()
	if d.cfg.Keepalive > 0 {
		go keepalive(l, d.cfg.Keepalive)
	}
	return l, nil
}

// handshake runs the SSH handshake and login on nc, closing nc when ctx
// ends first.
func (d *dialer) handshake(ctx context.Context, nc net.Conn, user, addr string) (*ssh.Client, error) {
	cc := &ssh.ClientConfig{
		User:              user,
		Auth:              d.auth.methods(),
		HostKeyCallback:   d.hostKeyCallback,
		HostKeyAlgorithms: d.keys.algorithms(addr),
		ClientVersion:     "SSH-2.0-hactl",
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl) // unsupported on channels through a jump host
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	conn, chans, reqs, err := ssh.NewClientConn(nc, addr, cc)
	if !stop() {
		if err == nil {
			_ = conn.Close()
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", addr, context.Cause(ctx))
	}
	if err != nil {
		_ = nc.Close()
		return nil, classifyHandshakeError(addr, user, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return ssh.NewClient(conn, chans, reqs), nil
}

// hostKeyCallback adapts hostKeys to ssh.HostKeyCallback. knownhosts needs
// a host:port remote address, which channels through a jump host may not
// provide.
func (d *dialer) hostKeyCallback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if _, _, err := net.SplitHostPort(remote.String()); err != nil {
		remote = &net.TCPAddr{IP: net.IPv4zero}
	}
	return d.keys.callback(hostname, remote, key)
}

// classifyHandshakeError marks login and host key failures.
func classifyHandshakeError(addr, user string, err error) error {
	if errors.Is(err, ErrHostKey) {
		return err
	}
	if strings.Contains(err.Error(), "unable to authenticate") {
		return fmt.Errorf("%w: %s refused every key/password offered for user %q", ErrAuth, addr, user)
	}
	return fmt.Errorf("ssh handshake with %s: %w", addr, err)
}

// keepalive sends OpenSSH keepalives every interval and closes the link
// when one gets no answer within the next interval.
func keepalive(l *link, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.dead:
			return
		case <-t.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := l.client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				_ = l.client.Close()
				return
			}
		case <-time.After(interval):
			_ = l.client.Close()
			return
		case <-l.dead:
			return
		}
	}
}
