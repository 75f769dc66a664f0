package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Each host gets its own cgroup, hactl/<lab>/<host>, in the hierarchies
// systemd tracks processes with (the cgroup v1 name=systemd one and cgroup
// v2). Without it every nspawn started outside a systemd-managed machine
// puts its host in the same "payload" cgroup, and the hosts' systemd
// instances share unit cgroups: one host removing
// system.slice/x.service makes another fail to start x with
// "219/CGROUP", under load.

// cgroupHierarchies returns the mount points of the cgroup hierarchies
// that systemd uses to track processes.
func cgroupHierarchies() []string {
	ms, err := readMounts()
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		if !strings.HasPrefix(m.Point, "/sys/fs/cgroup") {
			continue
		}
		if m.FSType == "cgroup2" || (m.FSType == "cgroup" && hasOpt(m.Opts, "name=systemd")) {
			out = append(out, m.Point)
		}
	}
	return out
}

func hasOpt(opts, opt string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// labCgroups are lab's cgroup directories, one per hierarchy.
func labCgroups(lab string) []string {
	var out []string
	for _, h := range cgroupHierarchies() {
		out = append(out, filepath.Join(h, "hactl", lab))
	}
	return out
}

// hostCgroups creates host's cgroups and returns them.
func hostCgroups(lab, host string) ([]string, error) {
	var out []string
	for _, d := range labCgroups(lab) {
		cg := filepath.Join(d, host)
		if err := os.MkdirAll(cg, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup for %s: %w", host, err)
		}
		out = append(out, cg)
	}
	return out, nil
}

// cgroupPIDs lists the processes in the cgroup tree at dir.
func cgroupPIDs(dir string) []int {
	var out []int
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		if err != nil {
			return nil
		}
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				out = append(out, pid)
			}
		}
		return nil
	})
	return out
}

// killCgroups SIGKILLs every process in host's cgroups.
func killCgroups(lab, host string) {
	for _, d := range labCgroups(lab) {
		for _, pid := range cgroupPIDs(filepath.Join(d, host)) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// removeCgroupTree removes the empty cgroup tree at dir, leaves first.
func removeCgroupTree(dir string) error {
	var dirs []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	var last error
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := syscall.Rmdir(dirs[i]); err != nil && err != syscall.ENOENT {
			last = fmt.Errorf("remove cgroup %s: %w", dirs[i], err)
		}
	}
	return last
}

// cgroupLauncher is a shell that moves itself into the cgroups named
// before "--" and then becomes the command after it, so the command starts
// in them.
const cgroupLauncher = `while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 125; shift; done; shift; exec "$@"`
