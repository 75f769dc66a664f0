package executor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/module"
)

// readModule (t_read) resolves src like template/copy do and returns the
// path it got and, for a file, its content (for a directory, the files
// under it).
type readModule struct{}

func (readModule) Spec() module.Spec {
	return module.Spec{Name: "t_read", CheckMode: true, Params: []module.Param{
		{Name: "src", Type: module.Str, Required: true},
		{Name: "kind", Type: module.Str, Default: "templates"},
	}}
}

func (readModule) Run(_ context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p, err := t.FindFile(a.String("kind"), a.String("src"))
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	var content []string
	if fi.IsDir() {
		err = filepath.WalkDir(p, func(name string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, rerr := os.ReadFile(name)
				rel, _ := filepath.Rel(p, name)
				content = append(content, filepath.ToSlash(rel)+"="+string(b))
				err = rerr
			}
			return err
		})
	} else {
		var b []byte
		b, err = os.ReadFile(p)
		content = []string{string(b)}
	}
	if err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	return module.Result{Data: map[string]any{"path": p, "content": strings.Join(content, ";"), "mode": fi.Mode().Perm().String()}}, nil
}

func init() { module.Register(readModule{}) }

func TestEmbeddedRoleFindsItsTemplatesAndFiles(t *testing.T) {
	h := newHarness(t, "h1", "h2")
	h.roleFS = fstest.MapFS{
		"emb/tasks/main.yml": {Data: []byte(`
- name: tmpl
  t_read: src=x.conf.j2
- name: file
  t_read: src=y.txt kind=files
- name: script
  t_read: src=run.sh kind=files
- name: tree
  t_read: src=tree kind=files
- name: from play dir
  t_read: src=only-play.txt kind=files
- name: role root
  t_read: src=README.md
- include_tasks: more.yml
`)},
		"emb/tasks/more.yml":        {Data: []byte("- name: included\n  t_read: src=x.conf.j2\n")},
		"emb/templates/x.conf.j2":   {Data: []byte("embedded template")},
		"emb/files/y.txt":           {Data: []byte("embedded file")},
		"emb/files/run.sh":          {Data: []byte("#!/bin/sh\n"), Mode: 0o555},
		"emb/files/tree/a":          {Data: []byte("A")},
		"emb/files/tree/sub/b":      {Data: []byte("B")},
		"emb/README.md":             {Data: []byte("role readme")},
		"emb/files/only-play.txt.x": {Data: []byte("not this one")},
	}
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "files"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "files", "only-play.txt"), []byte("play file"), 0o644))
	site := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(site, []byte("- hosts: all\n  gather_facts: false\n  roles: [emb]\n"), 0o644))

	stats := h.runFile(site)
	assert.Equal(t, 0, stats.ExitCode())
	want := map[string]string{
		"tmpl":          "embedded template",
		"file":          "embedded file",
		"script":        "#!/bin/sh\n",
		"tree":          "a=A;sub/b=B",
		"from play dir": "play file",
		"role root":     "role readme",
		"included":      "embedded template",
	}
	var copies []string
	for name, content := range want {
		res := h.results(name)
		require.Len(t, res, 2, name)
		for host, e := range res {
			require.Equal(t, executor.StatusOK, e.Status, "%s on %s: %v", name, host, e.Result["msg"])
			assert.Equal(t, content, e.Result["content"], "%s on %s", name, host)
			if name != "from play dir" {
				copies = append(copies, e.Result["path"].(string))
			}
		}
	}
	for _, e := range h.results("script") {
		assert.Equal(t, "-rwxr-xr-x", e.Result["mode"], "an executable stays executable")
	}
	for _, p := range copies {
		_, err := os.Stat(p)
		assert.True(t, os.IsNotExist(err), "the copy %s is removed when the run ends", p)
	}
}

func TestDiskRoleOverridesEmbeddedFiles(t *testing.T) {
	h := newHarness(t, "h1")
	h.roleFS = fstest.MapFS{
		"emb/tasks/main.yml":      {Data: []byte("- name: tmpl\n  t_read: src=x.conf.j2\n")},
		"emb/templates/x.conf.j2": {Data: []byte("embedded")},
	}
	dir := t.TempDir()
	for p, c := range map[string]string{
		"roles/emb/tasks/main.yml":      "- name: tmpl\n  t_read: src=x.conf.j2\n",
		"roles/emb/templates/x.conf.j2": "from disk",
		"site.yml":                      "- hosts: all\n  gather_facts: false\n  roles: [emb]\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644))
	}
	h.runFile(filepath.Join(dir, "site.yml"))
	e := h.results("tmpl")["h1"]
	require.Equal(t, executor.StatusOK, e.Status, "%v", e.Result["msg"])
	assert.Equal(t, "from disk", e.Result["content"])
}

func TestEmbeddedRoleMissingFileNamesWhereItLooked(t *testing.T) {
	h := newHarness(t, "h1")
	h.roleFS = fstest.MapFS{
		"emb/tasks/main.yml": {Data: []byte("- name: tmpl\n  t_read: src=nope.j2\n")},
	}
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(site, []byte("- hosts: all\n  gather_facts: false\n  roles: [emb]\n"), 0o644))
	h.runFile(site)
	e := h.results("tmpl")["h1"]
	assert.Equal(t, executor.StatusFailed, e.Status)
	msg, _ := e.Result["msg"].(string)
	assert.Contains(t, msg, "embedded:emb/templates/nope.j2")
	assert.Contains(t, msg, filepath.Join(dir, "templates", "nope.j2"))
}
