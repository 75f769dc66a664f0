package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// mountRoot mounts host h's overlay root: the shared image tree below, the
// host's own upper and work directories above.
func mountRoot(ctx context.Context, s *State, h *HostState) error {
	root := s.rootDir(h.Name)
	if isMountpoint(root) {
		return nil
	}
	hd := s.hostDir(h.Name)
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(hd, d), 0o755); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", s.Image, filepath.Join(hd, "upper"), filepath.Join(hd, "work"))
	if _, err := run(ctx, "mount", "-t", "overlay", "overlay", "-o", opts, root); err != nil {
		return fmt.Errorf("host %s root: %w", h.Name, err)
	}
	return nil
}

// identity is what makes a host itself.
type identity struct {
	Hostname   string
	Hosts      string // /etc/hosts
	HostKey    *keyPair
	Authorized []byte // root's authorized_keys
	labKey     ssh.Signer
}

// dockerDropIn remounts the cgroup v1 controllers read-write inside the
// host before dockerd starts (nspawn mounts them read-only).
const dockerDropIn = `# hactl lab: nspawn mounts the cgroup controllers read-only
[Service]
ExecStartPre=/bin/sh -c 'for c in cpu cpuacct cpuset memory devices freezer blkio pids; do if mountpoint -q /sys/fs/cgroup/$c; then mount -o remount,bind,rw /sys/fs/cgroup/$c; fi; done'
`

// writeIdentity writes the host's host key and root's authorized key into
// its root, and, the first time (no machine-id yet), its name, /etc/hosts
// and a machine-id. A host started again after a kill or a stop keeps its
// name and /etc/hosts, as a rebooted machine does: a playbook may manage
// them, and a fault scenario must not undo its work. Files are replaced,
// never written through, so a symlink in the image cannot send a write
// outside the root.
func writeIdentity(root string, h *HostState, id identity) error {
	mid := filepath.Join(root, "etc/machine-id")
	data, err := os.ReadFile(mid)
	fresh := err != nil || len(strings.TrimSpace(string(data))) == 0
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{"etc/ssh/ssh_host_ed25519_key", id.HostKey.Private, 0o600},
		{"etc/ssh/ssh_host_ed25519_key.pub", id.HostKey.Public, 0o644},
		{"root/.ssh/authorized_keys", id.Authorized, 0o600},
	}
	if h.Docker {
		files = append(files, struct {
			path string
			data []byte
			mode os.FileMode
		}{"etc/systemd/system/docker.service.d/hactl-cgroups.conf", []byte(dockerDropIn), 0o644})
	}
	if fresh {
		files = append(files, []struct {
			path string
			data []byte
			mode os.FileMode
		}{
			{"etc/hostname", []byte(id.Hostname + "\n"), 0o644},
			{"etc/hosts", []byte(id.Hosts), 0o644},
		}...)
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("machine-id: %w", err)
		}
		files = append(files, struct {
			path string
			data []byte
			mode os.FileMode
		}{"etc/machine-id", []byte(hex.EncodeToString(b) + "\n"), 0o444})
		_ = os.Remove(filepath.Join(root, "var/lib/dbus/machine-id"))
	}
	if err := os.MkdirAll(filepath.Join(root, "root/.ssh"), 0o700); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	for _, f := range files {
		full := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
		if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	if h.NFS {
		if err := os.MkdirAll(filepath.Join(root, h.NFSPath), 0o755); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return nil
}

// etcHosts is the /etc/hosts every lab host gets: all lab hosts by name.
func etcHosts(hosts []*HostState) string {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s\t%s\n", h.Address, h.Name)
	}
	return b.String()
}
