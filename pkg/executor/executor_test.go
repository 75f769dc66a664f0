package executor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
)

func TestLinearRunsEveryTaskOnEveryHostAndCounts(t *testing.T) {
	h := newHarness(t, "a", "b", "c")
	stats := h.run(`
- hosts: all
  gather_facts: false
  tasks:
    - name: one
      t_state: {changed: true}
    - name: two
      t_state: {}
    - name: three
      t_run: {cmd: "echo {{ inventory_hostname }}"}
`)
	for _, host := range []string{"a", "b", "c"} {
		assert.Equal(t, []string{"one", "two", "three"}, h.ran(host))
		c := stats.Host(host)
		assert.Equal(t, executor.HostStats{OK: 3, Changed: 2}, c, host)
	}
	assert.ElementsMatch(t, []string{"a: echo a", "b: echo b", "c: echo c"}, h.log.all())
	assert.Equal(t, 0, stats.ExitCode())
}

func TestFailedHostStopsAndExitCode(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["b"] = map[string]any{"bad": true}
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: maybe fail
      t_state: {fail: "{{ bad | default(false) }}"}
    - name: after
      t_state: {}
`)
	assert.Equal(t, []string{"maybe fail", "after"}, h.ran("a"))
	assert.Equal(t, []string{"maybe fail"}, h.ran("b"))
	assert.Equal(t, 1, stats.Host("b").Failed)
	assert.Equal(t, 2, stats.ExitCode())
	assert.Contains(t, h.results("maybe fail")["b"].Result["msg"], "asked to fail on b")
}

func TestUnreachableHost(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.log.down["b"] = true
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: one, t_state: {}}
    - {name: two, t_state: {}}
`)
	assert.Equal(t, executor.HostStats{Unreachable: 1}, stats.Host("b"))
	assert.Equal(t, 2, stats.Host("a").OK)
	assert.Equal(t, 3, stats.ExitCode())
}

func TestWhenLoopRegisterAndChangedWhen(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  vars:
    items: [1, 2, 3]
  tasks:
    - name: loop
      t_state: {value: "{{ item * 10 }}", changed: "{{ item == 2 }}"}
      loop: "{{ items }}"
      when: item != 3
      register: r
    - name: check
      t_state: {value: "{{ r.results | rejectattr('skipped', 'defined') | map(attribute='value') | list }}"}
      register: c
      changed_when: r.results | length == 3
`)
	loop := h.results("loop")["a"]
	assert.Equal(t, executor.StatusChanged, loop.Status)
	res := loop.Result["results"].([]any)
	require.Len(t, res, 3)
	assert.Equal(t, true, res[2].(map[string]any)["skipped"])
	check := h.results("check")["a"]
	assert.Equal(t, executor.StatusChanged, check.Status)
	assert.EqualValues(t, []any{10, 20}, check.Result["value"])
}

func TestBlockRescueAlways(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["a"] = map[string]any{"bad": true}
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - block:
        - name: in block
          t_state: {fail: "{{ bad | default(false) }}"}
        - name: after fail
          t_state: {}
      rescue:
        - name: rescue
          t_state: {value: "{{ ansible_failed_result.msg }}"}
      always:
        - name: always
          t_state: {}
    - name: end
      t_state: {}
`)
	assert.Equal(t, []string{"in block", "rescue", "always", "end"}, h.ran("a"))
	assert.Equal(t, []string{"in block", "after fail", "always", "end"}, h.ran("b"))
	assert.Equal(t, "asked to fail on a", h.results("rescue")["a"].Result["value"])
	assert.Equal(t, executor.HostStats{OK: 3, Rescued: 1}, stats.Host("a"))
	assert.Equal(t, 0, stats.ExitCode())
}

func TestHandlersRunOnceInDefinitionOrderAndOnlyWhenNotified(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["a"] = map[string]any{"change": true}
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: maybe change
      t_state: {changed: "{{ change | default(false) }}"}
      notify: [second, first]
    - name: change again
      t_state: {changed: "{{ change | default(false) }}"}
      notify: first
  handlers:
    - name: first
      t_run: {cmd: first}
    - name: second
      t_run: {cmd: second}
      listen: topic
`)
	assert.Equal(t, []string{"a: first", "a: second"}, h.log.all())
}

func TestHandlersStillRunForHostThatFailsLater(t *testing.T) {
	h := newHarness(t, "a")
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: change
      t_state: {changed: true}
      notify: reload
    - name: boom
      t_state: {fail: true}
  handlers:
    - name: reload
      t_run: {cmd: reload}
`)
	assert.Equal(t, []string{"a: reload"}, h.log.all())
	assert.Equal(t, 2, stats.ExitCode())
}

