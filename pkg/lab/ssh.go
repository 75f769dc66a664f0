package lab

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// waitSSH waits until the host at addr accepts a login as root with the lab
// key and proves it holds hostKey, and a command runs. Each attempt is
// bounded; ctx bounds the whole wait.
func waitSSH(ctx context.Context, addr string, signer ssh.Signer, hostKey ssh.PublicKey) error {
	var last error
	for {
		if last = trySSH(ctx, addr, signer, hostKey); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not answer ssh: %w (last: %v)", addr, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// trySSH makes one attempt: TCP, banner, key exchange with strict host key
// checking, public key login, and `true`.
func trySSH(ctx context.Context, addr string, signer ssh.Signer, hostKey ssh.PublicKey) error {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(actx, "tcp", net.JoinHostPort(addr, "22"))
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := actx.Deadline()
	_ = conn.SetDeadline(deadline)
	// Read the banner ourselves first: a listening socket before sshd is
	// ready is not yet an answer.
	br := bufio.NewReader(conn)
	banner, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("banner: %w", err)
	}
	if !strings.HasPrefix(banner, "SSH-") {
		return fmt.Errorf("unexpected banner %q", banner)
	}
	cfg := &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         3 * time.Second,
	}
	c, chans, reqs, err := ssh.NewClientConn(&prefixedConn{Conn: conn, r: br, prefix: banner}, addr, cfg)
	if err != nil {
		return err
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	return sess.Run("true")
}

// prefixedConn replays the banner already read, then reads on.
type prefixedConn struct {
	net.Conn
	r      *bufio.Reader
	prefix string
}

func (p *prefixedConn) Read(b []byte) (int, error) {
	if p.prefix != "" {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.r.Read(b)
}
