package swarm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/systemd"
	_ "github.com/hactl/hactl/modules/util"
	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/runner"
)

// swarmPlay is a three-manager swarm as a play: the first manager
// initialises, the others join it (one at a time), and the layout lint
// must be clean.
const swarmPlay = `- hosts: managers
  gather_facts: false
  tasks:
    - name: dockerd runs
      systemd:
        name: docker
        state: started
    - name: swarm on the first manager
      swarm_cluster:
        advertise_addr: "{{ ansible_host }}"
      when: inventory_hostname == groups.managers[0]
    - name: the others join as managers
      swarm_member:
        manager: "{{ groups.managers }}"
        role: manager
        advertise_addr: "{{ ansible_host }}"
      when: inventory_hostname != groups.managers[0]
      throttle: 1
    - name: layout
      swarm_info:
        fail_on_warnings: true
      register: swarm
      run_once: true
    - assert:
        that:
          - swarm.managers == 3
          - swarm.quorum
`

// TestSwarmPlayIsIdempotent runs the play twice through the runner:
// hostvars reach swarm_member as the executor builds them, and the second
// run changes nothing on any host.
func TestSwarmPlayIsIdempotent(t *testing.T) {
	hosts := labtest.Hosts(t, 3, labtest.Options{Docker: true})
	dir := t.TempDir()
	var inv strings.Builder
	inv.WriteString("[managers]\n")
	over := map[string]map[string]any{}
	domains := []string{"hv1", "hv2", "proxy"}
	for i, h := range hosts {
		inv.WriteString(h.Name + " failure_domain=" + domains[i] + "\n")
		over[h.Name] = h.Vars
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte(inv.String()), 0o644))
	play := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(play, []byte(swarmPlay), 0o644))

	run := func() (*executor.Stats, []string) {
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		var failures []string
		stats, err := runner.Run(ctx, runner.Options{
			Inventories:   []string{filepath.Join(dir, "hosts")},
			HostOverrides: over,
			Reporter: executor.ReporterFunc(func(e executor.Event) {
				if e.Kind == executor.HostResult && (e.Status == executor.StatusFailed || e.Status == executor.StatusUnreachable) {
					failures = append(failures, e.Host+": "+e.Status.String()+": "+strings.TrimSpace(toString(e.Result["msg"])))
				}
			}),
		}, play)
		require.NoError(t, err)
		return stats, failures
	}
	stats, failures := run()
	require.Equal(t, 0, stats.ExitCode(), "first run: %v", failures)
	for _, h := range hosts {
		assert.Positive(t, stats.Host(h.Name).Changed, "first run changes %s", h.Name)
	}
	stats, failures = run()
	require.Equal(t, 0, stats.ExitCode(), "second run: %v", failures)
	for _, h := range hosts {
		assert.Zero(t, stats.Host(h.Name).Changed, "second run changes nothing on %s", h.Name)
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}
