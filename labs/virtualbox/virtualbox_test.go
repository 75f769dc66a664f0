// Package virtualbox holds the VirtualBox description of the fil-rouge lab;
// its test keeps it consistent with labs/filrouge.
package virtualbox

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/inventory"
	"github.com/hactl/hactl/pkg/lab"
)

type plan struct {
	Box      string `yaml:"box"`
	Network  string `yaml:"network"`
	Machines []struct {
		Name   string `yaml:"name"`
		IP     string `yaml:"ip"`
		CPUs   int    `yaml:"cpus"`
		Memory int    `yaml:"memory"`
	} `yaml:"machines"`
}

func TestVirtualBoxPlanMatchesTheFilRougeInventory(t *testing.T) {
	data, err := os.ReadFile("machines.yml")
	require.NoError(t, err)
	var p plan
	require.NoError(t, yaml.Unmarshal(data, &p))
	network := netip.MustParsePrefix(p.Network)
	assert.Equal(t, "192.168.56.0/24", network.String(), "the book's LAN")

	inv, err := inventory.Load([]string{"../filrouge/hosts"}, inventory.Options{})
	require.NoError(t, err)
	invAddr := map[string]string{}
	for _, h := range inv.Hosts() {
		invAddr[h.Name] = inv.HostVars(h.Name)["ansible_host"].(string)
	}
	l, err := lab.Load("../filrouge")
	require.NoError(t, err)
	labAddr := map[string]netip.Addr{}
	for _, h := range l.Hosts {
		labAddr[h.Name] = h.Address
	}

	seen := map[string]bool{}
	for _, m := range p.Machines {
		require.False(t, seen[m.Name], "machine %s listed twice", m.Name)
		seen[m.Name] = true
		ip := netip.MustParseAddr(m.IP)
		assert.True(t, network.Contains(ip), "%s: %s outside %s", m.Name, ip, network)
		assert.Equal(t, invAddr[m.Name], m.IP, "%s: VM address differs from the fil-rouge inventory", m.Name)
		la, ok := labAddr[m.Name]
		require.True(t, ok, "%s is not a local-lab host", m.Name)
		assert.Equal(t, ip.As4()[3], la.As4()[3], "%s: the local lab keeps the last octet", m.Name)
		assert.Positive(t, m.CPUs)
		assert.GreaterOrEqual(t, m.Memory, 512)
	}
	assert.Len(t, seen, len(invAddr), "every inventory host has a VM")

	vf, err := os.ReadFile("Vagrantfile")
	require.NoError(t, err)
	assert.Contains(t, string(vf), `YAML.load_file(File.join(__dir__, "machines.yml"))`, "the Vagrantfile builds the plan, not a copy of it")
	assert.True(t, strings.Contains(string(vf), `"private_network", ip: m.fetch("ip")`))
}

func TestVirtualBoxInventoryLaysConnectionSettingsOverTheFilRouge(t *testing.T) {
	inv, err := inventory.Load([]string{"../filrouge/hosts", "inventory.yml"}, inventory.Options{})
	require.NoError(t, err)
	v := inv.HostVars("db02")
	assert.Equal(t, "192.168.56.41", v["ansible_host"])
	assert.Equal(t, "vagrant", v["ansible_user"])
	assert.Equal(t, true, v["ansible_become"])
	assert.Contains(t, v["ansible_ssh_private_key_file"], "{{ inventory_hostname }}")
}