func TestAnsibleHandlerPolicyOnRequest(t *testing.T) {
	h := newHarness(t, "a")
	no := false
	h.opts.ForceHandlers = &no
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: change, t_state: {changed: true}, notify: reload}
    - {name: boom, t_state: {fail: true}}
  handlers:
    - {name: reload, t_run: {cmd: reload}}
`)
	assert.Empty(t, h.log.all())
}

func TestSerialBatchesAndMaxFailPercentage(t *testing.T) {
	h := newHarness(t, "a", "b", "c", "d")
	h.inv.vars["a"] = map[string]any{"bad": true}
	h.run(`
- hosts: all
  gather_facts: no
  serial: 1
  max_fail_percentage: 0
  tasks:
    - name: t
      t_run: {cmd: "{{ 'x' if bad | default(false) else 'ok' }}"}
      failed_when: bad | default(false)
`)
	// The first batch (host a) fails: the play stops before b.
	assert.Equal(t, []string{"a: x"}, h.log.all())
}

func TestSerialRollsInBatches(t *testing.T) {
	h := newHarness(t, "a", "b", "c")
	h.run(`
- hosts: all
  gather_facts: no
  serial: [1, "50%"]
  tasks:
    - {name: one, t_run: {cmd: one}}
    - {name: two, t_run: {cmd: two}}
`)
	cmds := h.log.all()
	require.Len(t, cmds, 6)
	assert.Equal(t, []string{"a: one", "a: two"}, cmds[:2])
	// b and c form the second batch (50% of 3 rounds down to 1, so b then c).
	assert.Equal(t, []string{"b: one", "b: two", "c: one", "c: two"}, cmds[2:])
}

func TestAnyErrorsFatalStopsEveryHost(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["a"] = map[string]any{"bad": true}
	h.run(`
- hosts: all
  gather_facts: no
  any_errors_fatal: true
  tasks:
    - {name: one, t_state: {fail: "{{ bad | default(false) }}"}}
    - {name: two, t_run: {cmd: two}}
- hosts: all
  gather_facts: no
  tasks:
    - {name: three, t_run: {cmd: three}}
`)
	assert.Empty(t, h.log.all())
}

func TestIgnoreErrorsCountsLikeAnsible(t *testing.T) {
	h := newHarness(t, "a")
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: one, t_state: {fail: true}, ignore_errors: true}
    - {name: two, t_state: {}}
`)
	assert.Equal(t, executor.HostStats{OK: 2, Ignored: 1}, stats.Host("a"))
	assert.Equal(t, 0, stats.ExitCode())
}

func TestCheckModeSkipsModulesWithoutSupport(t *testing.T) {
	h := newHarness(t, "a")
	h.opts.Check = true
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: run, t_run: {cmd: danger}}
    - {name: state, t_state: {changed: true}, register: s}
    - {name: forced, t_run: {cmd: forced}, check_mode: false}
`)
	assert.Equal(t, []string{"a: forced"}, h.log.all())
	assert.Equal(t, executor.StatusSkipped, h.results("run")["a"].Status)
	assert.Equal(t, "check", h.results("state")["a"].Result["msg"])
}

func TestTags(t *testing.T) {
	cases := []struct {
		tags, skip []string
		want       []string
	}{
		{nil, nil, []string{"a: plain", "a: web", "a: always"}},
		{[]string{"web"}, nil, []string{"a: web", "a: always"}},
		{[]string{"debug"}, nil, []string{"a: never", "a: always"}},
		{nil, []string{"web"}, []string{"a: plain", "a: always"}},
		{[]string{"untagged"}, nil, []string{"a: plain", "a: always"}},
	}
	for _, c := range cases {
		h := newHarness(t, "a")
		h.opts.Tags, h.opts.SkipTags = c.tags, c.skip
		h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: plain, t_run: {cmd: plain}}
    - {name: web, t_run: {cmd: web}, tags: web}
    - {name: never, t_run: {cmd: never}, tags: [never, debug]}
    - {name: always, t_run: {cmd: always}, tags: always}
`)
		assert.Equal(t, c.want, h.log.all(), "tags=%v skip=%v", c.tags, c.skip)
	}
}

