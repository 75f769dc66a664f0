package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestLabVerifyErrors(t *testing.T) {
	if err := lab.CheckHost(); err != nil {
		t.Skipf("local lab unavailable, skipping: %v (CI runs these tests as root)", err)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte("h1\n"), 0o644))

	code, out := runLab(t, "verify", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "scenario file")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "verify.yml"), []byte("target: http://{{ vip }}/\nscenarios: [{name: cut, fault: cut, hosts: [h1]}]\n"), 0o644))
	code, out = runLab(t, "verify", dir, "--only", "kill")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "--only kill: no such scenario")

	code, out = runLab(t, "verify", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "is not a lab directory")

	require.NoError(t, os.WriteFile(filepath.Join(dir, lab.ConfigFile), []byte("name: tverifynotup\n"), 0o644))
	code, out = runLab(t, "verify", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "hactl lab up")
}

// TestLabVerifyMissedTarget runs `hactl lab verify` on a one-host lab
// without any redundancy: cutting the host is an outage that lasts until
// the host is healed after the recovery timeout, so the command prints the
// table and exits 1; the
// playbook scenario (which changes nothing the client sees) meets its
// target.
func TestLabVerifyMissedTarget(t *testing.T) {
	hosts := labtest.Hosts(t, 1, labtest.Options{})
	h := hosts[0]
	dir := h.LabDir
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := lab.Command(ctx, dir, h.Name, "sh", "-c",
		"systemd-run --unit=web -p WorkingDirectory=/etc python3 -m http.server 8080 && "+
			"for i in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1")
	require.NoError(t, err)
	out, err := c.CombinedOutput()
	require.NoError(t, err, "%s", out)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "noop.yml"), []byte("- hosts: all\n  gather_facts: false\n  tasks:\n    - command: 'true'\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "verify.yml"), []byte(fmt.Sprintf(`
target: "http://{{ ansible_host }}:8080/"
client: {interval: 50ms, timeout: 500ms}
defaults: {before: 500ms, after: 1s, observe: 2s, recovery_timeout: 3s}
scenarios:
  - {name: cut, fault: cut, hosts: [%s], max_recovery: 1s}
  - {name: noop, playbook: noop.yml, max_failed: 0}
`, h.Name)), 0o644))
	code, text := runLab(t, "verify", dir)
	t.Log(text)
	assert.Equal(t, 1, code)
	// The outage ends once the host is healed: ~3 s, over the 1 s target.
	assert.Regexp(t, `(?m)^cut `+h.Name+`\s+\d+\s+[1-9]\d*\s+[0-9.]+s\s+-\s+MISSED: outage \S+ > 1s$`, text)
	assert.Regexp(t, `(?m)^noop\s+\d+\s+0\s+-\s+-\s+ok$`, text)
	assert.Contains(t, text, "a scenario missed its targets")
}
