package labverify

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
target: http://lb/
scenarios:
  - name: kill manager
    fault: kill
    group: managers
    checks:
      - {name: manageable, command: "docker node ls -q {{ x }}", host_group: managers, timeout: 5s}
  - name: update
    playbook: update.yml
    checks: [{command: "true", hosts: [m3]}]
`))
	require.NoError(t, err)
	require.NoError(t, c.Render(func(_, s string) (string, error) {
		return strings.ReplaceAll(s, "{{ x }}", "--filter role=manager"), nil
	}))
	steps, err := c.Steps(map[string][]string{"managers": {"m1", "m2", "m3"}})
	require.NoError(t, err)
	require.Len(t, steps, 4)
	assert.Equal(t, []string{"m2", "m3"}, steps[0].Checks[0].On, "the killed manager is left out")
	assert.Equal(t, []string{"m1", "m3"}, steps[1].Checks[0].On)
	assert.Equal(t, "docker node ls -q --filter role=manager", steps[1].Checks[0].Command, "commands are rendered")
	assert.Equal(t, 5*time.Second, steps[0].Checks[0].Timeout.D(0))
	assert.Equal(t, []string{"m3"}, steps[3].Checks[0].On)
	assert.Equal(t, "true", steps[3].Checks[0].label())

	_, err = c.Steps(map[string][]string{"managers": {"m1"}})
	assert.ErrorContains(t, err, "no host left to run it on once m1 is down")

	for text, want := range map[string]string{
		"target: u\nscenarios: [{name: a, fault: kill, hosts: [h], checks: [{host_group: g}]}]":                         "checks[0]: command is required",
		"target: u\nscenarios: [{name: a, fault: kill, hosts: [h], checks: [{command: x}]}]":                            "hosts or host_group is required",
		"target: u\nscenarios: [{name: a, fault: kill, hosts: [h], checks: [{command: x, hosts: [h], host_group: g}]}]": "not both",
		"target: u\nscenarios: [{name: a, fault: kill, hosts: [h], checks: [{command: x, host: h}]}]":                   "field host not found",
	} {
		_, err := ParseConfig([]byte(text))
		assert.ErrorContains(t, err, want, text)
	}
}

// TestRunnerChecks runs a check that passes only once the fault's outage
// is over (on a host other than the faulted one) and one that never
// passes: the first is timed and shown ok, the second misses the target.
func TestRunnerChecks(t *testing.T) {
	svc := &service{items: map[string]bool{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg, err := ParseConfig([]byte(`
target: ` + srv.URL + `/
client: {interval: 20ms, timeout: 500ms}
defaults: {before: 100ms, after: 100ms, observe: 500ms, recovery_timeout: 4s}
scenarios:
  - name: kill
    fault: kill
    group: managers
    checks: [{name: manageable, command: node-ls, host_group: managers}]
  - name: broken
    fault: stop
    hosts: [m1]
    recovery_timeout: 2s
    checks: [{command: never, hosts: [m2]}]
