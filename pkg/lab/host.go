package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// nspawnArgs is how a host boots: its own init in the overlay root, inside
// its network namespace, with all capabilities (keepalived, IPaddr2 and
// dockerd need CAP_NET_ADMIN), without the machine's resolver, journal or
// registration with machined.
func nspawnArgs(s *State, h *HostState) []string {
	args := []string{
		"-q", "-D", s.rootDir(h.Name), "--boot", "-M", machineName(s.Name, h.Name), "--hostname=" + h.Name,
		"--register=no", "--keep-unit", "--link-journal=no",
		"--network-namespace-path=" + filepath.Join("/run/netns", h.Netns),
		"--resolv-conf=off", "--timezone=off", "--console=read-only", "--capability=all",
	}
	if h.Docker {
		args = append(args, "--bind="+filepath.Join(s.hostDir(h.Name), "docker")+":/var/lib/docker")
	}
	if h.NFS {
		args = append(args, "--bind="+filepath.Join(s.hostDir(h.Name), "nfs")+":"+h.NFSPath)
	}
	return args
}

// machineName is the host's nspawn machine name, "<lab>.<host>": nspawn
// keeps per-machine directories (/run/systemd/nspawn/propagate/<name>) that
// must not be shared by two labs that both have a host1.
func machineName(lab, host string) string { return lab + "." + host }

// nspawnEnv is the environment of a host's nspawn. Every host gets a
// writable /proc/sys/net: it has its own network namespace, so those
// settings stay inside the host, and HA software needs them (HAProxy's
// ip_nonlocal_bind, forwarding for Docker). Docker and NFS hosts run
// without nspawn's seccomp filter.
func nspawnEnv(h *HostState) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
		"SYSTEMD_NSPAWN_API_VFS_WRITABLE=network"}
	if h.Docker || h.NFS {
		env = append(env, "SYSTEMD_SECCOMP=0")
	}
	return env
}

// boot starts host h's systemd-nspawn in its own session, its console going
// to console.log in the host's directory, and records its PID. The process
// outlives this one: hactl lab up returns while the hosts run.
func boot(s *State, h *HostState) error {
	hd := s.hostDir(h.Name)
	for _, d := range bindDirs(s, h) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	console, err := os.OpenFile(filepath.Join(hd, "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	defer console.Close()
	fmt.Fprintf(console, "--- hactl lab: booting %s at %s\n", h.Name, time.Now().UTC().Format(time.RFC3339))
	cgroups, err := hostCgroups(s.Name, h.Name)
	if err != nil {
		return err
	}
	args := append([]string{"-c", cgroupLauncher, "sh"}, cgroups...)
	args = append(append(args, "--", "systemd-nspawn"), nspawnArgs(s, h)...)
	// Not CommandContext: the host must outlive the command that booted it.
	cmd := exec.Command("/bin/sh", args...) //nolint:noctx
	cmd.Env = nspawnEnv(h)
	cmd.Stdin = nil
	cmd.Stdout = console
	cmd.Stderr = console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("host %s: start systemd-nspawn: %w", h.Name, err)
	}
	pid := cmd.Process.Pid
	_, start, err := procStat(pid)
	if err != nil {
		return fmt.Errorf("host %s: systemd-nspawn exited at once (see %s)", h.Name, filepath.Join(hd, "console.log"))
	}
	// Reap it when it exits, should this process still be around.
	go func() { _ = cmd.Wait() }()
	h.PID, h.PIDStart, h.Stopped = pid, start, false
	return nil
}

// bindDirs are the directories on the machine's disk bound into host h.
func bindDirs(s *State, h *HostState) []string {
	var out []string
	if h.Docker {
		out = append(out, filepath.Join(s.hostDir(h.Name), "docker"))
	}
	if h.NFS {
		out = append(out, filepath.Join(s.hostDir(h.Name), "nfs"))
	}
	return out
}

// running reports whether host h's nspawn is alive.
func (h *HostState) running() bool { return alive(h.PID, h.PIDStart) }

// halt powers host h off: SIGTERM to nspawn makes the host's init shut
// down cleanly; after grace the host is killed. Either way no process of
// the host survives.
func halt(ctx context.Context, s *State, h *HostState, grace time.Duration) error {
	if h.running() {
		_ = syscall.Kill(h.PID, syscall.SIGTERM)
		if !waitGone(ctx, h.PID, h.PIDStart, grace) {
			return kill(ctx, s, h)
		}
	}
	h.PID, h.PIDStart = 0, 0
	return sweep(ctx, s, h)
}

// sweep kills whatever is left of host h: processes in its cgroups and in
// its network namespace. It then removes its cgroups.
func sweep(ctx context.Context, s *State, h *HostState) error {
	killCgroups(s.Name, h.Name)
	if err := sweepNetns(ctx, h.Netns); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	for _, d := range labCgroups(s.Name) {
		cg := filepath.Join(d, h.Name)
		if !waitCgroupEmpty(ctx, cg) {
			return fmt.Errorf("host %s: processes %v survive in cgroup %s", h.Name, cgroupPIDs(cg), cg)
		}
		if err := removeCgroupTree(cg); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return nil
}

// waitCgroupEmpty waits up to 5 s for the cgroup tree at dir to hold no
// process, killing stragglers.
func waitCgroupEmpty(ctx context.Context, dir string) bool {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := cgroupPIDs(dir)
		if len(pids) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kill pulls host h's plug. SIGKILL to nspawn alone would leave the
// host's init running, orphaned, so its init is killed too (which takes
// every process of the host's PID namespace with it), then whatever is
// left in the host's network namespace.
func kill(ctx context.Context, s *State, h *HostState) error {
	if h.running() {
		if init, err := leader(h); err == nil {
			_ = syscall.Kill(init, syscall.SIGKILL)
		}
		_ = syscall.Kill(h.PID, syscall.SIGKILL)
		if !waitGone(ctx, h.PID, h.PIDStart, 5*time.Second) {
			return fmt.Errorf("host %s: systemd-nspawn %d survives SIGKILL", h.Name, h.PID)
		}
	}
	h.PID, h.PIDStart = 0, 0
	return sweep(ctx, s, h)
}

// leader returns the PID of host h's init (the container's PID 1 as the
// machine sees it).
func leader(h *HostState) (int, error) {
	if !h.running() {
		return 0, fmt.Errorf("host %s is not running", h.Name)
	}
	self, _ := os.Readlink("/proc/self/ns/pid")
	for _, c := range children(h.PID) {
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c))
		if err == nil && ns != self {
			return c, nil
		}
	}
	return 0, fmt.Errorf("host %s: init not found under systemd-nspawn %d", h.Name, h.PID)
}
