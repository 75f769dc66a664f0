package transport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys verifies host keys of one Conn (target and jump hosts) against
// known_hosts according to a policy.
type hostKeys struct {
	policy HostKeyPolicy
	files  []string // existing and future known_hosts files, in order

	cache *knownHostsCache // nil: parse the files for this Conn alone

	mu       sync.Mutex
	check    ssh.HostKeyCallback // nil: no known_hosts file exists
	accepted map[string]ssh.PublicKey
}

func newHostKeys(policy HostKeyPolicy, files []string, cache *knownHostsCache) (*hostKeys, error) {
	h := &hostKeys{policy: policy, files: files, cache: cache, accepted: map[string]ssh.PublicKey{}}
	if policy == HostKeyIgnore {
		return h, nil
	}
	if err := h.load(); err != nil {
		return nil, err
	}
	return h, nil
}

// load parses the known_hosts files that exist.
func (h *hostKeys) load() error {
	var existing []string
	for _, f := range h.files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		}
	}
	if len(existing) == 0 {
		h.check = nil
		return nil
	}
	cb, err := h.cache.get(existing)
	if err != nil {
		return fmt.Errorf("%w: read known_hosts: %w", ErrHostKey, err)
	}
	h.check = cb
	return nil
}

// knownHostsCache shares parsed known_hosts files among the Conns of a
// Pool. Without it every Conn parses the whole file and keeps its own copy:
// with one line per host that is quadratic, and at 500 hosts it held 60 MB
// of the controller's 77 MB heap. Entries are keyed by the files' paths,
// sizes and modification times, so a file that changed (a key accepted
// under HostKeyAcceptNew, an edit) is parsed again. The callbacks
// knownhosts returns only read their database and are safe to share.
type knownHostsCache struct {
	mu sync.Mutex
	m  map[string]ssh.HostKeyCallback
}

// get returns the callback for files, parsing them at most once per
// version; a nil cache parses every time.
func (c *knownHostsCache) get(files []string) (ssh.HostKeyCallback, error) {
	if c == nil {
		return knownhosts.New(files...)
	}
	var key strings.Builder
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return knownhosts.New(files...)
		}
		fmt.Fprintf(&key, "%s\x00%d\x00%d\x00", f, fi.Size(), fi.ModTime().UnixNano())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cb, ok := c.m[key.String()]; ok {
		return cb, nil
	}
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]ssh.HostKeyCallback{}
	}
	c.m[key.String()] = cb
	return cb, nil
}

// callback verifies the key a server presented at addr (host:port).
func (h *hostKeys) callback(addr string, remote net.Addr, key ssh.PublicKey) error {
	if h.policy == HostKeyIgnore {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if k, ok := h.accepted[addr]; ok && keysEqual(k, key) {
		return nil
	}
	var want []knownhosts.KnownKey
	if h.check != nil {
		err := h.check(addr, remote, key)
		if err == nil {
			return nil
		}
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return fmt.Errorf("%w: %w", ErrHostKey, err)
		}
		want = ke.Want
	}
	if len(want) > 0 {
		return fmt.Errorf("%w: the %s key of %s (%s) does not match known_hosts (%s line %d): the host was reinstalled, or someone is intercepting the connection; if the change is expected, remove the old key with `ssh-keygen -R %s -f %s`",
			ErrHostKey, key.Type(), addr, ssh.FingerprintSHA256(key), want[0].Filename, want[0].Line, knownHostsName(addr), want[0].Filename)
	}
	if h.policy != HostKeyAcceptNew {
		return fmt.Errorf("%w: %s is not in known_hosts (%s key %s); accept it with `ssh-keyscan -p %s %s >> %s` after checking the fingerprint, or set StrictHostKeyChecking=accept-new (ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new')",
			ErrHostKey, addr, key.Type(), ssh.FingerprintSHA256(key), portOf(addr), hostOf(addr), h.firstFile())
	}
	if err := h.appendKey(addr, key); err != nil {
		return err
	}
	h.accepted[addr] = key
	return nil
}

// algorithms lists the host key algorithms to ask addr for: those of the
// keys known_hosts holds for it, so that a host known by its ed25519 key is
// not asked for (and refused over) its RSA key. Nil means the defaults.
func (h *hostKeys) algorithms(addr string) []string {
	if h.policy == HostKeyIgnore {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.check == nil {
		return nil
	}
	// Asking about a key nobody has makes knownhosts list the known ones.
	err := h.check(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey{})
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// appendKey records a newly accepted key in the first known_hosts file.
// One write with O_APPEND keeps concurrent appends from interleaving.
func (h *hostKeys) appendKey(addr string, key ssh.PublicKey) error {
	f := h.firstFile()
	if f == "" || f == os.DevNull {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return fmt.Errorf("%w: record new host key: %w", ErrHostKey, err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
	fh, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("%w: record new host key: %w", ErrHostKey, err)
	}
	if _, err := fh.WriteString(line); err != nil {
		_ = fh.Close()
		return fmt.Errorf("%w: record new host key in %s: %w", ErrHostKey, f, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("%w: record new host key in %s: %w", ErrHostKey, f, err)
	}
	return nil
}

func (h *hostKeys) firstFile() string {
	if len(h.files) == 0 {
		return ""
	}
	return h.files[0]
}

// algorithmsFor maps a key type to the signature algorithms that prove it.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

func keysEqual(a, b ssh.PublicKey) bool {
	return string(a.Marshal()) == string(b.Marshal())
}

// knownHostsName is addr as known_hosts and ssh-keygen -R spell it.
func knownHostsName(addr string) string { return knownhosts.Normalize(addr) }

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return strconv.Itoa(DefaultPort)
	}
	return p
}

// probeKey is a public key no host has, used to list the known keys.
type probeKey struct{}

// Type, Marshal, Verify and String implement ssh.PublicKey.
func (probeKey) Type() string                            { return "hactl-probe" }
func (probeKey) Marshal() []byte                         { return []byte("hactl-probe-key") }
func (probeKey) Verify(_ []byte, _ *ssh.Signature) error { return errors.New("probe key") }
func (probeKey) String() string                          { return "hactl-probe" }
