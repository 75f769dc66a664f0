package lab_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// footprint is what a running lab has made on the machine.
type footprint struct {
	netns  []string // network namespaces named after the lab
	veths  []string // machine-side veths of its hosts
	mounts []string // mount points under its state directory
	pids   []int    // its systemd-nspawn processes
	state  bool     // its state directory exists
}

func measure(t *testing.T, name string, addrs []string, pids []int) footprint {
	t.Helper()
	var f footprint
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "hl-"+name+"_") {
			f.netns = append(f.netns, e.Name())
		}
	}
	for _, a := range addrs {
		veth := "hlv" + a[strings.LastIndexByte(a, '.')+1:]
		if _, err := os.Stat("/sys/class/net/" + veth); err == nil {
			f.veths = append(f.veths, veth)
		}
	}
	mi, err := os.Open("/proc/self/mountinfo")
	require.NoError(t, err)
	defer mi.Close()
	sc := bufio.NewScanner(mi)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], lab.StateDir(name)) {
			f.mounts = append(f.mounts, fields[4])
		}
	}
	for _, pid := range pids {
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && !strings.Contains(string(data), ") Z ") {
			f.pids = append(f.pids, pid)
		}
	}
	_, err = os.Stat(lab.StateDir(name))
	f.state = err == nil
	return f
}

func assertNothingLeft(t *testing.T, name string, addrs []string, pids []int) {
	t.Helper()
	f := measure(t, name, addrs, pids)
	assert.Empty(t, f.netns, "network namespaces left")
	assert.Empty(t, f.veths, "veths left")
	assert.Empty(t, f.mounts, "mounts left")
	assert.Empty(t, f.pids, "systemd-nspawn processes left")
	assert.False(t, f.state, "state directory left")
}

// upLab brings dir up and returns its name, addresses and nspawn PIDs.
func upLab(ctx context.Context, t *testing.T, dir string) (string, []string, []int) {
	t.Helper()
	st, err := lab.Up(ctx, dir, lab.Options{})
	require.NoError(t, err)
	var addrs []string
	var pids []int
	all, err := lab.Status(dir)
	require.NoError(t, err)
	for _, s := range all {
		require.Equal(t, lab.StateRunning, s.State, s.Name)
		addrs = append(addrs, s.Address)
		pids = append(pids, s.PID)
	}
	return st.Name, addrs, pids
}

func TestDownLeavesNothingBehind(t *testing.T) {
	dir := labtest.NewDir(t, 2, labtest.Options{})
	l, err := lab.Load(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lab.DownName(context.Background(), l.Name, lab.Options{}) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	name, addrs, pids := upLab(ctx, t, dir)
	f := measure(t, name, addrs, pids)
	require.Len(t, f.netns, 2)
	require.Len(t, f.veths, 2)
	require.Len(t, f.mounts, 2)
	require.Len(t, f.pids, 2)

	// up again is a no-op: the same processes keep running.
	_, _, again := upLab(ctx, t, dir)
	assert.Equal(t, pids, again)

	start := time.Now()
	require.NoError(t, lab.Down(ctx, dir, lab.Options{}))
	t.Logf("down of 2 hosts: %s", time.Since(start))
	assertNothingLeft(t, name, addrs, pids)
}

func TestUpCleansWhatACrashLeft(t *testing.T) {
	dir := labtest.NewDir(t, 2, labtest.Options{})
	l, err := lab.Load(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = lab.DownName(context.Background(), l.Name, lab.Options{}) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("hosts died with the machine's processes", func(t *testing.T) {
		name, addrs, pids := upLab(ctx, t, dir)
		// Every process of the hosts dies at once; mounts, namespaces and
		// state stay behind.
		for _, a := range addrs {
			for _, pid := range netnsPIDs(t, "hl-"+name+"_h"+hostIndex(addrs, a)) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		require.Eventually(t, func() bool { return len(measure(t, name, addrs, pids).pids) == 0 }, 10*time.Second, 50*time.Millisecond)
		_, _, fresh := upLab(ctx, t, dir)
		assert.NotEqual(t, pids, fresh)
	})

	t.Run("the state file was lost while hosts ran", func(t *testing.T) {
		name, addrs, pids := upLab(ctx, t, dir)
		require.NoError(t, os.Remove(filepath.Join(lab.StateDir(name), "state.json")))
		_, _, fresh := upLab(ctx, t, dir)
		for _, pid := range pids {
			_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
			assert.True(t, os.IsNotExist(err), "orphaned systemd-nspawn %d still runs", pid)
		}
		require.NoError(t, lab.Down(ctx, dir, lab.Options{}))
		assertNothingLeft(t, name, addrs, append(pids, fresh...))
	})
}

// hostIndex returns the 1-based position of a among addrs, as a string.
func hostIndex(addrs []string, a string) string {
	for i, x := range addrs {
		if x == a {
			return fmt.Sprint(i + 1)
		}
	}
	return "?"
}

// netnsPIDs lists the processes in the named network namespace.
func netnsPIDs(t *testing.T, ns string) []int {
	t.Helper()
	var target syscall.Stat_t
	require.NoError(t, syscall.Stat("/run/netns/"+ns, &target))
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) == nil && st.Ino == target.Ino && st.Dev == target.Dev {
			out = append(out, pid)
		}
	}
	return out
}
