package transport

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults are the connection settings that come from the command line or
// the configuration rather than from host variables (remote_user,
// private_key_file, host_key_checking, timeout, …). Host variables
// override them, as in Ansible.
type Defaults struct {
	// Connection is the default connection type ("ssh" when empty).
	Connection string
	// RemoteUser is the default login user (-u, remote_user).
	RemoteUser string
	// PrivateKeyFile is the default key (--private-key).
	PrivateKeyFile string
	// Password is the default login password (--ask-pass); secret.
	Password string
	// HostKeyPolicy is the default policy (host_key_checking); the zero
	// value is strict checking, Ansible's default.
	HostKeyPolicy HostKeyPolicy
	// KnownHostsFiles replace the default known_hosts files.
	KnownHostsFiles []string
	// Timeout is the connection timeout (--timeout).
	Timeout time.Duration
	// SSHCommonArgs and SSHExtraArgs are --ssh-common-args and
	// --ssh-extra-args; host variables of the same name replace them.
	SSHCommonArgs, SSHExtraArgs string
	// DialRetries and Keepalive are copied to every Config.
	DialRetries int
	Keepalive   time.Duration
}

// ConfigFromVars builds the Config of one host from its (already rendered)
// Ansible connection variables:
//
//   - ansible_connection: ssh (also paramiko, smart) or local
//   - ansible_host (ansible_ssh_host), else inventory_hostname
//   - ansible_port (ansible_ssh_port)
//   - ansible_user (ansible_ssh_user)
//   - ansible_ssh_private_key_file (ansible_private_key_file)
//   - ansible_password (ansible_ssh_pass, ansible_ssh_password)
//   - ansible_host_key_checking (ansible_ssh_host_key_checking)
//   - ansible_ssh_timeout (ansible_timeout)
//   - ansible_ssh_common_args and ansible_ssh_extra_args, whose -o options
//     UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking,
//     ProxyJump, ProxyCommand (`ssh -W %h:%p bastion` only),
//     ConnectTimeout, ConnectionAttempts, ServerAliveInterval, Port, User,
//     IdentityFile, IdentitiesOnly and the flags -J -p -l -i are used;
//     the rest (ControlMaster, ControlPersist, -C, …) is ignored.
//
// Values may be strings, integers or booleans. Variables win over d and
// over the ssh arguments, as they do in Ansible.
func ConfigFromVars(vars map[string]any, d Defaults) (Config, error) {
	v := varReader{vars: vars}
	var c Config

	c.Connection = firstNonEmpty(v.str("ansible_connection"), d.Connection, "ssh")
	switch c.Connection {
	case "ssh", "paramiko", "smart", "paramiko_ssh", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh":
		c.Connection = "ssh"
	case "local", "ansible.builtin.local":
		c.Connection = "local"
	default:
		return c, fmt.Errorf("ansible_connection %q is not supported (use ssh or local)", c.Connection)
	}

	common := d.SSHCommonArgs
	if s, ok := v.lookup("ansible_ssh_common_args"); ok {
		common = s
	}
	extra := d.SSHExtraArgs
	if s, ok := v.lookup("ansible_ssh_extra_args"); ok {
		extra = s
	}
	opts, err := parseSSHArgs(common, extra)
	if err != nil {
		return c, err
	}
	argStr := func(k string) string { s, _ := opts.get(k); return s }

	c.Host = firstNonEmpty(v.str("ansible_host"), v.str("ansible_ssh_host"), argStr("HostName"), v.str("inventory_hostname"))
	if c.Connection == "local" && c.Host == "" {
		c.Host = "localhost"
	}
	if c.Host == "" {
		return c, fmt.Errorf("no ansible_host or inventory_hostname")
	}

	if c.Port, err = v.port("ansible_port", "ansible_ssh_port"); err != nil {
		return c, err
	}
	if c.Port == 0 {
		if p := argStr("Port"); p != "" {
			if c.Port, err = parsePort(p); err != nil {
				return c, fmt.Errorf("ssh option Port: %w", err)
			}
		}
	}

	c.User = firstNonEmpty(v.str("ansible_user"), v.str("ansible_ssh_user"), d.RemoteUser, argStr("User"))

	if k := firstNonEmpty(v.str("ansible_ssh_private_key_file"), v.str("ansible_private_key_file"), d.PrivateKeyFile); k != "" {
		c.KeyFiles = append(c.KeyFiles, expandHome(k))
	}
	for _, k := range opts.identities {
		c.KeyFiles = append(c.KeyFiles, expandHome(k))
	}
	if b, ok := opts.get("IdentitiesOnly"); ok {
		c.NoAgent = isTrue(b)
	}

	c.Password = firstNonEmpty(v.str("ansible_password"), v.str("ansible_ssh_pass"), v.str("ansible_ssh_password"), d.Password)

	if c.HostKeyPolicy, err = hostKeyPolicy(v, opts, d); err != nil {
		return c, err
	}
	c.KnownHostsFiles = append(c.KnownHostsFiles, d.KnownHostsFiles...)
	if f, ok := opts.get("UserKnownHostsFile"); ok {
		c.KnownHostsFiles = nil
		for _, p := range strings.Fields(f) {
			c.KnownHostsFiles = append(c.KnownHostsFiles, expandHome(p))
		}
		if g, ok := opts.get("GlobalKnownHostsFile"); ok {
			for _, p := range strings.Fields(g) {
				c.KnownHostsFiles = append(c.KnownHostsFiles, expandHome(p))
			}
		}
	}

	if j, ok := opts.get("ProxyJump"); ok {
		if c.JumpHosts, err = parseJumpHosts(j); err != nil {
			return c, err
		}
	} else if pc, ok := opts.get("ProxyCommand"); ok {
		if c.JumpHosts, err = proxyCommandHop(pc); err != nil {
			return c, err
		}
	}

	if c.ConnectTimeout, err = v.seconds("ansible_ssh_timeout", "ansible_timeout"); err != nil {
		return c, err
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = d.Timeout
	}
	if s := argStr("ConnectTimeout"); c.ConnectTimeout == 0 && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, fmt.Errorf("ssh option ConnectTimeout %q: want seconds", s)
		}
		c.ConnectTimeout = time.Duration(n) * time.Second
	}

	c.DialRetries, c.Keepalive = d.DialRetries, d.Keepalive
	if s := argStr("ConnectionAttempts"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return c, fmt.Errorf("ssh option ConnectionAttempts %q: want a positive number", s)
		}
		c.DialRetries = n - 1
	}
	if s := argStr("ServerAliveInterval"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, fmt.Errorf("ssh option ServerAliveInterval %q: want seconds", s)
		}
		c.Keepalive = time.Duration(n) * time.Second
		if n == 0 {
			c.Keepalive = -1
		}
	}
	return c, c.validate()
}

