package roles_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/roles"
)

// lintSwarm plays the swarm role's inventory lint (tasks_from: lint.yml,
// connection local: the lint reaches no host) on an inventory and returns
// the exit code and the output.
func lintSwarm(t *testing.T, inventory string, extra map[string]any) (int, string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte(inventory), 0o644))
	play := filepath.Join(dir, "lint.yml")
	require.NoError(t, os.WriteFile(play, []byte(`- hosts: all
  gather_facts: false
  connection: local
  tasks:
    - ansible.builtin.import_role:
        name: swarm
        tasks_from: lint.yml
`), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	stats, err := runner.Run(ctx, runner.Options{
		Inventories: []string{filepath.Join(dir, "hosts")},
		RoleFS:      roles.FS(),
		ExtraVars:   extra,
		Reporter:    report.NewText(&out, 0, false),
	}, play)
	require.NoError(t, err, "%s", out.String())
	return stats.ExitCode(), out.String()
}

// TestSwarmLintLayouts runs the inventory lint on the manager layouts it
// must refuse (each with the reason it must give) and on those it must
// accept.
func TestSwarmLintLayouts(t *testing.T) {
	refused := map[string][]string{
		"[swarm_managers]\nm1\n": {
			"1 manager(s): no fault tolerance, losing one manager loses quorum",
		},
		"[swarm_managers]\nm1\nm2\n[swarm_workers]\nw1\n": {
			"2 managers (m1, m2) is an even number: Raft needs a majority of 2",
			"losing EITHER one loses quorum",
			"2 manager(s): no fault tolerance",
		},
		"[swarm_managers]\nm1 swarm_failure_domain=hv1\nm2 swarm_failure_domain=hv1\nm3 swarm_failure_domain=hv1\n": {
			"all 3 managers are in failure domain hv1: losing it loses the swarm's control plane",
		},
		"[swarm_managers]\nm1 swarm_failure_domain=hv1\nm2 swarm_failure_domain=hv1\nm3 failure_domain=hv2\n": {
			"failure domain(s) hv1 (2 of 3): losing one of them loses quorum",
		},
		"[swarm_managers]\nm1 swarm_failure_domain=a\nm2 swarm_failure_domain=b\nm3\n": {
			"failure domain unknown for manager(s) m3 while others have one",
		},
		"[swarm_managers]\nm1\nm2\nm3\nm4\n": {
			"4 managers (m1, m2, m3, m4) is an even number: Raft needs a majority of 3, so the swarm survives 1 manager failure(s), no more than 3 manager(s) would",
		},
		"[swarm_workers]\nw1\n": {
			"the inventory group swarm_managers (swarm_managers_group) has no host",
		},
	}
	for inv, wants := range refused {
		code, out := lintSwarm(t, inv, nil)
		assert.Equal(t, 2, code, "%s\n%s", inv, out)
		for _, w := range wants {
			assert.Contains(t, out, w, inv)
		}
	}
	accepted := []string{
		"[swarm_managers]\nm1\nm2\nm3\n",
		"[swarm_managers]\nm1 swarm_failure_domain=hv1\nm2 swarm_failure_domain=hv2\nm3 swarm_failure_domain=arbiter\n[swarm_workers]\nw1\n",
		"[swarm_managers]\nm1 failure_domain=a\nm2 failure_domain=a\nm3 failure_domain=b\nm4 failure_domain=b\nm5 failure_domain=c\n",
	}
	for _, inv := range accepted {
		code, out := lintSwarm(t, inv, nil)
		assert.Equal(t, 0, code, "%s\n%s", inv, out)
		assert.NotContains(t, out, "unsafe manager layout", inv)
	}
}

// TestSwarmLintOverride: swarm_allow_unsafe_layout turns the refusal into
// a warning, and a managers group of another name is read.
func TestSwarmLintOverride(t *testing.T) {
	inv := "[mgr]\nm1\nm2\n"
	code, out := lintSwarm(t, inv, map[string]any{"swarm_managers_group": "mgr", "swarm_allow_unsafe_layout": true})
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "WARNING: swarm: unsafe manager layout in group mgr: 2 managers (m1, m2)")
	code, out = lintSwarm(t, inv, map[string]any{"swarm_managers_group": "mgr"})
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "(set swarm_allow_unsafe_layout: true to go on anyway)")
}
