package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// DefaultImageDir is where images are cached.
const DefaultImageDir = "/var/cache/hactl/images"

// ImageStore builds and caches images. For a recipe hashed H it keeps
// H.tar.zst (the image, portable), H/ (the unpacked tree, the overlay lower
// layer of every host) and H.json (the recipe).
type ImageStore struct {
	// Dir is the cache directory; empty means DefaultImageDir.
	Dir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Mirror overrides the Debian mirror; empty means the machine's.
	Mirror string
}

// ImageInfo describes one cached image.
type ImageInfo struct {
	Hash     string
	Recipe   *Recipe // nil when the recipe file is missing
	Archive  string  // path of the .tar.zst, "" when absent
	Size     int64   // archive size in bytes
	Tree     string  // path of the unpacked tree, "" when absent
	Partial  bool    // an interrupted build or unpack left a directory
	Modified time.Time
}

func (s *ImageStore) dir() string {
	if s.Dir == "" {
		return DefaultImageDir
	}
	return s.Dir
}

func (s *ImageStore) logf(start time.Time, format string, a ...any) {
	if s.Log == nil {
		return
	}
	fmt.Fprintf(s.Log, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
}

// TreePath is where the unpacked tree of r lives (whether or not it exists).
func (s *ImageStore) TreePath(r Recipe) string { return filepath.Join(s.dir(), r.Hash()) }

// ArchivePath is where the archive of r lives (whether or not it exists).
func (s *ImageStore) ArchivePath(r Recipe) string {
	return filepath.Join(s.dir(), r.Hash()+".tar.zst")
}

// Ensure returns the unpacked tree of r, unpacking the cached archive or
// building the image first when needed. Concurrent callers (several tests,
// several labs) wait for one another instead of building twice.
func (s *ImageStore) Ensure(ctx context.Context, r Recipe) (string, error) {
	tree := s.TreePath(r)
	if isDir(tree) {
		return tree, nil
	}
	if err := os.MkdirAll(s.dir(), 0o755); err != nil {
		return "", fmt.Errorf("image cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(s.dir(), r.Hash()+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isDir(tree) { // built while we waited
		return tree, nil
	}
	start := time.Now()
	if fileExists(s.ArchivePath(r)) {
		if err := s.unpack(ctx, r, start); err != nil {
			return "", err
		}
		return tree, nil
	}
	if err := s.build(ctx, r, start); err != nil {
		return "", err
	}
	return tree, nil
}

// Build builds r even when it is cached, replacing the cache entry (the
// unpacked tree is left alone when hosts still use it).
func (s *ImageStore) Build(ctx context.Context, r Recipe) (string, error) {
	if err := os.MkdirAll(s.dir(), 0o755); err != nil {
		return "", fmt.Errorf("image cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(s.dir(), r.Hash()+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	tree := s.TreePath(r)
	if isDir(tree) {
		if users := treeUsers(tree); len(users) > 0 {
			return "", fmt.Errorf("image %s is in use by %d mounted host root(s); run hactl lab down first", r.Hash(), len(users))
		}
		if err := os.RemoveAll(tree); err != nil {
			return "", fmt.Errorf("remove old tree: %w", err)
		}
	}
	if err := s.build(ctx, r, time.Now()); err != nil {
		return "", err
	}
	return tree, nil
}

// unpack makes the tree of r from its archive.
func (s *ImageStore) unpack(ctx context.Context, r Recipe, start time.Time) error {
	tmp := s.TreePath(r) + ".unpack"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clean %s: %w", tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	s.logf(start, "unpacking image %s", r.Hash())
	if _, err := run(ctx, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-I", "zstd -d -T0",
		"-xf", s.ArchivePath(r), "-C", tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("unpack image %s: %w", r.Hash(), err)
	}
	if err := os.Rename(tmp, s.TreePath(r)); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	s.logf(start, "image %s ready at %s", r.Hash(), s.TreePath(r))
	return nil
}

// build makes r from scratch (or from its parent image when r has extra
// packages), archives it and leaves the tree in place.
func (s *ImageStore) build(ctx context.Context, r Recipe, start time.Time) error {
	staging := s.TreePath(r) + ".build"
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("clean %s: %w", staging, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(staging)
		}
	}()
	if err := ensureNspawnRuntime(ctx); err != nil {
		return err
	}
	if len(r.Extra) > 0 {
		parent := r.Parent()
		s.logf(start, "image %s extends %s with %s", r.Hash(), parent.Hash(), strings.Join(r.Extra, " "))
		if _, err := s.Ensure(ctx, parent); err != nil {
			return fmt.Errorf("parent image: %w", err)
		}
		if err := os.MkdirAll(staging, 0o755); err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		s.logf(start, "copying parent image")
		if _, err := run(ctx, "cp", "-a", "--reflink=auto", s.TreePath(parent)+"/.", staging); err != nil {
			return fmt.Errorf("copy parent image: %w", err)
		}
		if err := s.installLayers(ctx, staging, [][]string{r.Extra}, start); err != nil {
			return err
		}
	} else {
		mirror := s.Mirror
		if mirror == "" {
			m, err := FindMirror(r.Suite)
			if err != nil {
				return err
			}
			mirror = m
		}
		s.logf(start, "debootstrap --variant=minbase %s from %s", r.Suite, mirror)
		if _, err := run(ctx, "debootstrap", "--variant=minbase", r.Suite, staging, mirror); err != nil {
			return fmt.Errorf("debootstrap: %w", err)
		}
		s.logf(start, "debootstrap done")
		if err := s.installLayers(ctx, staging, r.Layers, start); err != nil {
			return err
		}
	}
	if err := finishImage(ctx, staging, r); err != nil {
		return err
	}
	s.logf(start, "image prepared; archiving")
	archive := s.ArchivePath(r)
	if _, err := run(ctx, "tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-I", "zstd -T0 -3",
		"-cf", archive+".tmp", "-C", staging, "."); err != nil {
		_ = os.Remove(archive + ".tmp")
		return fmt.Errorf("archive image: %w", err)
	}
	if err := os.Rename(archive+".tmp", archive); err != nil {
		return fmt.Errorf("archive image: %w", err)
	}
	data, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(s.dir(), r.Hash()+".json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write recipe: %w", err)
	}
	if err := os.Rename(staging, s.TreePath(r)); err != nil {
		return fmt.Errorf("install tree: %w", err)
	}
	ok = true
	st, _ := os.Stat(archive)
	var size int64
	if st != nil {
		size = st.Size()
	}
	s.logf(start, "image %s built: %s (%d MB)", r.Hash(), archive, size>>20)
	return nil
}

// policyRC stops services from starting while packages are installed.
const policyRC = "#!/bin/sh\nexit 101\n"

// installLayers installs each package list into root, using
// systemd-nspawn as a chroot with the machine's resolver.
func (s *ImageStore) installLayers(ctx context.Context, root string, layers [][]string, start time.Time) error {
	policy := filepath.Join(root, "usr/sbin/policy-rc.d")
	if err := os.WriteFile(policy, []byte(policyRC), 0o755); err != nil {
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := chrootRun(ctx, root, "apt-get", "-q", "update"); err != nil {
		return err
	}
	for i, pkgs := range layers {
		s.logf(start, "installing layer %d/%d: %d packages", i+1, len(layers), len(pkgs))
		args := append([]string{"-q", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "install"}, pkgs...)
		if err := chrootRun(ctx, root, "apt-get", args...); err != nil {
			return err
		}
		s.logf(start, "layer %d/%d installed", i+1, len(layers))
	}
	// Before finishImage: every nspawn run copies the machine's resolver in.
	if err := chrootRun(ctx, root, "apt-get", "clean"); err != nil {
		return err
	}
	lists, _ := filepath.Glob(filepath.Join(root, "var/lib/apt/lists/*_*"))
	for _, l := range lists {
		_ = os.Remove(l)
	}
	return nil
}

// chrootRun runs a command inside root with systemd-nspawn used as a chroot.
func chrootRun(ctx context.Context, root string, name string, args ...string) error {
	nspawn := append([]string{"--register=no", "--keep-unit", "-q", "-D", root,
		"--resolv-conf=copy-host", "--timezone=off",
		"-E", "DEBIAN_FRONTEND=noninteractive", "-E", "LC_ALL=C.UTF-8", "--", name}, args...)
	if _, err := run(ctx, "systemd-nspawn", nspawn...); err != nil {
		return fmt.Errorf("in image: %w", err)
	}
	return nil
}

// imageSSHConfig makes sshd offer only the ed25519 key each host gets.
const imageSSHConfig = "# hactl lab: hosts get an ed25519 host key only\nHostKey /etc/ssh/ssh_host_ed25519_key\nUseDNS no\n"

// finishImage turns an installed tree into a reusable image: no identity,
// no host keys, HA services disabled.
func finishImage(ctx context.Context, root string, r Recipe) error {
	_ = os.Remove(filepath.Join(root, "usr/sbin/policy-rc.d"))
	keys, _ := filepath.Glob(filepath.Join(root, "etc/ssh/ssh_host_*"))
	for _, k := range keys {
		if err := os.Remove(k); err != nil {
			return fmt.Errorf("remove host key: %w", err)
		}
	}
	writes := map[string]string{
		"etc/machine-id":                       "",
		"etc/resolv.conf":                      "",
		"etc/hostname":                         "localhost\n",
		"etc/ssh/sshd_config.d/hactl.conf":     imageSSHConfig,
		"etc/systemd/system.conf.d/hactl.conf": imageSystemConf,
	}
	for path, content := range writes {
		full := filepath.Join(root, path)
		_ = os.Remove(full) // resolv.conf may be a symlink
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("finish image: %w", err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return fmt.Errorf("finish image: %w", err)
		}
	}
	_ = os.Remove(filepath.Join(root, "var/lib/dbus/machine-id"))
	if err := dropPamSystemd(root); err != nil {
		return err
	}
	var disable []string
	for _, u := range r.Disable {
		if unitExists(root, u) {
			disable = append(disable, u)
		}
	}
	if len(disable) > 0 {
		if _, err := run(ctx, "systemctl", append([]string{"--root=" + root, "disable"}, disable...)...); err != nil {
			return fmt.Errorf("disable HA services: %w", err)
		}
	}
	if len(r.Mask) > 0 {
		if _, err := run(ctx, "systemctl", append([]string{"--root=" + root, "mask"}, r.Mask...)...); err != nil {
			return fmt.Errorf("mask units: %w", err)
		}
	}
	return nil
}

// imageSystemConf bounds how long a unit may take to stop, so that a
// host halts in seconds.
const imageSystemConf = "# hactl lab\n[Manager]\nDefaultTimeoutStopSec=10s\n"

// dropPamSystemd keeps SSH logins out of logind: a login would start a
// per-user systemd instance that can hang the host's shutdown, and lab
// hosts need no user sessions.
func dropPamSystemd(root string) error {
	path := filepath.Join(root, "etc/pam.d/common-session")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("finish image: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "pam_systemd.so") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			line = "# disabled by hactl lab: " + line
		}
		out = append(out, line)
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		return fmt.Errorf("finish image: %w", err)
	}
	return nil
}

// unitExists reports whether root ships a unit file named unit.
func unitExists(root, unit string) bool {
	for _, d := range []string{"lib/systemd/system", "usr/lib/systemd/system", "etc/systemd/system"} {
		if _, err := os.Lstat(filepath.Join(root, d, unit)); err == nil {
			return true
		}
	}
	return false
}

// List describes the cached images, newest first.
func (s *ImageStore) List() ([]ImageInfo, error) {
	entries, err := os.ReadDir(s.dir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("image cache: %w", err)
	}
	byHash := map[string]*ImageInfo{}
	get := func(h string) *ImageInfo {
		if byHash[h] == nil {
			byHash[h] = &ImageInfo{Hash: h}
		}
		return byHash[h]
	}
	for _, e := range entries {
		name := e.Name()
		full := filepath.Join(s.dir(), name)
		info, _ := e.Info()
		switch {
		case strings.HasSuffix(name, ".tar.zst"):
			im := get(strings.TrimSuffix(name, ".tar.zst"))
			im.Archive = full
			if info != nil {
				im.Size = info.Size()
				im.Modified = info.ModTime()
			}
		case strings.HasSuffix(name, ".json"):
			im := get(strings.TrimSuffix(name, ".json"))
			if data, err := os.ReadFile(full); err == nil {
				var r Recipe
				if json.Unmarshal(data, &r) == nil {
					im.Recipe = &r
				}
			}
		case e.IsDir() && !strings.Contains(name, "."):
			get(name).Tree = full
		case e.IsDir() && (strings.HasSuffix(name, ".build") || strings.HasSuffix(name, ".unpack")):
			get(name[:strings.IndexByte(name, '.')]).Partial = true
		}
	}
	out := make([]ImageInfo, 0, len(byHash))
	for _, im := range byHash {
		out = append(out, *im)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	return out, nil
}

// Remove deletes the cache entry hashed hash (archive, tree, recipe). It
// refuses while running hosts use the tree.
func (s *ImageStore) Remove(ctx context.Context, hash string) error {
	if hash == "" || strings.ContainsAny(hash, "/.") {
		return fmt.Errorf("bad image hash %q", hash)
	}
	unlock, err := lockFile(ctx, filepath.Join(s.dir(), hash+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	tree := filepath.Join(s.dir(), hash)
	if users := treeUsers(tree); len(users) > 0 {
		return fmt.Errorf("image %s is in use by %d mounted host root(s); run hactl lab down first", hash, len(users))
	}
	for _, p := range []string{tree, tree + ".build", tree + ".unpack", tree + ".tar.zst", tree + ".tar.zst.tmp", tree + ".json"} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove image %s: %w", hash, err)
		}
	}
	_ = os.Remove(filepath.Join(s.dir(), ".#"+hash+".build.lck")) // nspawn's lock
	_ = os.Remove(tree + ".lock")
	return nil
}

// lockFile takes an exclusive flock on path, waiting for ctx. The returned
// function releases it.
func lockFile(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensureNspawnRuntime mounts a tmpfs on /run/systemd/nspawn once: without
// it nspawn fails to clean its propagation directory on this kind of
// machine.
func ensureNspawnRuntime(ctx context.Context) error {
	const dir = "/run/systemd/nspawn"
	if isMountpoint(dir) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("nspawn runtime: %w", err)
	}
	if _, err := run(ctx, "mount", "-t", "tmpfs", "-o", "mode=0755", "hactl-nspawn", dir); err != nil {
		if isMountpoint(dir) { // someone else just did it
			return nil
		}
		return fmt.Errorf("nspawn runtime: %w", err)
	}
	return nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
