package playbook

import (
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmbeddedRolesAndSearchOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  roles:
    - emb
    - shadowed
    - { role: elsewhere, tags: [x] }
    - ./lib/bypath
`,
		"roles/shadowed/tasks/main.yml":  "- name: from disk\n  test_msg: msg=disk\n",
		"extra/elsewhere/tasks/main.yml": "- name: from roles path\n  test_msg: msg=x\n",
		"lib/bypath/tasks/main.yml":      "- name: by path\n  test_msg: msg=p\n",
	})
	embedded := fstest.MapFS{
		"emb/tasks/main.yml":        {Data: []byte("- name: embedded task\n  test_msg: msg=e\n")},
		"emb/defaults/main/a.yml":   {Data: []byte("a: 1\nshared: from-a\n")},
		"emb/defaults/main/b.yml":   {Data: []byte("b: 2\nshared: from-b\n")},
		"emb/meta/main.yml":         {Data: []byte("dependencies:\n  - role: emb_dep\n    when: dep_cond\n")},
		"emb_dep/tasks/main.yaml":   {Data: []byte("- test_msg: msg=dep\n")},
		"shadowed/tasks/main.yml":   {Data: []byte("- name: from the binary\n  test_msg: msg=bin\n")},
		"emb/handlers/main.yml":     {Data: []byte("- name: emb handler\n  test_msg: msg=h\n")},
		"emb/templates/x.conf.j2":   {Data: []byte("x")},
		"emb_dep/defaults/main.yml": {Data: []byte("")},
	}
	l := &Loader{RolesPath: []string{filepath.Join(dir, "extra")}, ExtraRoleFS: embedded}
	pb, err := l.LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	roles := pb.Plays[0].Roles
	require.Len(t, roles, 4)

	emb := roles[0]
	assert.Equal(t, "emb", emb.Name)
	assert.Equal(t, "emb", emb.Dir)
	assert.NotNil(t, emb.FS)
	assert.Equal(t, map[string]any{"a": 1, "b": 2, "shared": "from-b"}, emb.Defaults, "main/ files merge in name order")
	assert.Equal(t, "embedded:emb/tasks/main.yml", emb.Tasks[0].Pos.File)
	require.Len(t, emb.Deps, 1)
	dep := emb.Deps[0]
	assert.Equal(t, "emb_dep", dep.Name)
	assert.Equal(t, []string{"dep_cond"}, exprs(dep.Tasks[0].When))
	assert.Equal(t, "emb_dep : test_msg", dep.Tasks[0].DisplayName())

	assert.Equal(t, "from disk", roles[1].Tasks[0].Name, "disk roles win over embedded ones")
	assert.Nil(t, roles[1].FS)
	assert.Equal(t, "from roles path", roles[2].Tasks[0].Name)
	assert.Equal(t, []string{"x"}, roles[2].Tasks[0].Tags)
	assert.Equal(t, "bypath", roles[3].Name)
	assert.Equal(t, "by path", roles[3].Tasks[0].Name)

	require.Len(t, pb.Plays[0].Handlers, 1)
	assert.Equal(t, "emb : emb handler", pb.Plays[0].Handlers[0].DisplayName())
}

func TestRoleDeduplication(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  roles:
    - once
    - once
    - { role: once, p: 2 }
    - twice
    - twice
    - needs_once
`,
		"roles/once/tasks/main.yml":       "- test_msg: msg=once\n",
		"roles/twice/tasks/main.yml":      "- test_msg: msg=twice\n",
		"roles/twice/meta/main.yml":       "allow_duplicates: yes\n",
		"roles/needs_once/meta/main.yml":  "dependencies: [once]\n",
		"roles/needs_once/tasks/main.yml": "- test_msg: msg=n\n",
	})
	pb, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	var got []string
	for _, r := range pb.Plays[0].Roles {
		got = append(got, r.Name)
		assert.Empty(t, r.Deps, "once was already applied with no params")
	}
	assert.Equal(t, []string{"once", "once", "twice", "twice", "needs_once"}, got)
	assert.Equal(t, map[string]any{"p": 2}, pb.Plays[0].Roles[1].Params)
}

func TestImportRoleInBlock(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  tasks:
    - block:
        - import_role:
            name: web
            tasks_from: setup
            vars_from: extra
            handlers_from: more
          vars: {port: 8080}
          when: enabled
          tags: webtag
      vars: {outer: 1}
    - test_msg: msg=x
      notify: "web : reload"
`,
		"roles/web/tasks/setup.yml":   "- name: setup\n  test_msg: msg=s\n- import_tasks: sub.yml\n",
		"roles/web/tasks/sub.yml":     "- name: sub\n  test_msg: msg=sub\n",
		"roles/web/vars/extra.yml":    "v: 1\n",
		"roles/web/handlers/more.yml": "- name: reload\n  test_msg: msg=r\n",
		"roles/web/handlers/main.yml": "- name: not loaded\n  test_msg: msg=r\n",
		"roles/web/tasks/main.yml":    "- name: not loaded\n  test_msg: msg=m\n",
		"roles/web/defaults/main.yml": "d: 1\n",
	})
	pb, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	p := pb.Plays[0]
	blk := p.Tasks[0]
	require.Len(t, blk.Block, 2)
	setup, sub := blk.Block[0], blk.Block[1]
	assert.Equal(t, "web : setup", setup.DisplayName())
	assert.Equal(t, "web : sub", sub.DisplayName())
	assert.Same(t, blk, setup.Parent)
	assert.Equal(t, []string{"enabled"}, exprs(sub.When))
	assert.Equal(t, []string{"webtag"}, sub.Tags)
	r := setup.Role
	assert.Equal(t, map[string]any{"port": 8080}, r.Params)
	assert.Equal(t, map[string]any{"v": 1}, r.Vars)
	assert.Equal(t, map[string]any{"d": 1}, r.Defaults)
	assert.True(t, r.Public)
	require.Len(t, p.Handlers, 1)
	assert.Equal(t, "web : reload", p.Handlers[0].DisplayName())
}

func TestImportPlaybookKeywords(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- import_playbook: sub/inner.yml
  vars: {v: outer}
  tags: imp
  when: go
- hosts: b
  tasks: [{test_msg: msg=b}]
`,
		"sub/inner.yml": `
- hosts: a
  vars: {v: inner, w: 1}
  tasks:
    - import_tasks: t.yml
`,
		"sub/t.yml": "- name: t\n  test_msg: msg=t\n  tags: own\n",
	})
	pb, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.NoError(t, err)
	require.Len(t, pb.Plays, 2)
	a := pb.Plays[0]
	assert.Equal(t, filepath.Join(dir, "sub"), a.Dir)
	assert.Equal(t, map[string]any{"v": "outer", "w": 1}, a.Vars, "import_playbook vars override the play's")
	task := a.Tasks[0]
	assert.Equal(t, []string{"imp", "own"}, task.Tags)
	assert.Equal(t, []string{"go"}, exprs(task.When))
	assert.Equal(t, "b", pb.Plays[1].Hosts)
	assert.Empty(t, pb.Plays[1].Tags)
}
