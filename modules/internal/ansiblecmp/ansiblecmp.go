// Package ansiblecmp runs a module with Ansible's own ansible command and
// with hactl against the same lab host, so tests can prove both leave the
// same end state and report the same change.
package ansiblecmp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

// Require skips the test when the ansible command is missing: the
// comparison cannot run without it.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ansible"); err != nil {
		t.Skip("ansible is not installed on this machine: the side-by-side comparison needs it")
	}
}

// Run runs one module with the ansible command against h and reports
// whether Ansible said CHANGED. A failed module fails the test.
func Run(t testing.TB, h *modtest.Host, module string, args map[string]any) bool {
	t.Helper()
	dir := t.TempDir()
	inv, err := json.Marshal(map[string]any{"all": map[string]any{"hosts": map[string]any{h.Name: h.Vars}}})
	require.NoError(t, err)
	invPath := filepath.Join(dir, "inventory.yml")
	require.NoError(t, os.WriteFile(invPath, inv, 0o600))
	a, err := json.Marshal(args)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ansible", "-i", invPath, h.Name, "-m", module, "-a", string(a))
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3", "ANSIBLE_LOCAL_TEMP="+dir, "ANSIBLE_HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ansible %s: %s", module, out)
	return strings.Contains(string(out), h.Name+" | CHANGED")
}

// SideBySide puts h in the same state (reset), runs the module with
// Ansible and then with hactl, and checks that both leave the same result
// (the output of read) and report the same change.
func SideBySide(t testing.TB, h *modtest.Host, module string, args map[string]any, reset, read string) {
	t.Helper()
	h.Sh(t, reset)
	ansibleChanged := Run(t, h, module, args)
	want := h.Sh(t, read)
	h.Sh(t, reset)
	res := h.MustRun(t, module, args, false, false)
	assert.Equal(t, want, h.Sh(t, read), "%s %v: hactl and Ansible disagree", module, args)
	assert.Equal(t, ansibleChanged, res.Changed, "%s %v: changed", module, args)
}
