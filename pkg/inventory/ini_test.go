package inventory

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleINI = `# comment
; another comment
loose1 x=1
[web]
web[01:03] ansible_user=deploy
[db]
db-[a:c]:2222 s='quoted value' n="5" keep="'5'" b=True t=true f=1.5 l="[1,'a']" d="{'k': None}"
[web:children]
canary
[canary]
can1
[prod:children]
web
db
[prod:vars]
env=prod
ansible_group_priority=5
x = 5 # a Python comment, so x is 5
y = hello # not Python, so the comment stays
`

func TestINIStructure(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)

	assert.Equal(t, []string{"loose1", "web01", "web02", "web03", "db-a", "db-b", "db-c", "can1"}, hostNames(inv.Hosts()))

	web, ok := inv.Group("web")
	require.True(t, ok)
	assert.Equal(t, []string{"web01", "web02", "web03"}, web.Hosts)
	assert.Equal(t, []string{"canary"}, web.Children)
	assert.Equal(t, []string{"prod"}, web.Parents)

	all, _ := inv.Group("all")
	assert.Equal(t, []string{"ungrouped", "prod"}, all.Children)
	ungrouped, _ := inv.Group("ungrouped")
	assert.Equal(t, []string{"loose1"}, ungrouped.Hosts)

	prod, _ := inv.Group("prod")
	assert.Equal(t, 5, prod.Priority)
	assert.NotContains(t, prod.Vars, "ansible_group_priority")
	assert.Equal(t, "prod", prod.Vars["env"])
	assert.Equal(t, 5, prod.Vars["x"])
	assert.Equal(t, "hello # not Python, so the comment stays", prod.Vars["y"])
}

func TestINIInlineValues(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	h, ok := inv.Host("db-b")
	require.True(t, ok)
	assert.Equal(t, map[string]any{
		"ansible_port": 2222,
		"s":            "quoted value", // shlex removes the quotes
		"n":            5,              // … so "5" is the number 5, as in Ansible
		"keep":         "5",            // double quoting keeps a string
		"b":            true,
		"t":            "true", // Python's literal is True; true is a string
		"f":            1.5,
		"l":            []any{1, "a"},
		"d":            map[string]any{"k": nil},
	}, h.Vars)
	assert.Equal(t, []string{"db"}, h.Groups)
}

func TestINIGroupNames(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	assert.Equal(t, []string{"canary", "prod", "web"}, inv.GroupNames("can1"))
	assert.Equal(t, []string{"ungrouped"}, inv.GroupNames("loose1"))
	assert.Nil(t, inv.GroupNames("nosuch"))

	gm := inv.GroupsMap()
	assert.Equal(t, []string{"loose1", "web01", "web02", "web03", "db-a", "db-b", "db-c", "can1"}, gm["all"])
	assert.Equal(t, []string{"web01", "web02", "web03", "db-a", "db-b", "db-c", "can1"}, gm["prod"])
	assert.Equal(t, []string{"loose1"}, gm["ungrouped"])
	assert.Equal(t, []string{"web01", "web02", "web03", "can1"}, gm["web"])
}

func TestINIChildrenDeclaredLater(t *testing.T) {
	inv := mustLoad(t, "hosts", "[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh1\n[mid]\n")
	assert.Equal(t, []string{"h1"}, selectNames(t, inv, "top"))
	top, _ := inv.Group("top")
	assert.Equal(t, []string{"mid"}, top.Children)
}

func TestINIErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"[web:vars]\nx=1\n", "hosts:1: section [web:vars] not valid for undefined group: web"},
		{"[web]\nh\n[web:children]\n\nmissing\n", "hosts:5: section [web:children] includes undefined group: missing"},
		{"[web:hosts2]\n", "hosts:1: section [web:hosts2] has unknown type: hosts2"},
		{"[bad group]\n", "hosts:1: invalid section entry: \"[bad group]\""},
		{"[g]\nh x\n", "hosts:2: expected key=value host variable assignment, got: x"},
		{"[g]\nh x='unterminated\n", "hosts:2: error parsing host definition"},
		{"[g:vars]\n[g]\n[g:vars]\nnovalue\n", "hosts:4: expected key=value, got: novalue"},
		{"[g]\nweb[1:]\n", "hosts:2: host pattern \"web[1:]\": host range must specify end value"},
		{"[g]\nweb[01:100]\n", "equal-length begin and end formats"},
		{"[g]\nweb[a:3]\n", "must be numeric or single letters"},
		{"[g]\nweb[z:a]\n", "host range must have begin <= end"},
		{"[g]\nweb[1:2:0]\n", "step \"0\" must be a positive integer"},
		{"[a:children]\nb\n[b:children]\na\n[b]\n", "creates a recursive dependency loop"},
		{"[g]\nhost:\n", "hosts:2: invalid host pattern \"host:\""},
		{"[g]\n---\n", "'---' is normally a sign this is a YAML file"},
		{"[g:vars]\nansible_group_priority=high\n[g]\n", "hosts:2: group g: ansible_group_priority: invalid integer \"high\""},
	}
	for _, c := range cases {
		_, _, err := loadOne(t, "hosts", c.src)
		require.Error(t, err, c.src)
		assert.Contains(t, err.Error(), c.want, c.src)
		assert.True(t, strings.Contains(err.Error(), "hosts:"), "error names the file: %v", err)
	}
}

func TestINIPortOnlyAtCreation(t *testing.T) {
	// Ansible sets ansible_port from host:port only when it creates the host.
	inv := mustLoad(t, "hosts", "[a]\nh:2200\n[b]\nh:2300\n")
	h, _ := inv.Host("h")
	assert.Equal(t, 2200, h.Vars["ansible_port"])
	assert.Equal(t, []string{"a", "b"}, h.Groups)
}

func TestINIIPv6AndPorts(t *testing.T) {
	inv := mustLoad(t, "hosts", "fe80::1\n[fe80::2]:2222\n10.0.0.[1:3]:22\n")
	assert.Equal(t, []string{"fe80::1", "fe80::2", "10.0.0.1", "10.0.0.2", "10.0.0.3"}, hostNames(inv.Hosts()))
	h, _ := inv.Host("fe80::2")
	assert.Equal(t, 2222, h.Vars["ansible_port"])
	h, _ = inv.Host("fe80::1")
	assert.NotContains(t, h.Vars, "ansible_port")
}

func TestINIByteOrderMarkAndCRLF(t *testing.T) {
	inv := mustLoad(t, "hosts", "\xef\xbb\xbf[web]\r\nw1 a=1\r\n\r\n[web:vars]\r\nb = two\r\n")
	assert.Equal(t, []string{"w1"}, selectNames(t, inv, "web"))
	assert.Equal(t, map[string]any{"a": 1, "b": "two"}, inv.HostVars("w1"))
}
