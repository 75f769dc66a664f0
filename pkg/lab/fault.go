package lab

import (
	"context"
	"fmt"
)

// withHost runs f on host of the lab in dir with the lab locked, and saves
// the state afterwards.
func withHost(ctx context.Context, dir, host string, f func(st *State, h *HostState) error) error {
	if err := CheckHost(); err != nil {
		return err
	}
	l, err := Load(dir)
	if err != nil {
		return err
	}
	unlock, err := lockLab(ctx, l.Name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadState(l.Name)
	if err != nil {
		return err
	}
	if st == nil {
		return fmt.Errorf("%w: %s (hactl lab up %s)", ErrNotUp, l.Name, dir)
	}
	h := st.Host(host)
	if h == nil {
		return fmt.Errorf("lab %s has no host %q", l.Name, host)
	}
	ferr := f(st, h)
	if err := st.save(); err != nil && ferr == nil {
		ferr = err
	}
	return ferr
}

// Stop powers host off cleanly (its init shuts down); its disk is kept and
// Start boots it again.
func Stop(ctx context.Context, dir, host string, o Options) error {
	return withHost(ctx, dir, host, func(st *State, h *HostState) error {
		h.Stopped = true
		return halt(ctx, st, h, o.haltTimeout())
	})
}

// Kill pulls host's plug: every process of the host is SIGKILLed at once,
// nothing shuts down.
func Kill(ctx context.Context, dir, host string, _ Options) error {
	return withHost(ctx, dir, host, func(st *State, h *HostState) error {
		h.Stopped = true
		return kill(ctx, st, h)
	})
}

// Start boots a stopped or killed host and waits for it to answer SSH. A
// running host is left alone.
func Start(ctx context.Context, dir, host string, o Options) error {
	return withHost(ctx, dir, host, func(st *State, h *HostState) error {
		if h.running() {
			return nil
		}
		ids, err := identities(st)
		if err != nil {
			return err
		}
		if err := prepareShared(ctx, st); err != nil {
			return err
		}
		if err := startHost(ctx, st, h, ids[h.Name]); err != nil {
			return err
		}
		if err := st.save(); err != nil {
			return err
		}
		return waitAllSSH(ctx, st, []*HostState{h}, ids, o.sshTimeout())
	})
}

// Cut isolates host from the network: its wire to the bridge goes down.
// The host keeps running and notices only a lost carrier.
func Cut(ctx context.Context, dir, host string) error {
	return withHost(ctx, dir, host, func(st *State, h *HostState) error {
		if _, err := run(ctx, "ip", "link", "set", h.Veth, "down"); err != nil {
			return fmt.Errorf("cut host %s: %w", h.Name, err)
		}
		return nil
	})
}

// Heal reconnects a host Cut isolated.
func Heal(ctx context.Context, dir, host string) error {
	return withHost(ctx, dir, host, func(st *State, h *HostState) error {
		if _, err := run(ctx, "ip", "link", "set", h.Veth, "up"); err != nil {
			return fmt.Errorf("heal host %s: %w", h.Name, err)
		}
		return nil
	})
}
