package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImplicitLocalhost(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts":                   "[web]\nw1\n[all:vars]\nx=1\n",
		"group_vars/all.yml":      "y: 2\n",
		"host_vars/localhost.yml": "z: 3\n",
	})
	inv, err := Load([]string{dir + "/hosts"}, Options{})
	require.NoError(t, err)

	assert.Equal(t, []string{"w1"}, selectNames(t, inv, "all"), "the implicit localhost is not in all")
	hs, err := inv.Select("localhost")
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.True(t, hs[0].Implicit)
	assert.Equal(t, "localhost", hs[0].Name)
	assert.Equal(t, map[string]any{"ansible_connection": "local", "x": 1, "y": 2, "z": 3}, inv.HostVars("localhost"))
	assert.Empty(t, inv.GroupNames("localhost"))
	assert.Equal(t, []string{"w1"}, inv.GroupsMap()["all"])
	assert.Len(t, inv.Hosts(), 1)

	hs, err = inv.Select("web:localhost")
	require.NoError(t, err)
	assert.Equal(t, []string{"w1", "localhost"}, hostNames(hs))
	h, ok := inv.Host("127.0.0.1")
	require.True(t, ok, "once created, the implicit localhost answers every localhost name")
	assert.Equal(t, "localhost", h.Name)
	_, ok = inv.Host("other")
	assert.False(t, ok)
}

func TestInventoryLocalhostWins(t *testing.T) {
	inv := mustLoad(t, "hosts", "[ctl]\n127.0.0.1 ansible_connection=ssh\n")
	hs, err := inv.Select("localhost")
	require.NoError(t, err)
	require.Len(t, hs, 1)
	assert.Equal(t, "127.0.0.1", hs[0].Name, "Ansible uses the inventory's localhost-like host")
	assert.False(t, hs[0].Implicit)
	assert.Equal(t, "ssh", inv.HostVars("localhost")["ansible_connection"])
}