// hostKeyPolicy resolves the policy the way Ansible and OpenSSH combine
// them: host_key_checking=false forces "no"; otherwise an explicit
// StrictHostKeyChecking option applies, else the default.
func hostKeyPolicy(v varReader, opts sshOptions, d Defaults) (HostKeyPolicy, error) {
	for _, name := range []string{"ansible_host_key_checking", "ansible_ssh_host_key_checking"} {
		s, ok := v.lookup(name)
		if !ok {
			continue
		}
		p, err := ParseHostKeyPolicy(s)
		if err != nil {
			return p, fmt.Errorf("%s: %w", name, err)
		}
		if p == HostKeyIgnore {
			return p, nil
		}
		break
	}
	if d.HostKeyPolicy == HostKeyIgnore {
		return HostKeyIgnore, nil
	}
	if s, ok := opts.get("StrictHostKeyChecking"); ok {
		p, err := ParseHostKeyPolicy(s)
		if err != nil {
			return p, fmt.Errorf("ssh option StrictHostKeyChecking: %w", err)
		}
		return p, nil
	}
	return d.HostKeyPolicy, nil
}

// varReader reads loosely typed variables.
type varReader struct{ vars map[string]any }

// lookup returns the variable as a string, and whether it is set (a nil
// value counts as unset).
func (v varReader) lookup(name string) (string, bool) {
	x, ok := v.vars[name]
	if !ok || x == nil {
		return "", false
	}
	return toString(x), true
}

func (v varReader) str(name string) string {
	s, _ := v.lookup(name)
	return strings.TrimSpace(s)
}

// port reads the first of names that is set as a TCP port.
func (v varReader) port(names ...string) (int, error) {
	for _, n := range names {
		s := v.str(n)
		if s == "" {
			continue
		}
		p, err := parsePort(s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", n, err)
		}
		return p, nil
	}
	return 0, nil
}

// seconds reads the first of names that is set as a number of seconds.
func (v varReader) seconds(names ...string) (time.Duration, error) {
	for _, n := range names {
		s := v.str(n)
		if s == "" {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("%s %q: want seconds", n, s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	return 0, nil
}

// toString formats scalar variable values the way Ansible would see them.
func toString(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case bool:
		if t {
			return "true"
		}
		return "false"
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32)
	case fmt.Stringer:
		return t.String()
	}
	return fmt.Sprint(x)
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return p, nil
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "on", "y":
		return true
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// expandHome replaces a leading ~/ with the current user's home.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
