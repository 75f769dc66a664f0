package lab_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestImageLeavesHAServicesToPlaybooks(t *testing.T) {
	hosts := labtest.Hosts(t, 1, labtest.Options{})
	out, err := sshRun(t, hosts[0], "systemctl is-system-running --wait; "+
		"for u in haproxy keepalived mariadb pacemaker corosync pcsd docker containerd docker-registry nfs-ganesha; do "+
		"echo $u $(systemctl is-enabled $u 2>/dev/null) $(systemctl is-active $u 2>/dev/null); done; "+
		"ls /etc/ssh/ssh_host_*; python3 -c 'import apt; print(\"python3-apt\")'")
	require.NoError(t, err, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, "running", lines[0], "a fresh host boots clean: %s", out)
	for _, l := range lines[1:11] {
		f := strings.Fields(l)
		require.Len(t, f, 3, l)
		assert.Equal(t, "disabled", f[1], l)
		assert.Equal(t, "inactive", f[2], l)
	}
	assert.Contains(t, out, "/etc/ssh/ssh_host_ed25519_key.pub")
	assert.NotContains(t, out, "rsa", "hosts get an ed25519 host key only")
	assert.Contains(t, out, "python3-apt")
}

func TestDockerAndNFSHosts(t *testing.T) {
	hosts := labtest.Hosts(t, 1, labtest.Options{Docker: true, NFS: true})
	h := hosts[0]
	out, err := sshRun(t, h, "systemctl start docker && docker info --format '{{.Driver}} {{.CgroupVersion}}' && "+
		"findmnt -n -o FSTYPE /var/lib/docker && findmnt -n -o FSTYPE "+lab.DefaultNFSPath)
	require.NoError(t, err, out)
	f := strings.Fields(out)
	require.Len(t, f, 4, out)
	assert.Equal(t, "overlay2", f[0], "dockerd uses overlay2 on the bound ext4 directory")
	assert.NotEqual(t, "overlay", f[2], "/var/lib/docker must not sit on overlayfs")
	assert.NotEqual(t, "overlay", f[3], "the NFS export directory must not sit on overlayfs")
}
