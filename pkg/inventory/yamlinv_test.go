package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/yamlx"
)

const sampleYAML = `all:
  vars:
    ntp: pool.ntp.org
    flag: yes
  hosts:
    bastion:
      ansible_host: 10.0.0.1
    "10.0.0.9:2200":
  children:
    web:
      hosts:
        web[1:5:2].example.com:
          http_port: 8080
        extra:
      vars:
        tier: front
        list: &l [a, b]
      children:
        canary:
          hosts:
            web1.example.com:
    db:
      hosts: db1
      vars:
        <<: {merged: 1}
        again: *l
        unsafe: !unsafe '{{ x }}'
    empty:
`

func TestYAMLStructure(t *testing.T) {
	inv, warnings, err := loadOne(t, "inv.yml", sampleYAML)
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, []string{"bastion", "10.0.0.9", "web1.example.com", "web3.example.com", "web5.example.com", "extra", "db1"}, hostNames(inv.Hosts()))

	all, _ := inv.Group("all")
	assert.Equal(t, []string{"bastion", "10.0.0.9"}, all.Hosts, "hosts under all: are direct members of all")
	assert.Equal(t, []string{"ungrouped", "web", "db", "empty"}, all.Children)
	ungrouped, _ := inv.Group("ungrouped")
	assert.Equal(t, []string{"bastion", "10.0.0.9"}, ungrouped.Hosts)

	h, _ := inv.Host("10.0.0.9")
	assert.Equal(t, map[string]any{"ansible_port": 2200}, h.Vars)
	h, _ = inv.Host("web3.example.com")
	assert.Equal(t, map[string]any{"http_port": 8080}, h.Vars)

	db, _ := inv.Group("db")
	assert.Equal(t, []string{"db1"}, db.Hosts)
	assert.Equal(t, map[string]any{"merged": 1, "again": []any{"a", "b"}, "unsafe": yamlx.Unsafe("{{ x }}")}, db.Vars)

	all, _ = inv.Group("all")
	assert.Equal(t, true, all.Vars["flag"])
	assert.Equal(t, []string{"canary", "web"}, inv.GroupNames("web1.example.com"))
	_, ok := inv.Group("empty")
	assert.True(t, ok)
}

func TestYAMLWarnings(t *testing.T) {
	inv, warnings, err := loadOne(t, "inv.yml", "web:\n  hosts:\n    h1:\n  host:\n    h2:\n  typo: 3\nnot_a_group: [1]\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"h1"}, hostNames(inv.Hosts()))
	require.Len(t, warnings, 3)
	assert.Contains(t, warnings[0], "inv.yml:4:3: skipping unexpected key \"host\" in group \"web\"")
	assert.Contains(t, warnings[1], "inv.yml:6:3: skipping key \"typo\"")
	assert.Contains(t, warnings[2], "inv.yml:7:1: skipping \"not_a_group\"")
}

func TestYAMLErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"web:\n  hosts: [a, b]\n", `inv.yml:2:10: invalid "hosts" entry for "web" group, requires a mapping`},
		{"web:\n  hosts:\n    10:\n", "inv.yml:3:5: host pattern 10 must be a string"},
		{"web:\n  hosts:\n    h1: nope\n", "inv.yml:3:9: invalid variables for host h1: expected a mapping, got a string"},
		{"web:\n  hosts:\n    web[3:1]:\n", "inv.yml:3:5: host pattern \"web[3:1]\""},
		{"web:\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n", "inv.yml:3:9: vault-encrypted values are not supported yet"},
		{"web:\n  children:\n    web:\n", "inv.yml:3:5: can't add group \"web\" to itself"},
		{"web: {hosts: {a: 1}\n", "inv.yml:1: did not find expected ',' or '}'"},
		{"- hosts: all\n", "inv.yml:1:1: a YAML inventory must be a mapping of groups, found a list (is it a playbook?)"},
		{"plugin: aws_ec2\n", "inventory plugin configuration files are not supported"},
	}
	for _, c := range cases {
		_, _, err := loadOne(t, "inv.yml", c.src)
		require.Error(t, err, c.src)
		assert.Contains(t, err.Error(), c.want, c.src)
	}
}

func TestYAMLEmptyFileIsEmptyInventory(t *testing.T) {
	inv, _, err := loadOne(t, "inv.yml", "# nothing yet\n")
	require.NoError(t, err)
	assert.Empty(t, inv.Hosts())
}

func TestYAMLWithoutExtensionIsDetected(t *testing.T) {
	inv := mustLoad(t, "hosts", "# comment\nweb:\n  hosts:\n    w1:\n")
	assert.Equal(t, []string{"w1"}, selectNames(t, inv, "web"))
	inv = mustLoad(t, "hosts", "{\"web\": {\"hosts\": {\"w2\": null}}}\n")
	assert.Equal(t, []string{"w2"}, selectNames(t, inv, "web"))
}

func TestJSONInventory(t *testing.T) {
	inv := mustLoad(t, "inv.json", `{"all": {"children": {"web": {"hosts": {"w1": {"port": 80, "on": true}}}}}}`)
	h, _ := inv.Host("w1")
	assert.Equal(t, map[string]any{"port": 80, "on": true}, h.Vars)
}