func TestVariablePrecedence(t *testing.T) {
	h := newHarness(t, "a")
	h.inv.vars["a"] = map[string]any{"v_inv": "inventory", "v_play": "inventory", "v_extra": "inventory"}
	h.opts.ExtraVars = map[string]any{"v_extra": "extra"}
	h.run(`
- hosts: all
  gather_facts: no
  vars:
    v_play: play
    v_task: play
  tasks:
    - name: show
      vars:
        v_task: task
      t_state:
        value: "{{ [v_inv, v_play, v_task, v_extra] }}"
`)
	assert.Equal(t, []any{"inventory", "play", "task", "extra"}, h.results("show")["a"].Result["value"])
}

func TestRegisterAndFactsReachHostvars(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: fact
      t_fact:
        facts: {ansible_color: "{{ inventory_hostname }}-blue"}
    - name: read
      t_state:
        value: "{{ hostvars['b'].ansible_color }} {{ ansible_facts.color }}"
`)
	assert.Equal(t, "b-blue a-blue", h.results("read")["a"].Result["value"])
}

func TestDelegateToUsesDelegateConnection(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["b"] = map[string]any{"ansible_host": "10.77.0.2"}
	h.run(`
- hosts: a
  gather_facts: no
  tasks:
    - name: deleg
      t_run: {cmd: "from {{ inventory_hostname }}"}
      delegate_to: b
`)
	assert.Equal(t, []string{"10.77.0.2: from a"}, h.log.all())
	assert.Equal(t, "b", h.results("deleg")["a"].Delegated)
}

func TestRunOnceSharesRegisteredResult(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: once
      t_run: {cmd: "once on {{ inventory_hostname }}"}
      run_once: true
      register: r
    - name: use
      t_state: {value: "{{ r.stdout }}"}
`)
	assert.Equal(t, []string{"a: once on a"}, h.log.all())
	assert.Equal(t, "once on a", h.results("use")["b"].Result["value"])
}

func TestUntilRetries(t *testing.T) {
	h := newHarness(t, "a")
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: retry
      t_run: {cmd: x}
      register: r
      until: r.stdout == "never"
      retries: 2
      delay: 0
`)
	assert.Len(t, h.log.all(), 3)
	assert.Equal(t, 3, h.results("retry")["a"].Result["attempts"])
	assert.Equal(t, 1, stats.Host("a").Failed)
}

func TestEnvironmentReachesCommands(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  environment: {PLAYV: p}
  tasks:
    - name: env
      t_run: {cmd: x}
      environment: {TASKV: "{{ inventory_hostname }}"}
`)
	cmds := h.log.all()
	require.Len(t, cmds, 1)
	assert.Contains(t, cmds[0], "PLAYV=p")
	assert.Contains(t, cmds[0], "TASKV=a")
}

func TestFreeStrategyLetsHostsRunAhead(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["a"] = map[string]any{"bad": true}
	stats := h.run(`
- hosts: all
  gather_facts: no
  strategy: free
  tasks:
    - {name: one, t_state: {fail: "{{ bad | default(false) }}"}}
    - {name: two, t_run: {cmd: two}}
`)
	assert.Equal(t, []string{"b: two"}, h.log.all())
	assert.Equal(t, 1, stats.Host("a").Failed)
}

func TestIncludeTasksPerHost(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["a"] = map[string]any{"which": "x"}
	h.inv.vars["b"] = map[string]any{"which": "y"}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.yml"), []byte("- {name: x, t_run: {cmd: 'x {{ n }}'}}\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "y.yml"), []byte("- {name: y, t_run: {cmd: 'y {{ n }}'}}\n"), 0o644))
	p := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(p, []byte(`
- hosts: all
  gather_facts: no
  tasks:
    - include_tasks: "{{ which }}.yml"
      vars: {n: 1}
`), 0o644))
	h.runFile(p)
	assert.ElementsMatch(t, []string{"a: x 1", "b: y 1"}, h.log.all())
}

func TestUndefinedVariableFailsTaskWithPosition(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: bad
      t_state: {value: "{{ nope }}"}
`)
	r := h.results("bad")["a"]
	assert.Equal(t, executor.StatusFailed, r.Status)
	msg := r.Result["msg"].(string)
	assert.Contains(t, msg, "nope")
	assert.True(t, strings.Contains(msg, "site.yml:"), msg)
}
