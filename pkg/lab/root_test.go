package lab

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A host's first boot gets the lab's /etc/hosts, name and machine-id; a
// restart (kill or stop, then start) keeps what a playbook made of them,
// as a rebooted machine does, while the lab's SSH access is put back.
func TestWriteIdentityKeepsManagedFilesOnRestart(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/machine-id"), nil, 0o444)) // as in the image
	hk, err := newKeyPair("root@h1")
	require.NoError(t, err)
	lk, err := newKeyPair("lab")
	require.NoError(t, err)
	id := identity{Hostname: "h1", Hosts: "10.77.0.5\th1\n", HostKey: hk, Authorized: lk.Public}
	h := &HostState{Name: "h1"}
	read := func(p string) string {
		data, err := os.ReadFile(filepath.Join(root, p))
		require.NoError(t, err)
		return string(data)
	}

	require.NoError(t, writeIdentity(root, h, id))
	assert.Equal(t, "10.77.0.5\th1\n", read("etc/hosts"))
	assert.Equal(t, "h1\n", read("etc/hostname"))
	mid := read("etc/machine-id")
	assert.Len(t, mid, 33)

	// A playbook manages /etc/hosts; someone removes the lab's key.
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("# managed\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(root, "root/.ssh/authorized_keys")))
	require.NoError(t, writeIdentity(root, h, id))
	assert.Equal(t, "# managed\n", read("etc/hosts"), "a restart keeps /etc/hosts")
	assert.Equal(t, mid, read("etc/machine-id"), "and the machine-id")
	assert.Equal(t, string(lk.Public), read("root/.ssh/authorized_keys"), "the lab's access is put back")
	assert.Equal(t, string(hk.Private), read("etc/ssh/ssh_host_ed25519_key"))
}
