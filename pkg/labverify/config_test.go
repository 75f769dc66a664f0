package labverify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `
target: "http://{{ lb_vip }}/"
client: {interval: 50ms, timeout: 1s}
defaults: {after: 3s}
scenarios:
  - name: kill
    fault: kill
    group: lb
    max_recovery: 10s
  - name: cut
    fault: cut
    hosts: [infra02]
    before: 1s
  - name: rolling update
    playbook: rolling-update.yml
    extra_vars: {app_service: web}
    max_failed: 0
`

func TestConfigSteps(t *testing.T) {
	c, err := ParseConfig([]byte(sample))
	require.NoError(t, err)
	steps, err := c.Steps(map[string][]string{"lb": {"infra01", "infra02"}})
	require.NoError(t, err)
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"kill infra01", "kill infra02", "cut infra02", "rolling update"}, names)
	assert.Equal(t, "infra02", steps[1].Host)
	assert.Equal(t, 10*time.Second, steps[0].Scenario.MaxRecovery.D(0))
	assert.Equal(t, 3*time.Second, steps[0].Timing.After.D(0), "from defaults")
	assert.Equal(t, 2*time.Second, steps[0].Timing.Before.D(0), "built in")
	assert.Equal(t, time.Second, steps[2].Timing.Before.D(0), "the scenario's own")
	assert.Equal(t, 0, *steps[3].Scenario.MaxFailed)
	assert.Equal(t, map[string]any{"app_service": "web"}, steps[3].Vars)

	_, err = c.Steps(map[string][]string{})
	assert.ErrorContains(t, err, `group "lb" has no hosts`)

	require.NoError(t, c.Render(func(_, s string) (string, error) { return s + "x", nil }))
	assert.Equal(t, "http://{{ lb_vip }}/x", c.Target)
}

func TestConfigErrors(t *testing.T) {
	for text, want := range map[string]string{
		"scenarios: [{name: a, fault: kill, hosts: [h]}]":                               "target",
		"target: u\nscenarios: [{name: a, fault: reboot, hosts: [h]}]":                  "use kill, stop or cut",
		"target: u\nscenarios: [{name: a, fault: kill}]":                                "hosts or group",
		"target: u\nscenarios: [{name: a, fault: kill, playbook: p}]":                   "not both",
		"target: u\nscenarios: [{name: a, fault: kill, hosts: [h], max_recovery: ten}]": "invalid duration",
		"target: u\nscenarioz: []":                                                      "field scenarioz not found",
		"target: u\nwrites: {read_url: x}\nscenarios: [{name: a, playbook: p}]":         "create_url",
	} {
		_, err := ParseConfig([]byte(text))
		assert.ErrorContains(t, err, want, text)
	}
}
