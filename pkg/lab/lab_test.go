package lab_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// sshRun logs into h as root with the lab key, checking the host key
// strictly against the lab's known_hosts, and runs cmd.
func sshRun(t *testing.T, h labtest.Host, cmd string) (string, error) {
	t.Helper()
	key, err := os.ReadFile(h.KeyFile)
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(key)
	require.NoError(t, err)
	hostKeys, err := knownhosts.New(h.KnownHosts)
	require.NoError(t, err)
	client, err := ssh.Dial("tcp", net.JoinHostPort(h.Address, "22"), &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         3 * time.Second,
	})
	if err != nil {
		return "", err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	return string(out), err
}

// reachable reports whether h's sshd accepts a TCP connection within d.
func reachable(addr string, d time.Duration) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, "22"), d)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func statusOf(t *testing.T, dir, host string) lab.HostStatus {
	t.Helper()
	all, err := lab.Status(dir)
	require.NoError(t, err)
	for _, s := range all {
		if s.Name == host {
			return s
		}
	}
	t.Fatalf("no host %s in status", host)
	return lab.HostStatus{}
}

func TestHostsAnswerSSHAndReachEachOther(t *testing.T) {
	hosts := labtest.Hosts(t, 3, labtest.Options{})
	require.Len(t, hosts, 3)
	for _, h := range hosts {
		out, err := sshRun(t, h, "hostname; ip route; ip -4 -o addr show dev eth0; cat /etc/resolv.conf")
		require.NoError(t, err, "ssh %s: %s", h.Name, out)
		lines := strings.Split(out, "\n")
		assert.Equal(t, h.Name, lines[0])
		assert.NotContains(t, out, "default", "host %s must have no default route", h.Name)
		assert.Contains(t, out, "10.77.0.0/24 dev eth0")
		assert.Contains(t, out, " "+h.Address+"/24 ")
		assert.NotContains(t, out, "nameserver")
		assert.Equal(t, h.Address, h.Vars["ansible_host"])
		assert.Equal(t, "root", h.Vars["ansible_user"])
	}
	// Every host reaches the others by name (from /etc/hosts) over TCP.
	for _, from := range hosts {
		for _, to := range hosts {
			if from.Name == to.Name {
				continue
			}
			out, err := sshRun(t, from, fmt.Sprintf("nc -z -w 2 %s 22 && getent hosts %s", to.Name, to.Name))
			require.NoError(t, err, "%s -> %s: %s", from.Name, to.Name, out)
			assert.Contains(t, out, to.Address)
		}
	}
	// A host whose key is not the recorded one is refused: record h1's key
	// for h2's address and log into h2.
	known, err := os.ReadFile(hosts[0].KnownHosts)
	require.NoError(t, err)
	var h1Key string
	for _, line := range strings.Split(string(known), "\n") {
		if f := strings.Fields(line); len(f) == 3 && strings.Split(f[0], ",")[0] == hosts[0].Address {
			h1Key = f[1] + " " + f[2]
		}
	}
	require.NotEmpty(t, h1Key, "h1's key in %s", known)
	bad := hosts[1]
	bad.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(bad.KnownHosts, []byte(bad.Address+" "+h1Key+"\n"), 0o644))
	_, err = sshRun(t, bad, "true")
	require.Error(t, err, "a host presenting another key than the recorded one must be rejected")
	assert.Contains(t, err.Error(), "key mismatch")
}

