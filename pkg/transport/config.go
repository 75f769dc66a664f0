package transport

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Default connection settings, used where a Config leaves a field zero.
const (
	DefaultPort           = 22
	DefaultConnectTimeout = 10 * time.Second
	DefaultKeepalive      = 15 * time.Second
	DefaultRetryBackoff   = 500 * time.Millisecond
)

// HostKeyPolicy says what to do with host keys that known_hosts does not
// list. A key that contradicts known_hosts is refused under every policy
// but HostKeyIgnore.
type HostKeyPolicy int

const (
	// HostKeyStrict refuses unknown hosts (OpenSSH StrictHostKeyChecking=yes).
	HostKeyStrict HostKeyPolicy = iota
	// HostKeyAcceptNew accepts an unknown host and appends its key to the
	// first known_hosts file (StrictHostKeyChecking=accept-new).
	HostKeyAcceptNew
	// HostKeyIgnore accepts any key and records nothing
	// (StrictHostKeyChecking=no with /dev/null known_hosts). Insecure.
	HostKeyIgnore
)

// String returns the OpenSSH spelling of the policy.
func (p HostKeyPolicy) String() string {
	switch p {
	case HostKeyStrict:
		return "yes"
	case HostKeyAcceptNew:
		return "accept-new"
	case HostKeyIgnore:
		return "no"
	}
	return "HostKeyPolicy(" + strconv.Itoa(int(p)) + ")"
}

// ParseHostKeyPolicy reads an OpenSSH StrictHostKeyChecking value or an
// Ansible host_key_checking boolean: yes/true/1/on/ask → strict,
// accept-new → accept new, no/false/0/off/off → ignore.
func ParseHostKeyPolicy(s string) (HostKeyPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "on", "ask", "y":
		return HostKeyStrict, nil
	case "accept-new", "acceptnew", "accept_new":
		return HostKeyAcceptNew, nil
	case "no", "false", "0", "off", "n":
		return HostKeyIgnore, nil
	}
	return HostKeyStrict, fmt.Errorf("invalid host key checking value %q (want yes, no or accept-new)", s)
}

// Hop is one jump host (ProxyJump) on the way to a target.
type Hop struct {
	User string // empty: the target's user
	Host string
	Port int // 0: 22
}

// String formats the hop as user@host:port.
func (h Hop) String() string {
	s := net.JoinHostPort(h.Host, strconv.Itoa(portOr(h.Port)))
	if h.User != "" {
		s = h.User + "@" + s
	}
	return s
}

// Config describes how to reach one host over SSH (or locally).
type Config struct {
	// Connection is "ssh" (the default) or "local".
	Connection string
	// Host is the address or name to connect to.
	Host string
	// Port is the TCP port; 0 means 22.
	Port int
	// User is the login user; empty means the current user.
	User string
	// KeyFiles are private keys to offer. When empty, the default
	// ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist are used. Keys of
	// a running ssh-agent (SSH_AUTH_SOCK) are offered too, unless NoAgent.
	KeyFiles []string
	// NoAgent disables ssh-agent.
	NoAgent bool
	// Password is the login password (secret: never logged or shown).
	Password string
	// KnownHostsFiles are checked in order; the first one receives new keys
	// under HostKeyAcceptNew. Empty means ~/.ssh/known_hosts and
	// /etc/ssh/ssh_known_hosts.
	KnownHostsFiles []string
	// HostKeyPolicy says what to do with unknown host keys.
	HostKeyPolicy HostKeyPolicy
	// JumpHosts are traversed in order before the target (ProxyJump).
	JumpHosts []Hop
	// ConnectTimeout bounds one connection attempt (TCP connect, handshake
	// and login); 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Keepalive is the interval of SSH keepalives; a connection that
	// misses one is closed. 0 means DefaultKeepalive, negative disables.
	Keepalive time.Duration
	// DialRetries is how many more times a failed connection attempt is
	// retried (network errors only, never a refused key or login).
	DialRetries int
	// RetryBackoff is the wait before the first retry, doubled each time
	// up to 8 times; 0 means DefaultRetryBackoff.
	RetryBackoff time.Duration
}

// Addr returns host:port.
func (c Config) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(portOr(c.Port)))
}

// String describes the config for humans and logs, without secrets.
func (c Config) String() string {
	var b strings.Builder
	if c.Connection == "local" {
		return "local"
	}
	if c.User != "" {
		b.WriteString(c.User + "@")
	}
	b.WriteString(c.Addr())
	for _, h := range c.JumpHosts {
		b.WriteString(" via " + h.String())
	}
	if c.Password != "" {
		b.WriteString(" (password set)")
	}
	return b.String()
}

// GoString is String, so that %#v does not print secrets either.
func (c Config) GoString() string { return "transport.Config{" + c.String() + "}" }

// LogValue keeps secrets out of slog output.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.User == "" {
		c.User = currentUser()
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Keepalive == 0 {
		c.Keepalive = DefaultKeepalive
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if len(c.KnownHostsFiles) == 0 {
		if home, err := os.UserHomeDir(); err == nil {
			c.KnownHostsFiles = append(c.KnownHostsFiles, filepath.Join(home, ".ssh", "known_hosts"))
		}
		c.KnownHostsFiles = append(c.KnownHostsFiles, "/etc/ssh/ssh_known_hosts")
	}
	return c
}

// validate rejects configs that cannot work.
func (c Config) validate() error {
	if c.Host == "" {
		return fmt.Errorf("no host to connect to")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("invalid port %d", c.Port)
	}
	for _, h := range c.JumpHosts {
		if h.Host == "" || h.Port < 0 || h.Port > 65535 {
			return fmt.Errorf("invalid jump host %q", h.String())
		}
	}
	return nil
}

func portOr(p int) int {
	if p == 0 {
		return DefaultPort
	}
	return p
}
