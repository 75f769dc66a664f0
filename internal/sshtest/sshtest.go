// Package sshtest starts real OpenSSH servers on 127.0.0.1 for integration
// tests and benchmarks.
//
// Every server listens on a free high port with its own generated ed25519
// host key. All servers of a Cluster accept one generated client key and are
// listed in one known_hosts file, so a client can verify host keys strictly.
// The servers run as the current user (root on the development machines)
// from a private directory, log to memory, and are killed by PID — together
// with every connection they serve — when the test ends.
//
// Limits: each server is one sshd listener plus, per open connection, two
// more sshd processes (about 3 MiB of memory, proportional set size, for a
// server with one connection). 500 servers start in about 12 s on two busy
// cores (16 at a time) and need 500 loopback ports; the controller needs
// one file descriptor per connection (Go raises the soft limit to the hard
// one at start-up) and the kernel's pid_max must leave room for three
// processes per server. TestManyServers checks a size given in
// HACTL_SSHTEST_N.
//
// Sessions skip the login shell's rc files (see sshdConfig), which keeps a
// command round trip near the cost of sshd's fork and exec.
package sshtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Host is the address every test server listens on.
const Host = "127.0.0.1"

// startParallelism bounds how many servers start at once.
const startParallelism = 16

// Server is one running sshd. The zero value is not usable; get servers
// from Start or StartServers.
type Server struct {
	// Name is a short label ("ssh0", "ssh1", …), usable as an inventory name.
	Name string
	// Host is the IP address the server listens on (always 127.0.0.1).
	Host string
	// Port is the TCP port.
	Port int
	// Addr is Host:Port.
	Addr string
	// User is the login user (the user running the test).
	User string
	// KeyFile is the client's private key (OpenSSH format, no passphrase).
	KeyFile string
	// KnownHostsFile lists the host keys of every server of the cluster.
	KnownHostsFile string
	// HostKey is the server's public host key in authorized_keys format.
	HostKey string
	// Dir holds the server's files (config, host key).
	Dir string

	proc *process
}

// Stop kills the server and every connection it serves, as a crash or a
// reboot would. Clients see their connection drop.
func (s Server) Stop() error {
	if err := s.proc.stop(); err != nil {
		return fmt.Errorf("stop %s: %w", s.Name, err)
	}
	return nil
}

// Restart starts a stopped server again on the same port with the same host
// key. It is a no-op on a running server.
func (s Server) Restart() error {
	if err := s.proc.start(); err != nil {
		return fmt.Errorf("restart %s: %w", s.Name, err)
	}
	return nil
}

// Pause freezes the server and its connections (SIGSTOP): the host
// looks alive to TCP but answers nothing, like a hung or unplugged machine.
func (s Server) Pause() error {
	if err := s.proc.signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("pause %s: %w", s.Name, err)
	}
	return nil
}

// Resume continues a paused server (SIGCONT).
func (s Server) Resume() error {
	if err := s.proc.signal(syscall.SIGCONT); err != nil {
		return fmt.Errorf("resume %s: %w", s.Name, err)
	}
	return nil
}

// PID returns the PID of the listening sshd, 0 when stopped.
func (s Server) PID() int { return s.proc.pid() }

// Logs returns the last lines the server logged, for failure messages.
func (s Server) Logs() string { return s.proc.logTail() }

// SSHArgs returns the arguments with which the OpenSSH client (ssh) reaches
// the server, host-key checking included, ending with user@host.
func (s Server) SSHArgs() []string {
	return []string{
		"-i", s.KeyFile,
		"-p", strconv.Itoa(s.Port),
		"-o", "UserKnownHostsFile=" + s.KnownHostsFile,
		"-o", "StrictHostKeyChecking=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes",
		s.User + "@" + s.Host,
	}
}

// Cluster is a set of servers sharing one client key and one known_hosts
// file. Close it to kill the servers.
type Cluster struct {
	// Dir holds every file of the cluster.
	Dir string
	// Servers are the running servers, in order.
	Servers []Server
	// KeyFile is the client's private key accepted by every server.
	KeyFile string
	// KnownHostsFile lists every server's host key.
	KnownHostsFile string

	removeDir bool
}

// Start starts n servers for a test or benchmark and stops them (and
// removes their files) when it ends. Any local user may log in with
// KeyFile, which lets tests use throwaway users. It skips the test when no sshd binary exists and fails it when a
// server cannot start.
func Start(t testing.TB, n int) []Server {
	t.Helper()
	if _, err := sshdPath(); err != nil {
		t.Skipf("sshtest: %v", err)
	}
	c, err := StartServers("", n)
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("sshtest: %v", err)
		}
	})
	return c.Servers
}