func TestFaults(t *testing.T) {
	hosts := labtest.Hosts(t, 3, labtest.Options{})
	h1, h2, h3 := hosts[0], hosts[1], hosts[2]
	dir := h1.LabDir
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	t.Run("cut and heal", func(t *testing.T) {
		require.NoError(t, lab.Cut(ctx, dir, h2.Name))
		assert.Equal(t, lab.StateCut, statusOf(t, dir, h2.Name).State)
		assert.False(t, reachable(h2.Address, time.Second), "cut host still answers")
		out, err := sshRun(t, h1, "nc -z -w 1 "+h2.Address+" 22")
		assert.Error(t, err, "h1 still reaches the cut host: %s", out)
		for _, h := range []labtest.Host{h1, h3} {
			_, err := sshRun(t, h, "true")
			assert.NoError(t, err, "%s must stay reachable while %s is cut", h.Name, h2.Name)
		}
		require.NoError(t, lab.Heal(ctx, dir, h2.Name))
		require.Eventually(t, func() bool { _, err := sshRun(t, h2, "true"); return err == nil }, 10*time.Second, 100*time.Millisecond)
		assert.Equal(t, lab.StateRunning, statusOf(t, dir, h2.Name).State)
	})

	t.Run("stop and start keep the disk", func(t *testing.T) {
		_, err := sshRun(t, h3, "echo kept > /root/marker && sync")
		require.NoError(t, err)
		require.NoError(t, lab.Stop(ctx, dir, h3.Name, lab.Options{}))
		s := statusOf(t, dir, h3.Name)
		assert.Equal(t, lab.StateStopped, s.State)
		assert.Zero(t, s.PID)
		assert.False(t, reachable(h3.Address, time.Second))
		_, err = sshRun(t, h1, "true")
		assert.NoError(t, err, "h1 must stay up while h3 is stopped")
		require.NoError(t, lab.Start(ctx, dir, h3.Name, lab.Options{}))
		out, err := sshRun(t, h3, "cat /root/marker")
		require.NoError(t, err)
		assert.Equal(t, "kept\n", out)
	})

	t.Run("kill and start", func(t *testing.T) {
		before := statusOf(t, dir, h2.Name)
		require.NotZero(t, before.PID)
		require.NoError(t, lab.Kill(ctx, dir, h2.Name, lab.Options{}))
		assert.Equal(t, lab.StateStopped, statusOf(t, dir, h2.Name).State)
		_, err := os.Stat(fmt.Sprintf("/proc/%d", before.PID))
		assert.True(t, os.IsNotExist(err), "systemd-nspawn %d survives kill", before.PID)
		assert.False(t, reachable(h2.Address, time.Second), "no process of a killed host may keep answering")
		require.NoError(t, lab.Start(ctx, dir, h2.Name, lab.Options{}))
		out, err := sshRun(t, h2, "systemctl is-system-running --wait")
		require.NoError(t, err, out)
		assert.Equal(t, "running\n", out)
	})

	t.Run("exec runs inside the host, even cut", func(t *testing.T) {
		require.NoError(t, lab.Cut(ctx, dir, h1.Name))
		defer func() { require.NoError(t, lab.Heal(ctx, dir, h1.Name)) }()
		cmd, err := lab.Command(ctx, dir, h1.Name, "sh", "-c", "hostname; exit 3")
		require.NoError(t, err)
		out, err := cmd.Output()
		assert.Equal(t, h1.Name+"\n", string(out))
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.ExitCode())
	})
}

func TestAnsiblePlaybookPingsTheLab(t *testing.T) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Skip("ansible-playbook is not installed")
	}
	hosts := labtest.Hosts(t, 2, labtest.Options{})
	ini, err := lab.InventoryINI(hosts[0].LabDir)
	require.NoError(t, err)
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory.ini")
	play := filepath.Join(dir, "ping.yml")
	require.NoError(t, os.WriteFile(inv, []byte(ini), 0o644))
	require.NoError(t, os.WriteFile(play, []byte("- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n"), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ansible-playbook", "-i", inv, play)
	cmd.Env = append(os.Environ(), "ANSIBLE_HOST_KEY_CHECKING=True", "ANSIBLE_NOCOLOR=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, h := range hosts {
		assert.Regexp(t, h.Name+` +: ok=1 +changed=0 +unreachable=0 +failed=0`, string(out))
	}
}
