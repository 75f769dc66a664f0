package sshtest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// TestManyServers starts a cluster and logs into every server at once
// with strict host keys. HACTL_SSHTEST_N sets the size (default 20); the
// benchmark uses 500.
func TestManyServers(t *testing.T) {
	n := 20
	if s := os.Getenv("HACTL_SSHTEST_N"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	start := time.Now()
	cluster, err := StartServers("", n)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cluster.Close() }) // when a check fails
	started := time.Since(start)
	servers := cluster.Servers

	key, err := os.ReadFile(servers[0].KeyFile)
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(key)
	require.NoError(t, err)
	check, err := knownhosts.New(servers[0].KnownHostsFile)
	require.NoError(t, err)

	start = time.Now()
	errs := make([]error, n)
	clients := make([]*ssh.Client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
				User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
				HostKeyCallback: check, Timeout: 20 * time.Second,
			})
			if err != nil {
				errs[i] = err
				return
			}
			clients[i] = c
			sess, err := c.NewSession()
			if err != nil {
				errs[i] = err
				return
			}
			defer sess.Close()
			errs[i] = sess.Run("true")
		}()
	}
	wg.Wait()
	connected := time.Since(start)
	for i, err := range errs {
		require.NoError(t, err, "%s: %s", servers[i].Name, servers[i].Logs())
	}
	rss := 0
	tree := processTree()
	for _, s := range servers {
		rss += pssKiB(s.PID())
		for _, d := range descendantsIn(tree, s.PID()) {
			rss += pssKiB(d)
		}
	}
	t.Logf("%d servers started in %v; %d logins + commands in %v; sshd memory (PSS) with one open connection each: %d MiB",
		n, started.Round(time.Millisecond), n, connected.Round(time.Millisecond), rss/1024)
	for _, c := range clients {
		_ = c.Close()
	}
	start = time.Now()
	require.NoError(t, cluster.Close())
	t.Logf("%d servers stopped in %v", n, time.Since(start).Round(time.Millisecond))
	for _, s := range servers {
		require.Zero(t, s.PID())
	}
}

// pssKiB reads the proportional set size of pid (shared pages divided
// among their users, so that sums are meaningful).
func pssKiB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Pss:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.Atoi(f[1])
				return kb
			}
		}
	}
	return 0
}
