package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile is shared with play_test.go.

func TestTemplateCommandRendersWithExtraVars(t *testing.T) {
	dir := t.TempDir()
	tpl := writeFile(t, dir, "app.conf.j2", "name={{ name }}\nport={{ port + 1 }}\n{% for u in users %}user={{ u }}\n{% endfor %}")
	vars := writeFile(t, dir, "vars.yml", "users: [alice, bob]\nport: 8079\n")
	code, out := runCLI(t, "template", tpl, "-e", "@"+vars, "-e", "name=web")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "name=web\nport=8080\nuser=alice\nuser=bob\n", out)

	code, out = runCLI(t, "template", tpl, "-e", `{"name": "x", "port": 1, "users": []}`)
	require.Equal(t, 0, code, out)
	assert.Equal(t, "name=x\nport=2\n", out)
}

func TestTemplateCommandReportsThePosition(t *testing.T) {
	dir := t.TempDir()
	tpl := writeFile(t, dir, "bad.j2", "ok\nvalue={{ missing }}\n")
	code, out := runCLI(t, "template", tpl)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "bad.j2:2:10: 'missing' is undefined")

	code, out = runCLI(t, "template", filepath.Join(dir, "nope.j2"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "reading template")
}

func TestTemplateCommandUsesTheInventory(t *testing.T) {
	dir := t.TempDir()
	inv := writeFile(t, dir, "hosts.ini", `[lb]
infra01 ansible_host=192.168.56.13 prio=150
infra02 ansible_host=192.168.56.14 prio=100

[lb:vars]
vip=192.168.56.100
`)
	tpl := writeFile(t, dir, "keepalived.j2", `router_id {{ inventory_hostname }}
priority {{ prio }}
groups {{ group_names | join(',') }}
{% for peer in groups['lb'] | difference([inventory_hostname]) %}
peer {{ hostvars[peer].ansible_host }} {{ hostvars[peer].vip }}
{% endfor %}
`)
	code, out := runCLI(t, "template", tpl, "-i", inv, "-l", "infra01")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "router_id infra01\npriority 150\ngroups lb\npeer 192.168.56.14 192.168.56.100\n", out)

	code, out = runCLI(t, "template", tpl, "-i", inv, "-l", "infra02", "-e", "prio=1")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "priority 1\n")

	code, out = runCLI(t, "template", tpl, "-i", inv)
	assert.Equal(t, 5, code)
	assert.Contains(t, out, "exactly one host")
}
