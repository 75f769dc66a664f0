package playbook

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInherit(t *testing.T) {
	outer := Options{
		Become: true, BecomeUser: "root", RemoteUser: "deploy", Throttle: 2,
		Tags: []string{"a", "b"}, When: []Cond{{Expr: "x"}}, Environment: []any{map[string]any{"A": "1"}},
		IgnoreErrors: false,
	}
	own := Options{
		Become: false, Tags: []string{"b", "c"}, When: []Cond{{Expr: "y"}},
		Environment: []any{"{{ env }}"}, IgnoreErrors: "{{ lax }}", Timeout: 30,
	}
	got := inherit(outer, own)
	assert.Equal(t, false, got.Become, "a nearer scope overrides scalars")
	assert.Equal(t, "root", got.BecomeUser, "unset scalars are inherited")
	assert.Equal(t, "deploy", got.RemoteUser)
	assert.Equal(t, 2, got.Throttle)
	assert.Equal(t, 30, got.Timeout)
	assert.Equal(t, "{{ lax }}", got.IgnoreErrors)
	assert.Equal(t, []string{"a", "b", "c"}, got.Tags)
	assert.Equal(t, []string{"x", "y"}, exprs(got.When))
	assert.Equal(t, []any{map[string]any{"A": "1"}, "{{ env }}"}, got.Environment)

	// Sibling scopes never share backing arrays.
	a := inherit(got, Options{When: []Cond{{Expr: "a"}}})
	b := inherit(got, Options{When: []Cond{{Expr: "b"}}})
	assert.Equal(t, []string{"x", "y", "a"}, exprs(a.When))
	assert.Equal(t, []string{"x", "y", "b"}, exprs(b.When))
}

func TestPosString(t *testing.T) {
	assert.Equal(t, "a.yml:3:5", Pos{File: "a.yml", Line: 3, Col: 5}.String())
	assert.Equal(t, "a.yml:3", Pos{File: "a.yml", Line: 3}.String())
	assert.Equal(t, "a.yml", Pos{File: "a.yml"}.String())
}

func TestHandlersListenAndNotify(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  tasks:
    - test_msg: msg=a
      notify: [restart web, "{{ dynamic }}"]
    - test_msg: msg=b
      notify: web stack
  handlers:
    - name: restart web
      test_msg: msg=r
      listen: web stack
      notify: after
    - listen: [after]
      test_msg: msg=after
      become: yes
`,
	})
	pb, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	hs := pb.Plays[0].Handlers
	require.Len(t, hs, 2)
	assert.Equal(t, []string{"web stack"}, hs[0].Listen)
	assert.Equal(t, []string{"after"}, hs[0].Notify)
	assert.True(t, hs[1].Handler)
	assert.Equal(t, true, hs[1].Become)
	assert.Equal(t, []string{"restart web", "{{ dynamic }}"}, pb.Plays[0].Tasks[0].Notify)
}

func TestNotifyCheckWaitsForDynamicHandlers(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  tasks:
    - test_msg: msg=a
      notify: from included role
    - include_role: {name: r}
- hosts: all
  tasks:
    - test_msg: msg=a
      notify: somewhere
  handlers:
    - include_tasks: handlers.yml
`,
		"roles/r/handlers/main.yml": "- name: from included role\n  test_msg: msg=h\n",
		"handlers.yml":              "- name: somewhere\n  test_msg: msg=h\n",
	})
	_, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	assert.NoError(t, err)
}

func TestImportRoleLoopIsAnError(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml":               "- hosts: all\n  tasks:\n    - import_role: name=r\n      loop: [1]\n",
		"roles/r/tasks/main.yml": "- test_msg: msg=a\n",
	})
	_, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	assert.ErrorContains(t, err, "site.yml:3:7: you cannot use loops on import_role; use include_role instead")
}
