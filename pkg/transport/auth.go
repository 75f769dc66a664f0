package transport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// defaultKeyNames are tried in ~/.ssh when no key file is configured.
var defaultKeyNames = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// authenticator holds the login methods of one Config, built once and
// reused for every (re)dial of that host.
type authenticator struct {
	signers  []ssh.Signer
	agent    net.Conn // open connection to ssh-agent, closed with the Conn
	password string
}

// newAuthenticator loads key files and connects to ssh-agent. Explicit key
// files must load; default ones that cannot (encrypted, unreadable) are
// skipped.
func newAuthenticator(c Config) (*authenticator, error) {
	a := &authenticator{password: c.Password}
	for _, f := range c.KeyFiles {
		s, err := loadKey(f)
		if err != nil {
			return nil, err
		}
		a.signers = append(a.signers, s)
	}
	if !c.NoAgent {
		if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
			if conn, err := net.Dial("unix", sock); err == nil {
				a.agent = conn
				if ss, err := agent.NewClient(conn).Signers(); err == nil {
					a.signers = append(a.signers, ss...)
				}
			}
		}
	}
	if len(c.KeyFiles) == 0 {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range defaultKeyNames {
				if s, err := loadKey(filepath.Join(home, ".ssh", n)); err == nil {
					a.signers = append(a.signers, s)
				}
			}
		}
	}
	a.signers = dedupSigners(a.signers)
	if len(a.signers) == 0 && a.password == "" {
		a.close()
		return nil, fmt.Errorf("%w: no SSH key (key files, ~/.ssh/id_*, ssh-agent) and no password", ErrAuth)
	}
	return a, nil
}

// methods returns the ssh auth methods: keys first, then the password.
func (a *authenticator) methods() []ssh.AuthMethod {
	var m []ssh.AuthMethod
	if len(a.signers) > 0 {
		m = append(m, ssh.PublicKeys(a.signers...))
	}
	if a.password != "" {
		pw := a.password
		m = append(m, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	return m
}

func (a *authenticator) close() {
	if a.agent != nil {
		_ = a.agent.Close()
		a.agent = nil
	}
}

// loadKey reads an unencrypted private key file.
func loadKey(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read key: %w", ErrAuth, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("%w: key %s is encrypted: load it into ssh-agent (ssh-add)", ErrAuth, path)
		}
		return nil, fmt.Errorf("%w: parse key %s: %w", ErrAuth, path, err)
	}
	return s, nil
}

// dedupSigners drops keys offered twice (a key file also in the agent),
// which would waste one of the server's MaxAuthTries.
func dedupSigners(in []ssh.Signer) []ssh.Signer {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		k := string(s.PublicKey().Marshal())
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}
