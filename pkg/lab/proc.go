package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStat returns a process's state letter and start time (clock ticks
// since boot), from /proc/PID/stat.
func procStat(pid int) (state byte, start uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces: split after
	// the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	start, err = strconv.ParseUint(f[19], 10, 64) // field 22 overall
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return f[0][0], start, nil
}

// pidExists reports whether pid is a live (non-zombie) process.
func pidExists(pid int) bool {
	st, _, err := procStat(pid)
	return err == nil && st != 'Z' && st != 'X'
}

// alive reports whether pid is still the process that started at start.
func alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, err := procStat(pid)
	return err == nil && st != 'Z' && st != 'X' && s == start
}

// cmdline returns a process's arguments.
func cmdline(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
}

// nspawnsUnder finds systemd-nspawn processes whose root directory is
// below dir: they belong to the lab whose state dir is dir, whatever the
// state file says.
func nspawnsUnder(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		args := cmdline(pid)
		if len(args) == 0 || filepath.Base(args[0]) != "systemd-nspawn" || !pidExists(pid) {
			continue
		}
		for i, a := range args {
			root := ""
			if a == "-D" && i+1 < len(args) {
				root = args[i+1]
			} else if strings.HasPrefix(a, "--directory=") {
				root = strings.TrimPrefix(a, "--directory=")
			}
			if root != "" && strings.HasPrefix(root, dir+"/") {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// children lists the child processes of pid.
func children(pid int) []int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if c, err := strconv.Atoi(f); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// waitGone polls until the process is gone or d elapses.
func waitGone(ctx context.Context, pid int, start uint64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !alive(pid, start) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return !alive(pid, start)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// pidsInNetns lists the processes living in the named network namespace:
// whatever runs there belongs to the lab host, even when its
// systemd-nspawn is gone.
func pidsInNetns(name string) []int {
	if !netnsExists(name) {
		return nil
	}
	var target syscall.Stat_t
	if err := syscall.Stat(filepath.Join("/run/netns", name), &target); err != nil {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
			continue
		}
		if st.Dev == target.Dev && st.Ino == target.Ino && pidExists(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// sweepNetns SIGKILLs every process left in the named network namespace
// and waits (up to 5 s) until none is left.
func sweepNetns(ctx context.Context, name string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := pidsInNetns(name)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v survive in network namespace %s", pids, name)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sweeping %s: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
