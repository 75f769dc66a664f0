package playbook

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDynamicIncludes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  become: yes
  tasks:
    - block:
        - include_tasks:
            file: inc.yml
            apply:
              tags: applied
              become_user: bob
              vars: {av: 1}
          when: inc_cond
          tags: inctag
          vars: {iv: 1}
          loop: [1, 2]
        - include_role:
            name: dyn
            tasks_from: other
            apply: {when: role_cond}
            public: yes
          when: role_inc_cond
      when: block_cond
      tags: blocktag
      notify: h
    - include: old.yml x=1
  handlers:
    - name: h
      test_msg: msg=h
`,
		"inc.yml":                     "- name: included\n  test_msg: msg=i\n  when: own\n",
		"old.yml":                     "- test_msg: msg=o\n",
		"roles/dyn/tasks/other.yml":   "- name: dyn task\n  test_msg: msg=d\n",
		"roles/dyn/handlers/main.yml": "- name: dh\n  test_msg: msg=d\n",
	})
	l := &Loader{}
	pb, err := l.LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	p := pb.Plays[0]
	blk := p.Tasks[0]
	inc, incRole := blk.Block[0], blk.Block[1]
	require.NotNil(t, inc.Include)
	assert.Equal(t, "include_tasks", inc.Include.Kind)
	assert.Equal(t, "inc.yml", inc.Include.File)
	assert.Equal(t, "loop", inc.LoopKind)
	assert.Equal(t, []string{"block_cond", "inc_cond"}, exprs(inc.When))
	assert.Equal(t, map[string]any{"tags": "applied", "become_user": "bob", "vars": map[string]any{"av": 1}}, inc.Include.Apply)

	tasks, err := l.LoadTasks(inc.Include.File, inc, inc.Role, p)
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	it := tasks[0]
	assert.Same(t, inc, it.Parent, "the include's vars apply through Parent")
	assert.Equal(t, []string{"block_cond", "own"}, exprs(it.When), "the include's own when applies to the include alone")
	assert.Equal(t, []string{"blocktag", "applied"}, it.Tags)
	assert.Equal(t, "bob", it.BecomeUser)
	assert.Equal(t, true, it.Become)
	assert.Equal(t, []string{"h"}, it.Notify, "notify of the enclosing block")
	assert.Equal(t, map[string]any{"av": 1}, it.Vars)
	assert.Equal(t, filepath.Join(dir, "inc.yml"), it.Pos.File)

	again, err := l.LoadTasks(filepath.Join(dir, "inc.yml"), inc, inc.Role, p)
	require.NoError(t, err, "an already resolved path works too")
	assert.Len(t, again, 1)

	require.NotNil(t, incRole.Include)
	assert.Equal(t, "include_role", incRole.Include.Kind)
	assert.Equal(t, "dyn", incRole.Include.RoleName)
	assert.Equal(t, "other", incRole.Include.TasksFrom)
	assert.True(t, incRole.Include.Public)
	r, err := l.LoadRole(incRole.Include.RoleName, RoleOptions{TasksFrom: incRole.Include.TasksFrom, Params: map[string]any{"p": 1}}, incRole, p)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"p": 1}, r.Params)
	require.Len(t, r.Tasks, 1)
	assert.Equal(t, "dyn : dyn task", r.Tasks[0].DisplayName())
	assert.Equal(t, []string{"block_cond", "role_cond"}, exprs(r.Tasks[0].When))
	assert.Same(t, incRole, r.Tasks[0].Parent)
	require.Len(t, r.Handlers, 1)

	old := p.Tasks[1]
	require.NotNil(t, old.Include)
	assert.Equal(t, "include_tasks", old.Include.Kind, "include: is include_tasks")
	assert.Equal(t, "old.yml", old.Include.File)
	assert.Equal(t, map[string]any{"x": "1"}, old.Vars, "include: passes its k=v as vars")
}

func TestLoadTasksErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": "- hosts: all\n  tasks:\n    - include_tasks: x.yml\n",
		"bad.yml":  "- test_msg: msg=a\n  whne: b\n  when: c\n",
	})
	l := &Loader{}
	pb, err := l.LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	inc := pb.Plays[0].Tasks[0]
	_, err = l.LoadTasks("x.yml", inc, nil, pb.Plays[0])
	assert.ErrorContains(t, err, filepath.Join(dir, "site.yml")+`:3:7: include_tasks: file "x.yml" not found`)
	_, err = l.LoadTasks("bad.yml", inc, nil, pb.Plays[0])
	assert.ErrorContains(t, err, filepath.Join(dir, "bad.yml")+`:2:3: "whne" is not a valid keyword for a task (did you mean "when"?)`)
	_, err = l.LoadRole("nope", RoleOptions{}, inc, pb.Plays[0])
	assert.ErrorContains(t, err, `role "nope" not found`)
	_, err = l.LoadRole("{{ x }}", RoleOptions{}, inc, pb.Plays[0])
	assert.ErrorContains(t, err, "templated role names")
}
