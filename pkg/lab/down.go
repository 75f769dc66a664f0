package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Down removes everything the lab in dir made: it halts the hosts (cleanly,
// then by force), unmounts their roots, deletes their namespaces and veths,
// the bridge when no other lab uses it, and the lab's state directory.
func Down(ctx context.Context, dir string, o Options) error {
	if err := CheckHost(); err != nil {
		return err
	}
	l, err := Load(dir)
	if err != nil {
		return err
	}
	return DownName(ctx, l.Name, o)
}

// DownName is Down for the lab called name, for when its directory is gone.
func DownName(ctx context.Context, name string, o Options) error {
	if err := CheckHost(); err != nil {
		return err
	}
	if !labNameRE.MatchString(name) {
		return fmt.Errorf("bad lab name %q", name)
	}
	unlock, err := lockLab(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadState(name)
	if err != nil {
		// A state that cannot be read is removed all the same: teardown
		// finds processes, mounts and namespaces by name too.
		st = nil
	}
	p := progress{w: o.Log, start: time.Now()}
	if err := teardown(ctx, name, st, o); err != nil {
		return err
	}
	p.printf("lab %s down", name)
	return nil
}

// teardown removes lab name's processes, mounts, network and state. It
// trusts the state where there is one and also looks for leftovers by name,
// so a crashed or half-made lab goes too. Call with the lab lock held.
func teardown(ctx context.Context, name string, st *State, o Options) error {
	dir := StateDir(name)
	var errs []error

	// Halt the hosts the state knows, and any nspawn running a root under
	// the state directory it does not know, in parallel.
	var hosts []*HostState
	seen := map[int]bool{}
	if st != nil {
		for _, h := range st.Hosts {
			hosts = append(hosts, h)
			seen[h.PID] = true
		}
	}
	for _, pid := range nspawnsUnder(dir) {
		if _, start, err := procStat(pid); err == nil && !seen[pid] {
			hosts = append(hosts, &HostState{Name: fmt.Sprintf("pid %d", pid), PID: pid, PIDStart: start})
		}
	}
	ls := &State{Name: name}
	errs = append(errs, parallel(hosts, func(h *HostState) error { return halt(ctx, ls, h, o.haltTimeout()) })...)
	// Then whatever still lives in the lab's namespaces (a crash's orphans).
	nets := hosts
	for _, ns := range labNetns(name) {
		nets = append(nets, &HostState{Name: ns, Netns: ns})
	}
	for _, h := range nets {
		if err := sweepNetns(ctx, h.Netns); err != nil {
			errs = append(errs, err)
		}
	}
	for _, cg := range labCgroups(name) {
		if !waitCgroupEmpty(ctx, cg) {
			errs = append(errs, fmt.Errorf("processes %v survive in cgroup %s", cgroupPIDs(cg), cg))
			continue
		}
		if err := removeCgroupTree(cg); err != nil {
			errs = append(errs, err)
		}
		_ = os.Remove(filepath.Dir(cg)) // hactl/, when no other lab uses it
	}

	if err := unmountAll(ctx, dir); err != nil {
		errs = append(errs, err)
	}

	for _, h := range nets {
		if h.Netns == "" {
			continue
		}
		teardownHostNet(ctx, h)
		if netnsExists(h.Netns) {
			errs = append(errs, fmt.Errorf("network namespace %s remains", h.Netns))
		}
		if h.Veth != "" && linkExists(h.Veth) {
			errs = append(errs, fmt.Errorf("interface %s remains", h.Veth))
		}
	}

	if unlock, err := lockGlobal(ctx); err != nil {
		errs = append(errs, err)
	} else {
		if err := releaseAddresses(name); err != nil {
			errs = append(errs, err)
		}
		if err := removeBridgeIfUnused(ctx); err != nil {
			errs = append(errs, err)
		}
		unlock()
	}

	if left := mountsUnder(dir); len(left) > 0 {
		// Never delete through a mount: it would reach into the image or
		// the machine.
		errs = append(errs, fmt.Errorf("still mounted, state kept: %v", left))
	} else if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("remove lab state: %w", err))
	}
	return errors.Join(errs...)
}
