package playbook

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, path string) *Playbook {
	t.Helper()
	pb, err := (&Loader{}).LoadPlaybook(path)
	require.NoError(t, err)
	return pb
}

// names lists display names of tasks, blocks expanded (block part only,
// as ansible-playbook --list-tasks prints them).
func names(ts []*Task) []string {
	var out []string
	for _, t := range ts {
		if t.IsBlock() {
			out = append(out, names(t.Block)...)
			continue
		}
		out = append(out, t.DisplayName())
	}
	return out
}

func TestArgForms(t *testing.T) {
	pb := load(t, "testdata/args/play.yml")
	ts := pb.Plays[0].Tasks
	require.Len(t, ts, 11)
	type want struct {
		module string
		args   map[string]any
	}
	wants := []want{
		{"test_cmd", map[string]any{"_raw_params": "ls -l other=1", "chdir": "/tmp", "creates": "/x"}},
		{"test_cmd", map[string]any{"cmd": "ls", "chdir": "/srv"}},
		{"test_cmd", map[string]any{"_raw_params": "if [ -f x ]; then\n  echo \"a b\"\nfi\n"}},
		{"hactl.test_cmd", map[string]any{"_raw_params": "echo hi", "removes": "/y"}},
		{"test_copy", map[string]any{"src": "a", "dest": "/etc/my file", "mode": "0644", "backup": true}},
		{"test_copy", map[string]any{"src": "a", "dest": "b"}},
		{"test_copy", map[string]any{"src": "a", "dest": "b"}},
		{"test_copy", map[string]any{"dest": "c"}},
		{"test_cmd", map[string]any{"_raw_params": "echo hi", "chdir": "/"}},
		{"test_msg", map[string]any{}},
		{"test_msg", map[string]any{"msg": "{{ a }} b", "var": "x"}},
	}
	for i, w := range wants {
		assert.Equal(t, w.module, ts[i].Module, "task %d", i)
		assert.Equal(t, w.args, ts[i].Args, "task %d", i)
	}
	assert.Equal(t, "localhost", ts[8].DelegateTo, "local_action delegates to localhost")
	assert.Empty(t, ts[7].DelegateTo)
	assert.Equal(t, Pos{File: "testdata/args/play.yml", Line: 3, Col: 7}, ts[0].Pos)
}

func TestSitePlay(t *testing.T) {
	pb := load(t, "testdata/site/site.yml")
	require.Len(t, pb.Plays, 1)
	p := pb.Plays[0]
	assert.Equal(t, "Web servers", p.Name)
	assert.Equal(t, "web,db", p.Hosts)
	assert.Equal(t, []any{1, "30%"}, p.Serial)
	assert.Equal(t, false, p.GatherFacts)
	assert.Equal(t, map[string]any{"port": 80}, p.Vars)
	assert.Equal(t, "testdata/site", p.Dir)

	// roles: common twice with different params; its dependency base
	// has the same params both times, so it is applied once.
	require.Len(t, p.Roles, 2)
	common, again := p.Roles[0], p.Roles[1]
	assert.Equal(t, "common", common.Name)
	assert.Equal(t, filepath.Join("testdata", "site", "roles", "common"), common.Dir)
	assert.Nil(t, common.Params)
	assert.Equal(t, map[string]any{"x": 1}, again.Params)
	assert.Equal(t, map[string]any{"common_var": "d"}, common.Defaults)
	assert.Equal(t, map[string]any{"common_v": "v"}, common.Vars)
	require.Len(t, common.Deps, 1)
	assert.Empty(t, again.Deps, "base was already applied with the same params")
	base := common.Deps[0]
	assert.Equal(t, map[string]any{"base_param": 1}, base.Params)
	assert.Equal(t, map[string]any{"base_default": 1}, base.Defaults)
	assert.True(t, common.Public)

	rt := again.Tasks[0]
	assert.Same(t, again, rt.Role)
	assert.Same(t, p, rt.Play)
	assert.Equal(t, []string{"play", "again"}, rt.Tags)
	require.Len(t, rt.When, 1)
	assert.Equal(t, "extra", rt.When[0].Expr)
	assert.Equal(t, true, rt.Become)
	assert.Equal(t, "common : common task", rt.DisplayName())

	assert.Equal(t, []string{"pre"}, names(p.PreTasks))
	assert.Equal(t, []string{"Install", "Run it", "in block", "more 1", "more 2",
		"include_tasks", "loop", "command", "copy"}, names(p.Tasks))

	// handlers: roles' first, then the play's; role handlers inherit the
	// role application's keywords.
	require.Len(t, p.Handlers, 3)
	assert.Equal(t, "common : common handler", p.Handlers[0].DisplayName())
	assert.True(t, p.Handlers[0].Handler)
	assert.Equal(t, []string{"play", "again"}, p.Handlers[1].Tags)
	assert.Equal(t, "restart nginx", p.Handlers[2].Name)
}

func TestSitePropagation(t *testing.T) {
	p := load(t, "testdata/site/site.yml").Plays[0]
	install := p.Tasks[0]
	assert.Equal(t, []string{"play", "web", "pkg"}, install.Tags, "tags \"a, b\" are split and unioned with the play's")
	assert.Equal(t, []string{"restart nginx"}, install.Notify)
	assert.Equal(t, []any{map[string]any{"LANG": "C"}}, install.Environment)

	run := p.Tasks[1]
	assert.Equal(t, "app", run.BecomeUser)
	assert.Equal(t, []Cond{{Expr: "port == 80", Pos: Pos{File: "testdata/site/site.yml", Line: 28, Col: 13}}}, run.When)

	blk := p.Tasks[2]
	require.True(t, blk.IsBlock())
	assert.Equal(t, false, blk.Become)
	require.Len(t, blk.Block, 3)
	inner := blk.Block[0]
	assert.Same(t, blk, inner.Parent)
	assert.Equal(t, false, inner.Become, "the block's become: no overrides the play's")
	assert.Equal(t, []string{"outer", "inner"}, exprs(inner.When), "outer conditions first")
	assert.Equal(t, []any{map[string]any{"LANG": "C"}, "{{ env }}"}, inner.Environment)

	more1, more2 := blk.Block[1], blk.Block[2]
	assert.Equal(t, "testdata/site/tasks/more.yml", more1.Pos.File)
	assert.Same(t, blk, more1.Parent, "imported tasks sit in the block around the import")
	assert.Equal(t, []string{"play", "imported", "m"}, more1.Tags)
	assert.Equal(t, []string{"play", "imported"}, more2.Tags)
	assert.Equal(t, map[string]any{"a": 1}, more1.Vars, "import vars are a scope around the imported tasks")
	assert.Equal(t, []string{"outer"}, exprs(more2.When))

	require.Len(t, blk.Rescue, 1)
	require.Len(t, blk.Always, 1)
	assert.Equal(t, map[string]any{"msg": "always"}, blk.Always[0].Args)

	inc := p.Tasks[3]
	require.NotNil(t, inc.Include)
	assert.Equal(t, "include_tasks", inc.Include.Kind)
	assert.Equal(t, "{{ file }}.yml", inc.Include.File)
	assert.Equal(t, []string{"dyn"}, exprs(inc.When))

	loop := p.Tasks[4]
	assert.Equal(t, "with_items", loop.LoopKind)
	assert.Equal(t, []any{1, 2}, loop.Loop)
	assert.Equal(t, "{{ item }}", loop.LoopControl.Label)
}

func exprs(cs []Cond) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Expr)
	}
	return out
}

// writeFiles creates files (path → content) under a temporary directory.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	return dir
}
