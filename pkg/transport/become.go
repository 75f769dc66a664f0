package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Become describes privilege escalation for the commands of a Conn
// (Ansible's become, become_method, become_user, become_password,
// become_flags, become_exe).
type Become struct {
	// Method is "sudo" (the default) or "su".
	Method string
	// User is the user to become; "root" when empty.
	User string
	// Password is the sudo password (secret). It is written to sudo's
	// standard input after sudo prompts for it, never put on a command
	// line, and never shown.
	Password string
	// Flags replace the default flags (-H for sudo); they are split like
	// shell words.
	Flags string
	// Exe is the sudo or su program; the method's name when empty.
	Exe string
}

// String describes b without its password.
func (b Become) String() string {
	s := b.method() + " to " + b.user()
	if b.Password != "" {
		s += " (password set)"
	}
	return s
}

// GoString is String, so that %#v does not print the password either.
func (b Become) GoString() string { return "transport.Become{" + b.String() + "}" }

// LogValue keeps the password out of slog output.
func (b Become) LogValue() slog.Value { return slog.StringValue(b.String()) }

func (b Become) method() string {
	if b.Method == "" {
		return "sudo"
	}
	return b.Method
}

func (b Become) user() string {
	if b.User == "" {
		return "root"
	}
	return b.User
}

// becomeConn runs everything through sudo or su on top of another Conn.
type becomeConn struct {
	inner Conn
	b     Become
	same  bool // the login user is already the become user
}

// WithBecome returns a Conn whose commands run as b.User through sudo or
// su on c. When c logs in as that user already (root → root), it only
// delegates. Otherwise Put, Get and Stat go through commands too (SFTP
// runs as the login user): Put streams the content to a temporary file
// next to the destination, checks its size, then renames it. Close closes c.
func WithBecome(c Conn, b Become) Conn {
	bc := &becomeConn{inner: c, b: b}
	if u, ok := c.(UserConn); ok && u.User() == b.user() {
		bc.same = true
	}
	return bc
}

// User returns the become user.
func (c *becomeConn) User() string { return c.b.user() }

// Close closes the underlying Conn.
func (c *becomeConn) Close() error { return c.inner.Close() }

// Run runs cmd with /bin/sh -c as the become user. Env and Dir are applied
// after the switch (sudo resets the environment).
func (c *becomeConn) Run(ctx context.Context, cmd string, opt RunOpts) (Result, error) {
	if c.same {
		return c.inner.Run(ctx, cmd, opt)
	}
	script, err := shellScript(cmd, opt)
	if err != nil {
		return Result{}, err
	}
	tok := randomToken()
	marker := "hactl-become-ok-" + tok
	prompt := "[hactl-become-prompt-" + tok + "] "
	line, err := c.commandLine(marker, prompt, script)
	if err != nil {
		return Result{}, err
	}

	var stdout, stderr bytes.Buffer
	var outW, errW io.Writer = &stdout, &stderr
	if opt.Stdout != nil {
		outW = opt.Stdout
	}
	if opt.Stderr != nil {
		errW = opt.Stderr
	}
	out := newLineTap(outW, marker)
	inner := RunOpts{Timeout: opt.Timeout, Stdout: out, Stderr: errW}
	var gate *stdinGate
	if c.b.Password != "" && c.b.method() == "sudo" {
		gate = newStdinGate(c.b.Password, opt.Stdin, out.hit)
		prompts := newTokenStripper(errW, prompt, gate.prompted)
		inner.Stderr, inner.Stdin = prompts, gate
		defer prompts.flush()
	} else {
		inner.Stdin = opt.Stdin
	}
	res, err := c.inner.Run(ctx, line, inner)
	if gate != nil {
		gate.finish()
	}
	out.flush()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", c.b.String(), err)
	}
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	if _, ok := out.result(); !ok {
		return res, c.failure(res, gate, &stderr)
	}
	return res, nil
}

// failure explains why the switch did not happen.
func (c *becomeConn) failure(res Result, gate *stdinGate, stderr *bytes.Buffer) error {
	if gate != nil && gate.rejected() {
		return fmt.Errorf("%w: %s: incorrect password", ErrBecome, c.b.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", res.RC)
	}
	if strings.Contains(msg, "password is required") {
		msg += " (set ansible_become_password)"
	}
	if strings.Contains(msg, "must be run from a terminal") {
		msg += " (su needs a terminal to read a password: use sudo, or log in as root)"
	}
	return fmt.Errorf("%w: %s: %s", ErrBecome, c.b.String(), firstLine(msg))
}

// commandLine builds the sudo or su command that prints marker once the
// switch succeeded, then runs script under /bin/sh.
func (c *becomeConn) commandLine(marker, prompt, script string) (string, error) {
	inner := "echo " + marker + "\n" + script
	flags, err := splitWords(c.b.Flags)
	if err != nil {
		return "", fmt.Errorf("become flags %q: %w", c.b.Flags, err)
	}
	switch c.b.method() {
	case "sudo":
		exe := firstNonEmpty(c.b.Exe, "sudo")
		args := []string{exe, "-S"}
		if c.b.Password != "" {
			args = append(args, "-p", prompt)
		} else {
			args = append(args, "-n")
		}
		if c.b.Flags == "" {
			flags = []string{"-H"}
		}
		args = append(args, flags...)
		args = append(args, "-u", c.b.user(), "/bin/sh", "-c", inner)
		return QuoteArgs(args), nil
	case "su":
		if c.b.Password != "" {
			return "", fmt.Errorf("%w: su with a password needs a terminal, which hactl does not allocate: use sudo, or log in as root", ErrBecome)
		}
		exe := firstNonEmpty(c.b.Exe, "su")
		args := append([]string{exe}, flags...)
		args = append(args, "-s", "/bin/sh", c.b.user(), "-c", inner)
		return QuoteArgs(args), nil
	}
	return "", fmt.Errorf("%w: become method %q is not supported (use sudo or su)", ErrBecome, c.b.Method)
}

// randomToken returns 16 random hex digits.
func randomToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
