package lab

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeLab(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Fil_Rouge")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func addrs(l *Lab) map[string]string {
	out := map[string]string{}
	for _, h := range l.Hosts {
		out[h.Name] = h.Address.String()
	}
	return out
}

func TestLoadMapsLastOctetAndAllocatesTheRest(t *testing.T) {
	dir := writeLab(t, map[string]string{
		"hosts":   "[lb]\ninfra01 ansible_host=192.168.56.13\ninfra02 ansible_host=192.168.56.14\n[app]\nnode1\nnode2\n[all:vars]\nansible_user=vagrant\n",
		"lab.yml": "hosts:\n  node1: {docker: true}\n  node2: {address: 10.77.0.100, nfs: true}\n",
	})
	l, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, "fil-rouge", l.Name, "name from the directory, sanitised")
	assert.Equal(t, map[string]string{
		"infra01": "10.77.0.13", "infra02": "10.77.0.14",
		"node2": "10.77.0.100", // explicit
		"node1": "10.77.0.101", // allocated, skipping .100
	}, addrs(l))
	assert.True(t, l.Host("node1").Docker)
	assert.True(t, l.Host("node2").NFS)
	assert.Equal(t, DefaultNFSPath, l.Host("node2").NFSPath)
	assert.Equal(t, []string{"infra01", "infra02", "node1", "node2"}, []string{l.Hosts[0].Name, l.Hosts[1].Name, l.Hosts[2].Name, l.Hosts[3].Name})
	assert.Equal(t, DefaultRecipe().Hash(), l.Recipe.Hash())
}

func TestLoadYAMLInventoryAndExtraPackages(t *testing.T) {
	dir := writeLab(t, map[string]string{
		"inventory.yml": "all:\n  children:\n    db:\n      hosts:\n        db01: {ansible_host: 192.168.56.40}\n        db02: {ansible_host: 192.168.56.41}\n",
		"lab.yml":       "name: galera\nimage:\n  extra_packages: [strace, jq]\n",
	})
	l, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, "galera", l.Name)
	assert.Equal(t, map[string]string{"db01": "10.77.0.40", "db02": "10.77.0.41"}, addrs(l))
	assert.Equal(t, []string{"jq", "strace"}, l.Recipe.Extra)
	assert.NotEqual(t, DefaultRecipe().Hash(), l.Recipe.Hash())
	assert.Equal(t, DefaultRecipe().Hash(), l.Recipe.Parent().Hash())
}

func TestLoadRejects(t *testing.T) {
	cases := map[string]map[string]string{
		"duplicate address":   {"hosts": "a ansible_host=192.168.1.5\nb ansible_host=10.0.0.5\n"},
		"bridge address":      {"hosts": "a ansible_host=192.168.1.1\n"},
		"address outside lab": {"hosts": "a\n", "lab.yml": "hosts: {a: {address: 10.78.0.5}}\n"},
		"other subnet":        {"hosts": "a\n", "lab.yml": "subnet: 10.0.0.0/24\n"},
		"unknown host":        {"hosts": "a\n", "lab.yml": "hosts: {b: {docker: true}}\n"},
		"bad lab name":        {"hosts": "a\n", "lab.yml": "name: Bad_Name\n"},
		"no hosts":            {"hosts": "[empty]\n"},
		"relative nfs path":   {"hosts": "a\n", "lab.yml": "hosts: {a: {nfs: true, nfs_path: srv}}\n"},
		"no inventory":        {"lab.yml": "name: x\n"},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeLab(t, files))
			assert.Error(t, err)
		})
	}
}

func TestSanitizeName(t *testing.T) {
	assert.Equal(t, "fil-rouge", sanitizeName("Fil_Rouge"))
	assert.Equal(t, "a-very-long-name", sanitizeName("a.very.long.name.indeed"))
	assert.Equal(t, "x", sanitizeName("--x--"))
}

func TestEtcHostsListsEveryHost(t *testing.T) {
	got := etcHosts([]*HostState{{Name: "db01", Address: "10.77.0.40"}, {Name: "db02", Address: "10.77.0.41"}})
	assert.Contains(t, got, "127.0.0.1\tlocalhost\n")
	assert.Contains(t, got, "10.77.0.40\tdb01\n")
	assert.Contains(t, got, "10.77.0.41\tdb02\n")
}

func TestNamesFitInterfaceLimits(t *testing.T) {
	assert.Equal(t, "hlv254", vethName("10.77.0.254"))
	assert.LessOrEqual(t, len(vethName("10.77.0.254")), 15)
	assert.Equal(t, "hl-filrouge_nfsha01", netnsName("filrouge", "nfsha01"))
	assert.True(t, Subnet.Contains(netip.MustParseAddr("10.77.0.40")))
}

func TestConnectionVarsOfALabThatIsNotUp(t *testing.T) {
	dir := writeLab(t, map[string]string{"hosts": "a\n", "lab.yml": "name: notup-" + "x\n"})
	_, err := ConnectionVars(dir)
	require.ErrorIs(t, err, ErrNotUp)
	assert.True(t, IsLab(dir))
	assert.False(t, IsLab(t.TempDir()))
}

func TestStateConnectionVars(t *testing.T) {
	st := &State{Name: "demo", Hosts: []*HostState{{Name: "db01", Address: "10.77.0.40"}}}
	v := st.ConnectionVars()["db01"]
	assert.Equal(t, "10.77.0.40", v["ansible_host"])
	assert.Equal(t, "root", v["ansible_user"])
	assert.Equal(t, filepath.Join(StateDir("demo"), "id_ed25519"), v["ansible_ssh_private_key_file"])
	assert.Equal(t, "-o UserKnownHostsFile="+filepath.Join(StateDir("demo"), "known_hosts")+" -o StrictHostKeyChecking=yes", v["ansible_ssh_common_args"])
}
