package executor_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func TestStartAtTask(t *testing.T) {
	h := newHarness(t, "a")
	h.opts.StartAtTask = "second"
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: first, t_run: {cmd: first}}
    - {name: second, t_run: {cmd: second}}
    - {name: third, t_run: {cmd: third}}
`)
	assert.Equal(t, []string{"a: second", "a: third"}, h.log.all())
}

func TestIgnoreUnreachableKeepsGoing(t *testing.T) {
	h := newHarness(t, "a")
	h.log.down["a"] = true
	stats := h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: one, t_state: {}, ignore_unreachable: true}
    - {name: two, t_state: {}, ignore_unreachable: true}
`)
	assert.Equal(t, 2, stats.Host("a").Unreachable)
	assert.Len(t, h.results("two"), 1)
}

func TestNoLogHidesResultInEventsButNotInRegister(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: secret, t_state: {value: s3cret}, no_log: true, register: r}
    - {name: use, t_state: {value: "{{ r.value }}"}}
`)
	assert.True(t, h.results("secret")["a"].NoLog)
	assert.Equal(t, "s3cret", h.results("use")["a"].Result["value"])
}

func TestMetaFlushHandlersAndEndHost(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["b"] = map[string]any{"stop": true}
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - {name: change, t_state: {changed: true}, notify: h1}
    - meta: flush_handlers
    - {name: mid, t_run: {cmd: "mid"}}
    - meta: end_host
      when: stop | default(false)
    - {name: last, t_run: {cmd: "last"}}
  handlers:
    - {name: h1, t_run: {cmd: handler}}
`)
	cmds := h.log.all()
	// handlers run before "mid" on both hosts; b ends before "last".
	assert.ElementsMatch(t, []string{"a: handler", "b: handler"}, cmds[:2])
	assert.ElementsMatch(t, []string{"a: mid", "b: mid"}, cmds[2:4])
	assert.Equal(t, []string{"a: last"}, cmds[4:])
}

func TestRolesDefaultsVarsParamsAndHandlers(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		p = filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	write("roles/web/defaults/main.yml", "http_port: 80\nname_d: default\nover: default\n")
	write("roles/web/vars/main.yml", "from_vars: rolevars\n")
	write("roles/web/tasks/main.yml", `
- name: configure
  t_state: {value: "{{ http_port }} {{ name_d }} {{ from_vars }} {{ over }}", changed: true}
  notify: restart web
`)
	write("roles/web/handlers/main.yml", "- {name: restart web, t_run: {cmd: 'restart {{ http_port }}'}}\n")
	write("site.yml", `
- hosts: all
  gather_facts: no
  vars:
    over: play
  roles:
    - {role: web, http_port: 8080}
`)
	h := newHarness(t, "a")
	h.runFile(filepath.Join(dir, "site.yml"))
	assert.Equal(t, "8080 default rolevars play", h.results("configure")["a"].Result["value"])
	assert.Equal(t, []string{"a: restart 8080"}, h.log.all())
}

func TestDelegateFactsGoToTheDelegate(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.run(`
- hosts: a
  gather_facts: no
  tasks:
    - t_fact: {facts: {ansible_where: "{{ inventory_hostname }}"}}
      delegate_to: b
      delegate_facts: true
- hosts: b
  gather_facts: no
  tasks:
    - {name: read, t_state: {value: "{{ ansible_where }}"}}
`)
	assert.Equal(t, "a", h.results("read")["b"].Result["value"])
}

func TestWithItemsFlattensAndWithDictSorts(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: items
      t_run: {cmd: "{{ item }}"}
      with_items: [[x, y], z]
    - name: dict
      t_run: {cmd: "{{ item.key }}={{ item.value }}"}
      with_dict: {b: 2, a: 1}
    - name: seq
      t_run: {cmd: "{{ item }}"}
      with_sequence: start=1 end=3 format=n%02d
`)
	assert.Equal(t, []string{"a: x", "a: y", "a: z", "a: a=1", "a: b=2", "a: n01", "a: n02", "a: n03"}, h.log.all())
	assert.Equal(t, executor.StatusChanged, h.results("seq")["a"].Status)
}

// peerModule runs a command on another inventory host through the
// runner's connection (Target.Connect), as cluster modules do.
type peerModule struct{}

func (peerModule) Spec() module.Spec {
	return module.Spec{Name: "t_peer", CheckMode: true, Params: []module.Param{{Name: "peer", Type: module.Str, Required: true}}}
}

func (peerModule) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	c, err := t.Connect(ctx, a.String("peer"))
	if err != nil {
		return module.Result{}, err
	}
	r, err := c.Run(ctx, "from "+t.Host, transport.RunOpts{})
	if err != nil {
		return module.Result{}, err
	}
	return module.Result{Data: map[string]any{"stdout": string(r.Stdout)}}, nil
}

func init() { module.Register(peerModule{}) }

func TestModulesReachOtherHostsThroughTheRunner(t *testing.T) {
	h := newHarness(t, "a", "b")
	h.inv.vars["b"] = map[string]any{"ansible_host": "10.77.0.9"}
	h.run(`
- hosts: a
  gather_facts: no
  environment: {X: "1"}
  tasks:
    - {name: peer, t_peer: {peer: b}}
    - {name: stranger, t_peer: {peer: nobody}, ignore_errors: true}
`)
	assert.Equal(t, []string{"10.77.0.9: X=1 from a"}, h.log.all())
	assert.Contains(t, h.results("stranger")["a"].Result["msg"], "not an inventory host")
}

// Facts set by one loop item are seen by the next, as in Ansible: the
// accumulate idiom works; an extra variable still wins.
func TestSetFactInALoopAccumulates(t *testing.T) {
	h := newHarness(t, "a")
	h.opts.ExtraVars = map[string]any{"pinned": "cli"}
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - set_fact:
        acc: "{{ acc | default([]) + [item] }}"
        pinned: "{{ item }}"
      loop: [1, 2, 3]
    - name: show
      t_run: {cmd: "{{ acc | join(',') }} {{ pinned }}"}
`)
	assert.Equal(t, []string{"a: 1,2,3 cli"}, h.log.all())
}

// A loop item is labelled as Ansible prints it (Python's str()).
func TestLoopItemLabelsArePythonStrings(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: items
      t_run: {cmd: "x"}
      loop: [{b: 2, a: "x"}, plain, [1, true]]
`)
	var labels []string
	for _, e := range h.events {
		if e.IsItem {
			labels = append(labels, e.Label)
		}
	}
	assert.Equal(t, []string{"{'a': 'x', 'b': 2}", "plain", "[1, True]"}, labels)
}

// An !unsafe string nested in a module's arguments reaches the module as
// a plain string, unrendered.
func TestUnsafeArgumentsReachModulesAsPlainStrings(t *testing.T) {
	h := newHarness(t, "a")
	h.run(`
- hosts: all
  gather_facts: no
  tasks:
    - name: show
      t_run: {cmd: !unsafe "{{ not rendered }}"}
`)
	assert.Equal(t, []string{"a: {{ not rendered }}"}, h.log.all())
}