// StartServers starts n servers with their files under dir; an empty dir
// means a new temporary directory, removed by Close. On error nothing is
// left running.
func StartServers(dir string, n int) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("sshtest: need at least one server, got %d", n)
	}
	sshd, err := sshdPath()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir}
	if dir == "" {
		if c.Dir, err = os.MkdirTemp("", "sshtest-"); err != nil {
			return nil, fmt.Errorf("sshtest: temp dir: %w", err)
		}
		c.removeDir = true
	}
	if err := c.start(sshd, n); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(sshd string, n int) error {
	if err := ensurePrivsepDir(); err != nil {
		return err
	}
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("sshtest: current user: %w", err)
	}
	c.KeyFile = filepath.Join(c.Dir, "client_ed25519")
	clientPub, err := writeKeyPair(c.KeyFile, "sshtest-client")
	if err != nil {
		return fmt.Errorf("sshtest: client key: %w", err)
	}
	// sshd reads authorized_keys as the user logging in: tests may log in
	// as throwaway users, so the directory is traversable and the (public)
	// file readable by all.
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return fmt.Errorf("sshtest: %w", err)
	}
	authorized := filepath.Join(c.Dir, "authorized_keys")
	if err := os.WriteFile(authorized, ssh.MarshalAuthorizedKey(clientPub), 0o644); err != nil {
		return fmt.Errorf("sshtest: authorized_keys: %w", err)
	}
	c.KnownHostsFile = filepath.Join(c.Dir, "known_hosts")

	c.Servers = make([]Server, n)
	errs := make([]error, n)
	hostKeys := make([]ssh.PublicKey, n)
	sem := make(chan struct{}, startParallelism)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s, key, err := newServer(sshd, c.Dir, i, authorized)
			s.User, s.KeyFile, s.KnownHostsFile = u.Username, c.KeyFile, c.KnownHostsFile
			c.Servers[i], hostKeys[i], errs[i] = s, key, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sshtest: %w", err)
	}
	var known strings.Builder
	for i, s := range c.Servers {
		known.WriteString(knownhosts.Line([]string{s.Addr}, hostKeys[i]))
		known.WriteByte('\n')
	}
	if err := os.WriteFile(c.KnownHostsFile, []byte(known.String()), 0o600); err != nil {
		return fmt.Errorf("sshtest: known_hosts: %w", err)
	}
	return nil
}

// newServer prepares and starts server i, retrying on another port when the
// chosen one was taken in between.
func newServer(sshd, dir string, i int, authorized string) (Server, ssh.PublicKey, error) {
	s := Server{Name: "ssh" + strconv.Itoa(i), Host: Host}
	s.Dir = filepath.Join(dir, s.Name)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return s, nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	hostKeyFile := filepath.Join(s.Dir, "ssh_host_ed25519_key")
	hostKey, err := writeKeyPair(hostKeyFile, s.Name)
	if err != nil {
		return s, nil, fmt.Errorf("%s: host key: %w", s.Name, err)
	}
	s.HostKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostKey)))
	configFile := filepath.Join(s.Dir, "sshd_config")
	const attempts = 8
	for range attempts {
		port, err := freePort()
		if err != nil {
			return s, nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		s.Port, s.Addr = port, hostPort(Host, port)
		cfg := sshdConfig(s.Addr, hostKeyFile, authorized)
		if err := os.WriteFile(configFile, []byte(cfg), 0o600); err != nil {
			return s, nil, fmt.Errorf("%s: write config: %w", s.Name, err)
		}
		s.proc = &process{sshd: sshd, config: configFile}
		err = s.proc.start()
		if err == nil {
			return s, hostKey, nil
		}
		if !errors.Is(err, errAddrInUse) {
			return s, nil, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return s, nil, fmt.Errorf("%s: no free port after %d attempts", s.Name, attempts)
}

// Close kills every server (and its connections) and removes the cluster's
// directory when StartServers created it.
func (c *Cluster) Close() error {
	var errs []error
	// One /proc scan for the whole cluster, every kill sent, then the
	// waits: stopping 500 servers one by one would rescan /proc 500 times.
	tree := processTree()
	for _, s := range c.Servers {
		if s.proc != nil {
			s.proc.kill(tree)
		}
	}
	for _, s := range c.Servers {
		if s.proc == nil {
			continue
		}
		if err := s.proc.wait(); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", s.Name, err))
		}
	}
	if c.removeDir {
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", c.Dir, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sshtest: close: %w", err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before sshd binds it; newServer retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", hostPort(Host, 0))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	return port, nil
}

// sshdPath finds the sshd binary; sshd must be started by absolute path.
func sshdPath() (string, error) {
	if p, err := exec.LookPath("sshd"); err == nil {
		return filepath.Abs(p)
	}
	const debian = "/usr/sbin/sshd"
	if _, err := os.Stat(debian); err == nil {
		return debian, nil
	}
	return "", errors.New("no sshd binary found (install openssh-server)")
}

// ensurePrivsepDir creates sshd's privilege-separation directory, which
// sshd refuses to start without and which only the ssh service unit
// normally creates.
func ensurePrivsepDir() error {
	const dir = "/run/sshd"
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return nil // an unprivileged sshd does not use it
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sshtest: create %s: %w", dir, err)
	}
	return nil
}
