// Package modtest runs modules against real hosts in tests: it builds a
// module.Target over a real SSH connection to a lab host (or the local
// machine), validates arguments exactly as a play would, and checks the
// properties every module owes its users — check mode leaves the host
// byte-for-byte unchanged, the first real run changes, the second does not.
package modtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
)

// Host is a connection to one test host with the variables a play would
// give modules there.
type Host struct {
	Name string
	Conn transport.Conn
	Vars map[string]any
	// FilesDir is where FindFile looks for controller-side files.
	FilesDir string
}

// Lab brings up n lab hosts (torn down when the test ends) and connects
// to each over SSH with strict host key checking.
func Lab(t testing.TB, n int, opts labtest.Options) []*Host {
	t.Helper()
	hosts := labtest.Hosts(t, n, opts)
	out := make([]*Host, len(hosts))
	for i, h := range hosts {
		out[i] = Connect(t, h.Name, h.Vars)
	}
	return out
}

// Connect dials a host from its Ansible connection variables and closes
// the connection when the test ends.
func Connect(t testing.TB, name string, vars map[string]any) *Host {
	t.Helper()
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := transport.Dial(ctx, cfg)
	require.NoError(t, err, "connecting to %s", name)
	t.Cleanup(func() { _ = conn.Close() })
	v := maps.Clone(vars)
	v["inventory_hostname"] = name
	return &Host{Name: name, Conn: conn, Vars: v, FilesDir: t.TempDir()}
}

// Local returns the local machine as a host (transport.NewLocal).
func Local(t testing.TB) *Host {
	t.Helper()
	return &Host{Name: "localhost", Conn: transport.NewLocal(), Vars: map[string]any{"inventory_hostname": "localhost"}, FilesDir: t.TempDir()}
}

// Target builds the module.Target a play would pass, with the real
// template engine over the host's variables.
func (h *Host) Target(check, diff bool) *module.Target {
	eng := template.New()
	return &module.Target{
		Host:  h.Name,
		Conn:  h.Conn,
		Check: check,
		Diff:  diff,
		Vars:  h.Vars,
		Render: func(name, text string) (string, error) {
			return eng.Render(name, text, h.Vars)
		},
		Eval: func(expr string) (any, error) { return eng.Eval(expr, h.Vars) },
		FindFile: func(kind, name string) (string, error) {
			if filepath.IsAbs(name) {
				return name, nil
			}
			for _, p := range []string{filepath.Join(h.FilesDir, kind, name), filepath.Join(h.FilesDir, name)} {
				if _, err := os.Stat(p); err == nil {
					return p, nil
				}
			}
			return "", fmt.Errorf("could not find %q under %s", name, h.FilesDir)
		},
		Log: slog.New(slog.DiscardHandler),
	}
}

// Validate checks args against the named module's spec the way the
// loader (static) and the executor (at run time) do.
func Validate(name string, args map[string]any) (module.Module, module.Args, error) {
	m, ok := module.Lookup(name)
	if !ok {
		return nil, nil, module.UnknownError(name)
	}
	if _, err := m.Spec().Validate(args, true); err != nil {
		return nil, nil, err
	}
	a, err := m.Spec().Validate(args, false)
	return m, a, err
}

// Run validates args and runs the module on h.
func (h *Host) Run(t testing.TB, name string, args map[string]any, check, diff bool) (module.Result, error) {
	t.Helper()
	m, a, err := Validate(name, args)
	if err != nil {
		return module.Result{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return m.Run(ctx, h.Target(check, diff), a)
}

// MustRun runs the module and fails the test on an error or a failed
// result.
func (h *Host) MustRun(t testing.TB, name string, args map[string]any, check, diff bool) module.Result {
	t.Helper()
	res, err := h.Run(t, name, args, check, diff)
	require.NoError(t, err, "%s on %s", name, h.Name)
	require.False(t, res.Failed, "%s on %s failed: %s", name, h.Name, res.Msg)
	return res
}

// Sh runs a shell command on h and returns its stdout; a non-zero exit
// fails the test.
func (h *Host) Sh(t testing.TB, cmd string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := h.Conn.Run(ctx, cmd, transport.RunOpts{})
	require.NoError(t, err, cmd)
	require.Equal(t, 0, r.RC, "%s: %s%s", cmd, r.Stdout, r.Stderr)
	return string(r.Stdout)
}

// Snapshot fingerprints paths on h (type, mode, owner, size and content
// hash of every file below each path; "absent" when missing) and the
// output of probe commands (unit state, package state, …), so check mode
// can be proved to leave the host unchanged.
func (h *Host) Snapshot(t testing.TB, paths []string, probes ...string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range paths {
		q := transport.Quote(p)
		b.WriteString("if [ -e " + q + " ] || [ -L " + q + " ]; then find " + q +
			" -xdev -printf '%p %y %m %u %g %s %l\\n' | sort; find " + q +
			" -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum; else echo " + q + " absent; fi\n")
	}
	for _, c := range probes {
		b.WriteString("echo '## " + strings.ReplaceAll(c, "'", "") + "'; (" + c + ") 2>&1; echo rc=$?\n")
	}
	out := h.Sh(t, b.String())
	sum := sha256.Sum256([]byte(out))
	return hex.EncodeToString(sum[:8]) + "\n" + out
}

// Converge proves the module's contract for one set of arguments on a
// host where the state differs: check mode predicts a change and leaves
// the snapshot unchanged; the first real run changes; the second reports
// no change (and check mode then predicts none). paths and probes define
// the snapshot.
func (h *Host) Converge(t testing.TB, name string, args map[string]any, paths []string, probes ...string) module.Result {
	t.Helper()
	before := h.Snapshot(t, paths, probes...)
	res := h.MustRun(t, name, args, true, true)
	require.True(t, res.Changed, "check mode should predict a change for %s %v", name, args)
	require.Equal(t, before, h.Snapshot(t, paths, probes...), "check mode changed the host")

	first := h.MustRun(t, name, args, false, true)
	require.True(t, first.Changed, "first run of %s %v should change", name, args)
	require.NotEqual(t, before, h.Snapshot(t, paths, probes...), "first run of %s reported a change but the snapshot is the same", name)

	second := h.MustRun(t, name, args, false, true)
	require.False(t, second.Changed, "second run of %s %v should not change: %s", name, args, second.Msg)
	again := h.MustRun(t, name, args, true, false)
	require.False(t, again.Changed, "check mode after convergence should predict no change")
	return first
}