`))
	require.NoError(t, err)
	steps, err := cfg.Steps(map[string][]string{"managers": {"m1", "m2"}})
	require.NoError(t, err)
	env := &fakeEnv{svc: svc, outage: 1500 * time.Millisecond}
	env.exec = func(host, command string) (string, error) {
		if command == "node-ls" && !svc.down.Load() {
			return "3 nodes\n", nil
		}
		return "Error response from daemon: rpc error: no leader\n", errors.New("exit status 1")
	}
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := (&Runner{Config: cfg, Steps: steps, Env: env, Log: &log, RecoveredAfter: 3}).Run(ctx)
	require.NoError(t, err)
	require.Len(t, res, 3)

	for i, host := range []string{"m2", "m1"} {
		c := res[i].Checks
		require.Len(t, c, 1)
		assert.True(t, c[0].OK, "%+v", c[0])
		assert.Equal(t, host, c[0].Host, "run on the manager that was not killed")
		assert.Greater(t, c[0].After, time.Second, "passes only once the outage is over")
		assert.Greater(t, c[0].Attempts, 1)
		assert.Empty(t, res[i].Misses)
	}
	b := res[2]
	require.Len(t, b.Checks, 1)
	assert.False(t, b.Checks[0].OK)
	assert.GreaterOrEqual(t, b.Checks[0].Attempts, 2, "retried until the recovery timeout")
	require.NotEmpty(t, b.Misses)
	assert.Contains(t, b.Misses[len(b.Misses)-1], `check "never" failed`)
	assert.Contains(t, b.Misses[len(b.Misses)-1], "no leader")
	env.mu.Lock()
	for _, e := range env.execs {
		assert.NotContains(t, e, "m1: never")
	}
	env.mu.Unlock()

	var out bytes.Buffer
	require.NoError(t, WriteTable(&out, res, false))
	t.Logf("\n%s", out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	assert.Regexp(t, `^SCENARIO\s+REQUESTS\s+FAILED\s+RECOVERY\s+WRITES LOST\s+CHECKS\s+RESULT$`, lines[0])
	assert.Regexp(t, `^kill m1\s+\d+\s+\d+\s+\S+\s+-\s+ok [0-9.]+s\s+ok$`, lines[1])
	assert.Regexp(t, regexp.MustCompile(`^broken m1\s+\d+\s+\d+\s+\S+\s+-\s+failed 1/1\s+MISSED: .*check "never" failed`), lines[3])
	assert.Contains(t, log.String(), `check "manageable" passed on m2`)
}

// TestTogether loses a group's hosts at once, as one step: every host is
// faulted and restored, and the checks run on the hosts left.
func TestTogether(t *testing.T) {
	svc := &service{items: map[string]bool{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg, err := ParseConfig([]byte(`
target: ` + srv.URL + `/
client: {interval: 20ms, timeout: 500ms}
defaults: {before: 100ms, after: 100ms, observe: 500ms, recovery_timeout: 3s}
scenarios:
  - name: lose
    fault: kill
    group: hv1
    together: true
    checks: [{command: node-ls, host_group: managers}]
  - name: pair
    fault: cut
    hosts: [m2, w21]
    together: true
`))
	require.NoError(t, err)
	groups := map[string][]string{"hv1": {"m1", "w11", "w12"}, "managers": {"m1", "m2", "m3"}}
	steps, err := cfg.Steps(groups)
	require.NoError(t, err)
	require.Len(t, steps, 2)
	assert.Equal(t, "lose hv1", steps[0].Name)
	assert.Equal(t, []string{"m1", "w11", "w12"}, steps[0].Hosts)
	assert.Equal(t, []string{"m2", "m3"}, steps[0].Checks[0].On)
	assert.Equal(t, "pair m2+w21", steps[1].Name)

	env := &fakeEnv{svc: svc, outage: 300 * time.Millisecond}
	env.exec = func(host, _ string) (string, error) { return "ok", nil }
	res, err := (&Runner{Config: cfg, Steps: steps, Env: env, RecoveredAfter: 3}).Run(context.Background())
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.ElementsMatch(t, []string{
		"kill m1", "kill w11", "kill w12", "restore kill m1", "restore kill w11", "restore kill w12",
		"cut m2", "cut w21", "restore cut m2", "restore cut w21",
	}, env.calls)
	assert.Empty(t, res[0].Misses)
	assert.True(t, res[0].Checks[0].OK)
	assert.Equal(t, "m2", res[0].Checks[0].Host)

	_, err = ParseConfig([]byte("target: u\nscenarios: [{name: a, playbook: p, together: true}]"))
	assert.ErrorContains(t, err, "together applies to a fault")
	_, err = cfg.Steps(map[string][]string{"hv1": {"m1", "m2", "m3"}, "managers": {"m1", "m2", "m3"}})
	assert.ErrorContains(t, err, "no host left to run it on once m1, m2, m3 is down")
}
