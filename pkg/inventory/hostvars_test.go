package inventory

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// precedenceTree sets variable lN at every level from N up to 9, so lN ends
// with the value of level N if and only if level N overrides every level
// below it and is overridden by none above. Levels (lowest first):
//
//	1 inventory-file vars of all   2 inventory-file vars of groups
//	3 inventory group_vars/all     4 playbook group_vars/all
//	5 inventory group_vars/<g>     6 playbook group_vars/<g>
//	7 inventory-file host vars     8 inventory host_vars/<h>
//	9 playbook host_vars/<h>
func precedenceTree(t *testing.T) (inv, pb string) {
	vars := func(from, to int, value string, yaml bool) string {
		s := ""
		for i := from; i <= to; i++ {
			if yaml {
				s += fmt.Sprintf("l%d: %s\n", i, value)
			} else {
				s += fmt.Sprintf(" l%d=%s", i, value)
			}
		}
		return s
	}
	root := writeTree(t, map[string]string{
		"inv/hosts": "[g]\nh" + vars(7, 9, "L7", false) + "\n" +
			"[g:vars]\n" + "l2=L2\nl3=L2\nl4=L2\nl5=L2\nl6=L2\nl7=L2\nl8=L2\nl9=L2\n" +
			"[all:vars]\n" + "l1=L1\nl2=L1\nl3=L1\nl4=L1\nl5=L1\nl6=L1\nl7=L1\nl8=L1\nl9=L1\n",
		"inv/group_vars/all.yml": vars(3, 9, "L3", true),
		"pb/group_vars/all.yml":  vars(4, 9, "L4", true),
		"inv/group_vars/g.yml":   vars(5, 9, "L5", true),
		"pb/group_vars/g.yml":    vars(6, 9, "L6", true),
		"inv/host_vars/h.yml":    vars(8, 9, "L8", true),
		"pb/host_vars/h.yml":     vars(9, 9, "L9", true),
	})
	return filepath.Join(root, "inv", "hosts"), filepath.Join(root, "pb")
}

func TestPrecedenceEveryLevelOverridesTheOnesBelow(t *testing.T) {
	src, pb := precedenceTree(t)
	inv, err := Load([]string{src}, Options{})
	require.NoError(t, err)
	require.NoError(t, inv.LoadPlaybookVars(pb))
	got := inv.HostVars("h")
	for i := 1; i <= 9; i++ {
		assert.Equal(t, fmt.Sprintf("L%d", i), got[fmt.Sprintf("l%d", i)], "level %d", i)
	}
}

func TestPrecedenceWithoutPlaybookVars(t *testing.T) {
	src, _ := precedenceTree(t)
	inv, err := Load([]string{src}, Options{})
	require.NoError(t, err)
	got := inv.HostVars("h")
	assert.Equal(t, "L3", got["l4"])
	assert.Equal(t, "L5", got["l6"])
	assert.Equal(t, "L8", got["l9"])
	assert.NotContains(t, inv.HostVars("h"), "nosuch")
}

func TestGroupOrderDepthPriorityName(t *testing.T) {
	// h is in a (depth 1), b (child of a: depth 2) and c (depth 1,
	// priority 10), and in zz and aa (depth 1, same priority: by name).
	inv := mustLoad(t, "hosts", `[a:children]
b
[b]
h
[c]
h
[aa]
h
[zz]
h
[a:vars]
pa=a
pc=a
pn=a
[b:vars]
pa=b
[c:vars]
ansible_group_priority=10
pc=c
[aa:vars]
pn=aa
pz=aa
[zz:vars]
pz=zz
`)
	got := inv.HostVars("h")
	assert.Equal(t, "b", got["pa"], "child groups override parents")
	assert.Equal(t, "c", got["pc"], "higher priority overrides at the same depth")
	assert.Equal(t, "aa", got["pn"], "a < aa by name: aa wins")
	assert.Equal(t, "zz", got["pz"], "aa < zz by name: zz wins")
	assert.NotContains(t, got, "ansible_group_priority")
}

func TestDictsAreReplacedNotMerged(t *testing.T) {
	inv := mustLoad(t, "inv.yml", "all:\n  vars:\n    d: {a: 1, b: 2}\n  children:\n    g:\n      hosts: {h: {d: {c: 3}}}\n")
	assert.Equal(t, map[string]any{"c": 3}, inv.HostVars("h")["d"])
}

func TestHostVarsIsAFreshMap(t *testing.T) {
	inv := mustLoad(t, "hosts", "[g]\nh a=1\n[g:vars]\nb=2\n")
	v := inv.HostVars("h")
	v["a"], v["b"] = "changed", "changed"
	assert.Equal(t, map[string]any{"a": 1, "b": 2}, inv.HostVars("h"))
	assert.Nil(t, inv.HostVars("nosuch"))
}

func TestGroupVarsAndHostOwnVars(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hosts":              "[g]\nh a=1\n[g:vars]\nb=2\n",
		"group_vars/g.yml":   "c: 3\n",
		"group_vars/all.yml": "z: 0\n",
		"host_vars/h.yml":    "d: 4\n",
	})
	inv, err := Load([]string{filepath.Join(dir, "hosts")}, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"b": 2, "c": 3}, inv.GroupVars("g"))
	assert.Equal(t, map[string]any{"a": 1, "d": 4}, inv.HostOwnVars("h"))
	assert.Nil(t, inv.GroupVars("nosuch"))
}

func TestLoadPlaybookVarsReplacesThePreviousDir(t *testing.T) {
	root := writeTree(t, map[string]string{
		"hosts":                "[g]\nh\n",
		"pb1/group_vars/g.yml": "x: 1\n",
		"pb2/group_vars/g.yml": "y: 2\n",
		"bad/group_vars/g.yml": "x: [\n",
	})
	inv, err := Load([]string{filepath.Join(root, "hosts")}, Options{})
	require.NoError(t, err)
	require.NoError(t, inv.LoadPlaybookVars(filepath.Join(root, "pb1")))
	assert.Equal(t, 1, inv.HostVars("h")["x"])
	require.NoError(t, inv.LoadPlaybookVars(filepath.Join(root, "pb2")))
	assert.NotContains(t, inv.HostVars("h"), "x")
	assert.Equal(t, 2, inv.HostVars("h")["y"])
	err = inv.LoadPlaybookVars(filepath.Join(root, "bad"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "g.yml:")
	assert.Equal(t, 2, inv.HostVars("h")["y"], "a failed load keeps the previous playbook vars")
}
