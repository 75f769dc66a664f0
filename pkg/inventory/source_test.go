package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirectorySource(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"01-web":             "[web]\nw1\n",
		"02-db.yml":          "db:\n  hosts:\n    d1:\n",
		"sub/03-more":        "[web]\nw2\n",
		"lab.yml":            "name: filrouge\nhosts: [a, b]\n",
		"site.yml":           "- hosts: all\n  tasks: []\n",
		"broken.yaml":        "a: [1\n",
		"vars-only.yml":      "ntp:\n  server: x\n",
		"README.md":          "# not hosts\n",
		"notes.txt":          "nope\n",
		"old.ini":            "[ignored]\nx1\n", // Ansible ignores .ini inside a directory
		"ansible.cfg":        "[defaults]\n",
		"hosts~":             "backup\n",
		"hosts.orig":         "orig\n",
		"x.retry":            "r\n",
		"tier_lab_test.go":   "package lab_test\n", // a lab's Go test
		".hidden":            "h\n",
		"group_vars/web.yml": "role: web\n",
		"host_vars/d1.yml":   "id: 1\n",
	})
	var warnings []string
	inv, err := Load([]string{dir}, Options{Warn: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "d1", "w2"}, hostNames(inv.Hosts()))
	assert.Equal(t, "web", inv.HostVars("w2")["role"])
	assert.Equal(t, 1, inv.HostVars("d1")["id"])
	_, ok := inv.Group("ignored")
	assert.False(t, ok)
	_, ok = inv.Group("ntp")
	assert.False(t, ok, "a vars file in an inventory directory is not read as groups")
	// lab.yml (a local lab's settings) and site.yml (a playbook) are
	// skipped without a warning.
	require.Len(t, warnings, 2, "%q", warnings)
	assert.Contains(t, warnings[0], "broken.yaml:1: did not find expected")
	assert.Contains(t, warnings[1], "vars-only.yml: no group has hosts, children or vars")
	for _, w := range warnings {
		assert.Contains(t, w, "skipped, not an inventory")
	}
}

func TestDirectoryINIErrorsAreErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{"hosts": "[web]\nw1 novalue\n"})
	_, err := Load([]string{dir}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "hosts")+":2: expected key=value")
}

func TestExplicitNonInventoryIsAnError(t *testing.T) {
	_, _, err := loadOne(t, "site.yml", "- hosts: all\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "site.yml:1:1: a YAML inventory must be a mapping")
}

func TestMissingSource(t *testing.T) {
	_, err := Load([]string{filepath.Join(t.TempDir(), "nope")}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inventory source")
}

func TestScriptsAndTOMLAreRefused(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ec2.py")
	require.NoError(t, os.WriteFile(script, []byte("#!/usr/bin/env python3\nprint('{}')\n"), 0o755))
	_, err := Load([]string{script}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "inventory scripts are not supported")

	_, _, err = loadOne(t, "inv.toml", "[web]\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TOML inventories are not supported")
}

func TestHostListSource(t *testing.T) {
	inv, err := Load([]string{"web1,web2:2222, ,fe80::1,", "localhost,"}, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"web1", "web2", "fe80::1", "localhost"}, hostNames(inv.Hosts()))
	assert.Equal(t, 2222, inv.HostVars("web2")["ansible_port"])
	assert.Equal(t, []string{"ungrouped"}, inv.GroupNames("web1"))
	h, _ := inv.Host("localhost")
	assert.False(t, h.Implicit)
}

func TestSeveralSourcesMergeInOrder(t *testing.T) {
	a := writeTree(t, map[string]string{
		"hosts":              "[web]\nw1 v=a\n",
		"group_vars/web.yml": "gv: a\nonly_a: 1\n",
	})
	b := writeTree(t, map[string]string{
		"hosts.yml":          "web:\n  hosts:\n    w1:\n      v: b\n    w2:\n",
		"group_vars/web.yml": "gv: b\n",
	})
	inv, err := Load([]string{filepath.Join(a, "hosts"), filepath.Join(b, "hosts.yml")}, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "w2"}, selectNames(t, inv, "web"))
	vars := inv.HostVars("w1")
	assert.Equal(t, "b", vars["v"])
	assert.Equal(t, "b", vars["gv"])
	assert.Equal(t, 1, vars["only_a"])
	h, _ := inv.Host("w1")
	assert.Equal(t, filepath.Join(a, "hosts"), h.Source)
}

func TestGroupVarsForms(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts": "[web]\nw1\n[db]\nd1\n[app]\na1\n[misc]\nm1\n",
		// a bare file wins over name.yml
		"group_vars/web":      "form: bare\n",
		"group_vars/web.yml":  "form: yml\n",
		"group_vars/db.yaml":  "form: yaml\n",
		"group_vars/app.json": `{"form": "json", "n": 1}`,
		// a directory of files merged in lexical order, recursively
		"group_vars/misc/10-a.yml":     "form: a\nkeep: a\n",
		"group_vars/misc/20-b.yml":     "form: b\n",
		"group_vars/misc/sub/30-c.yml": "deep: c\n",
		"group_vars/misc/zz.txt":       "form: ignored\n",
		"group_vars/misc/.hidden.yml":  "form: hidden\n",
		"group_vars/misc/40-d.yml~":    "form: backup\n",
		"group_vars/misc/50-empty.yml": "",
	})
	inv, err := Load([]string{filepath.Join(dir, "hosts")}, Options{})
	require.NoError(t, err)
	assert.Equal(t, "bare", inv.HostVars("w1")["form"])
	assert.Equal(t, "yaml", inv.HostVars("d1")["form"])
	assert.Equal(t, "json", inv.HostVars("a1")["form"])
	m := inv.HostVars("m1")
	assert.Equal(t, "c", m["deep"])
	assert.Equal(t, "b", m["form"], "sub/30-c.yml sorts after 20-b.yml but does not set form")
	assert.Equal(t, "a", m["keep"])
}

func TestGroupVarsErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts":              "[web]\nw1\n",
		"group_vars/web.yml": "- a list\n",
	})
	_, err := Load([]string{filepath.Join(dir, "hosts")}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "web.yml: vars file must hold a mapping of variables, not a list")

	dir = writeTree(t, map[string]string{
		"hosts":            "[web]\nw1\n",
		"host_vars/w1.yml": "a: 1\nb: [\n",
	})
	_, err = Load([]string{filepath.Join(dir, "hosts")}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "host_vars", "w1.yml")+":2: did not find expected node content")
}

func TestDirectorySourceSkipsPlaybookMaterial(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts":                  "[web]\nw1\n",
		"templates/hosts.j2":     "127.0.0.1 localhost\n{% for h in groups.all %}{{ h }}\n{% endfor %}\n",
		"roles/x/tasks/main.yml": "- debug: msg=x\n",
		"more/extra":             "[db]\nd1\n",
	})
	var warnings []string
	inv, err := Load([]string{dir}, Options{Warn: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "d1"}, hostNames(inv.Hosts()), "other subdirectories are still read")
	assert.Empty(t, warnings)
}
