// Package labtest brings lab hosts up for Go tests and always tears them
// down. On machines that cannot run the lab (not root, not Linux, no image
// can be built) the helpers skip the test with a message saying why.
package labtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/lab"
)

// Options tunes Hosts.
type Options struct {
	// Docker prepares every host to run dockerd.
	Docker bool
	// NFS gives every host an NFS export directory (lab.DefaultNFSPath).
	NFS bool
	// ExtraPackages are installed into the image on top of the default
	// packages (a separate cached image).
	ExtraPackages []string
	// Timeout bounds the bring-up, including building the image on first
	// use; zero means 15 minutes.
	Timeout time.Duration
}

// Host is one running lab host.
type Host struct {
	// Name is the host's inventory name and hostname.
	Name string
	// Address is its IPv4 address in the lab range.
	Address string
	// Vars are its connection variables: ansible_host, ansible_user,
	// ansible_ssh_private_key_file, ansible_ssh_common_args.
	Vars map[string]any
	// LabDir is the lab directory, for lab.Stop, lab.Cut and friends.
	LabDir string
	// KeyFile and KnownHosts are the lab's private key and known_hosts.
	KeyFile, KnownHosts string
}

// Hosts brings up n fresh hosts named h1..hn in a throwaway lab with a
// unique name and addresses no other running lab uses, and removes the lab
// when the test ends.
func Hosts(t testing.TB, n int, opts Options) []Host {
	t.Helper()
	return up(t, NewDir(t, n, opts), opts.Timeout)
}

// NewDir writes a throwaway lab directory for n hosts named h1..hn, with a
// unique lab name and addresses reserved for it, without bringing it up:
// for tests that drive lab.Up and lab.Down themselves. The directory is
// removed when the test ends; the lab is not.
func NewDir(t testing.TB, n int, opts Options) string {
	t.Helper()
	if n < 1 {
		t.Fatalf("labtest: n must be at least 1, got %d", n)
	}
	skipUnlessCapable(t)
	name := uniqueName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	addrs, err := lab.ReserveAddresses(ctx, name, n)
	cancel()
	if err != nil {
		t.Fatalf("labtest: reserve addresses: %v", err)
	}
	dir := t.TempDir()
	var inv strings.Builder
	hosts := map[string]any{}
	for i, a := range addrs {
		h := fmt.Sprintf("h%d", i+1)
		inv.WriteString(h + "\n")
		hosts[h] = map[string]any{"address": a.String(), "docker": opts.Docker, "nfs": opts.NFS}
	}
	cfg := map[string]any{"name": name, "hosts": hosts}
	if len(opts.ExtraPackages) > 0 {
		cfg["image"] = map[string]any{"extra_packages": opts.ExtraPackages}
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(inv.String()), 0o644); err != nil {
		t.Fatalf("labtest: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, lab.ConfigFile), data, 0o644); err != nil {
		t.Fatalf("labtest: %v", err)
	}
	return dir
}

// Dir brings up the lab directory dir and removes the lab when the test
// ends. A lab from dir that was already up is taken over and removed too.
func Dir(t testing.TB, dir string) []Host {
	t.Helper()
	skipUnlessCapable(t)
	return up(t, dir, 0)
}

// up brings dir up, registering its removal first so that a failed
// bring-up is cleaned too.
func up(t testing.TB, dir string, timeout time.Duration) []Host {
	t.Helper()
	if timeout == 0 {
		timeout = 15 * time.Minute
	}
	l, err := lab.Load(dir)
	if err != nil {
		t.Fatalf("labtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := lab.DownName(ctx, l.Name, lab.Options{HaltTimeout: 20 * time.Second}); err != nil {
			t.Errorf("labtest: lab %s down: %v", l.Name, err)
		}
	})
	skipUnlessImage(t, l.Recipe, timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st, err := lab.Up(ctx, dir, lab.Options{Log: logWriter{t}, SSHTimeout: 4 * time.Minute})
	if err != nil && ctx.Err() == nil {
		// Hosts get 4 minutes to answer SSH (a heavily loaded CI machine
		// boots them slowly). A host that fails to boot (nspawn
		// exiting, systemd stalling) says so in its console: keep that in
		// the test log, then try once more from scratch.
		logConsoles(t, l)
		t.Logf("labtest: lab up %s failed, retrying once: %v", dir, err)
		dctx, dcancel := context.WithTimeout(context.Background(), 3*time.Minute)
		derr := lab.DownName(dctx, l.Name, lab.Options{HaltTimeout: 20 * time.Second})
		dcancel()
		if derr != nil {
			t.Fatalf("labtest: lab %s down before retrying: %v (first error: %v)", l.Name, derr, err)
		}
		st, err = lab.Up(ctx, dir, lab.Options{Log: logWriter{t}, SSHTimeout: 4 * time.Minute})
	}
	if err != nil {
		logConsoles(t, l)
		t.Fatalf("labtest: lab up %s: %v", dir, err)
	}
	vars := st.ConnectionVars()
	out := make([]Host, 0, len(st.Hosts))
	for _, h := range st.Hosts {
		out = append(out, Host{
			Name: h.Name, Address: h.Address, Vars: vars[h.Name], LabDir: l.Dir,
			KeyFile: st.KeyPath(), KnownHosts: st.KnownHostsPath(),
		})
	}
	return out
}

// logConsoles logs the last lines of every host's console.
func logConsoles(t testing.TB, l *lab.Lab) {
	t.Helper()
	for _, h := range l.Hosts {
		p := filepath.Join(lab.StateDir(l.Name), "hosts", h.Name, "console.log")
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		t.Logf("labtest: console of %s (last lines):\n%s", h.Name, strings.Join(lines[max(0, len(lines)-25):], "\n"))
	}
}

// skipUnlessCapable skips the test on machines that cannot run labs.
func skipUnlessCapable(t testing.TB) {
	t.Helper()
	if err := lab.CheckHost(); err != nil {
		t.Skipf("local lab unavailable, skipping: %v (CI runs these tests as root)", err)
	}
}

// skipUnlessImage builds the image on first use and skips the test when it
// cannot be built here (no mirror reachable).
func skipUnlessImage(t testing.TB, r lab.Recipe, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	store := &lab.ImageStore{Log: logWriter{t}}
	if _, err := store.Ensure(ctx, r); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("labtest: building the lab image took longer than %s: %v", timeout, err)
		}
		t.Skipf("local lab image cannot be built here, skipping: %v", err)
	}
}

// uniqueName makes a lab name no other test uses: "t" and 10 random hex
// digits.
func uniqueName() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// logWriter sends progress lines to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
