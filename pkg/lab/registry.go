package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Where labs keep their things. Host disks (overlay upper layers, Docker
// data, NFS exports) can grow to gigabytes, so each lab's state lives on
// disk under StateRoot rather than in /run, which is RAM on most machines;
// a state whose processes are gone (crash, reboot) is recognised and
// cleaned by the next up. Locks and the address registry are about running
// labs only, so they live under RunRoot and vanish with a reboot.
const (
	// StateRoot holds one directory per lab.
	StateRoot = "/var/lib/hactl/labs"
	// RunRoot holds locks and the address registry.
	RunRoot = "/run/hactl"
)

// StateDir is the state directory of the lab called name.
func StateDir(name string) string { return filepath.Join(StateRoot, name) }

// lockLab serialises up, down and faults on one lab.
func lockLab(ctx context.Context, name string) (func(), error) {
	return lockFile(ctx, filepath.Join(RunRoot, "locks", name+".lock"))
}

// lockGlobal serialises changes shared by all labs: the bridge and the
// address registry.
func lockGlobal(ctx context.Context) (func(), error) {
	return lockFile(ctx, filepath.Join(RunRoot, "locks", "global.lock"))
}

// claim is one address of the registry.
type claim struct {
	Lab   string    `json:"lab"`
	PID   int       `json:"pid"` // who reserved it, for reservations made before up
	Since time.Time `json:"since"`
}

func registryPath() string { return filepath.Join(RunRoot, "addresses.json") }

func readRegistry() (map[netip.Addr]claim, error) {
	out := map[netip.Addr]claim{}
	data, err := os.ReadFile(registryPath())
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("address registry: %w", err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("address registry %s: %w", registryPath(), err)
	}
	return out, nil
}

func writeRegistry(reg map[netip.Addr]claim) error {
	data, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return fmt.Errorf("address registry: %w", err)
	}
	return writeFileAtomic(registryPath(), data, 0o644)
}

// stale reports whether a claim no longer stands: its lab has no state
// directory and whoever reserved it has exited.
func (c claim) stale() bool {
	if isDir(StateDir(c.Lab)) {
		return false
	}
	return c.PID == 0 || !pidExists(c.PID)
}

// claimAddresses records addrs as lab's, failing when another running lab
// holds one of them. Call with the global lock held.
func claimAddresses(lab string, addrs []netip.Addr) error {
	reg, err := readRegistry()
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if c, ok := reg[a]; ok && c.Lab != lab && !c.stale() {
			return fmt.Errorf("address %s is used by lab %q; give this lab other addresses in %s", a, c.Lab, ConfigFile)
		}
	}
	for a, c := range reg {
		if c.Lab == lab || c.stale() {
			delete(reg, a)
		}
	}
	for _, a := range addrs {
		reg[a] = claim{Lab: lab, Since: time.Now().UTC()}
	}
	return writeRegistry(reg)
}

// releaseAddresses forgets lab's addresses. Call with the global lock held.
func releaseAddresses(lab string) error {
	reg, err := readRegistry()
	if err != nil {
		return err
	}
	for a, c := range reg {
		if c.Lab == lab {
			delete(reg, a)
		}
	}
	return writeRegistry(reg)
}

// ReserveAddresses picks n free addresses for a lab that does not exist
// yet (a throwaway test lab) and reserves them for it, highest first so as
// to stay clear of the addresses lab directories use. The reservation lasts
// while this process lives or the lab exists.
func ReserveAddresses(ctx context.Context, lab string, n int) ([]netip.Addr, error) {
	unlock, err := lockGlobal(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	reg, err := readRegistry()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for a := netip.MustParseAddr("10.77.0.254"); len(out) < n && a != BridgeAddr; a = a.Prev() {
		if c, ok := reg[a]; ok && !c.stale() {
			continue
		}
		out = append(out, a)
	}
	if len(out) < n {
		return nil, fmt.Errorf("only %d free lab addresses, %d needed", len(out), n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	for a, c := range reg {
		if c.stale() {
			delete(reg, a)
		}
	}
	for _, a := range out {
		reg[a] = claim{Lab: lab, PID: os.Getpid(), Since: time.Now().UTC()}
	}
	if err := writeRegistry(reg); err != nil {
		return nil, err
	}
	return out, nil
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
