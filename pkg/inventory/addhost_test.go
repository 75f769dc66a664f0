package inventory

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddHost(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts":                "[web]\nw1\n",
		"group_vars/new.yml":   "from_group_vars: 1\n",
		"host_vars/added.yml":  "from_host_vars: 2\n",
		"host_vars/broken.yml": "a: [\n",
	})
	inv, err := Load([]string{filepath.Join(dir, "hosts")}, Options{})
	require.NoError(t, err)
	before := inv.HostVars("w1")

	require.NoError(t, inv.AddHost("added", []string{"new", "web"}, map[string]any{"ansible_host": "10.0.0.5"}))
	h, ok := inv.Host("added")
	require.True(t, ok)
	assert.Equal(t, []string{"all", "new", "web"}, h.Groups)
	assert.Equal(t, []string{"new", "web"}, inv.GroupNames("added"))
	all, _ := inv.Group("all")
	assert.Contains(t, all.Children, "new", "new groups become children of all")
	assert.Equal(t, []string{"added", "w1"}, selectNames(t, inv, "all"), "hosts added to all directly come first, as in Ansible")
	assert.Equal(t, []string{"w1", "added"}, selectNames(t, inv, "web"))
	vars := inv.HostVars("added")
	assert.Equal(t, "10.0.0.5", vars["ansible_host"])
	assert.Equal(t, 1, vars["from_group_vars"])
	assert.Equal(t, 2, vars["from_host_vars"])
	assert.Equal(t, before, inv.HostVars("w1"))

	// Adding again merges variables and groups.
	require.NoError(t, inv.AddHost("added", []string{"other"}, map[string]any{"x": 1}))
	vars = inv.HostVars("added")
	assert.Equal(t, "10.0.0.5", vars["ansible_host"])
	assert.Equal(t, 1, vars["x"])
	assert.Equal(t, []string{"new", "other", "web"}, inv.GroupNames("added"))

	// A host with no group lands in ungrouped.
	require.NoError(t, inv.AddHost("lonely", nil, nil))
	assert.Equal(t, []string{"ungrouped"}, inv.GroupNames("lonely"))

	err = inv.AddHost("broken", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken.yml:")
	assert.Error(t, inv.AddHost("", nil, nil))
	assert.Error(t, inv.AddHost("x", []string{""}, nil))
}

func TestNewInventory(t *testing.T) {
	inv := New(Options{})
	assert.Empty(t, inv.Hosts())
	names := []string{}
	for _, g := range inv.Groups() {
		names = append(names, g.Name)
	}
	assert.Equal(t, []string{"all", "ungrouped"}, names)
	assert.Equal(t, map[string][]string{"all": {}, "ungrouped": {}}, inv.GroupsMap())
}
