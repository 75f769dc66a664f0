package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options tunes Up, Down and the fault commands.
type Options struct {
	// Images builds and caches the image; nil means the default store.
	Images *ImageStore
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// SSHTimeout bounds the wait for hosts to answer SSH; zero means 90 s.
	SSHTimeout time.Duration
	// HaltTimeout is how long a host gets to shut down cleanly before it
	// is killed; zero means 30 s.
	HaltTimeout time.Duration
}

func (o Options) images() *ImageStore {
	if o.Images != nil {
		return o.Images
	}
	return &ImageStore{Log: o.Log}
}

func (o Options) sshTimeout() time.Duration {
	if o.SSHTimeout > 0 {
		return o.SSHTimeout
	}
	return 90 * time.Second
}

func (o Options) haltTimeout() time.Duration {
	if o.HaltTimeout > 0 {
		return o.HaltTimeout
	}
	return 30 * time.Second
}

// progress prints timed progress lines.
type progress struct {
	w     io.Writer
	start time.Time
}

func (p progress) printf(format string, a ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, a...))
	}
}

// Up brings the lab in dir up and returns once every host answers SSH. It
// is idempotent: running hosts are left alone, hosts stopped on purpose are
// started, and a lab left over by a crash (no host running) is removed
// first and made afresh.
func Up(ctx context.Context, dir string, o Options) (*State, error) {
	if err := CheckHost(); err != nil {
		return nil, err
	}
	l, err := Load(dir)
	if err != nil {
		return nil, err
	}
	p := progress{w: o.Log, start: time.Now()}
	if err := raiseInotifyLimits(); err != nil {
		p.printf("warning: %v (many lab hosts may then fail to boot with 'Too many open files')", err)
	}
	unlock, err := lockLab(ctx, l.Name)
	if err != nil {
		return nil, err
	}
	defer unlock()

	st, err := loadState(l.Name)
	if err != nil {
		return nil, err
	}
	if st != nil && st.Dir != l.Dir {
		return nil, fmt.Errorf("lab name %q is already used by %s; set another name in %s", l.Name, st.Dir, filepath.Join(l.Dir, ConfigFile))
	}
	if st == nil || st.stale() {
		if st != nil || isDir(StateDir(l.Name)) || len(labNetns(l.Name)) > 0 {
			p.printf("cleaning what a previous run of lab %s left behind", l.Name)
			if err := teardown(ctx, l.Name, st, o); err != nil {
				return nil, fmt.Errorf("clean stale lab: %w", err)
			}
		}
		st = nil
	}

	tree, err := o.images().Ensure(ctx, l.Recipe)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if st == nil {
		st = &State{Name: l.Name, Dir: l.Dir, Image: tree, Created: time.Now().UTC()}
	} else if st.Image != tree {
		return nil, fmt.Errorf("lab %s runs on another image than %s asks for; run hactl lab down first", l.Name, ConfigFile)
	}
	if err := reconcileHosts(ctx, st, l, o); err != nil {
		return nil, err
	}
	if err := st.save(); err != nil {
		return nil, err
	}

	if err := prepareShared(ctx, st); err != nil {
		return nil, err
	}
	ids, err := identities(st)
	if err != nil {
		return nil, err
	}

	var todo []*HostState
	for _, h := range st.Hosts {
		if !h.running() {
			todo = append(todo, h)
		}
	}
	p.printf("starting %d of %d hosts", len(todo), len(st.Hosts))
	errs := parallel(todo, func(h *HostState) error { return startHost(ctx, st, h, ids[h.Name]) })
	if err := st.save(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return st, errors.Join(errs...)
	}
	p.printf("hosts booting; waiting for ssh")
	if err := waitAllSSH(ctx, st, st.Hosts, ids, o.sshTimeout()); err != nil {
		return st, err
	}
	p.printf("lab %s up: %d hosts answer ssh", st.Name, len(st.Hosts))
	return st, nil
}

// stale reports whether the state is a leftover: nothing runs and nothing
// was stopped on purpose.
func (s *State) stale() bool {
	for _, h := range s.Hosts {
		if h.running() || h.Stopped {
			return false
		}
	}
	return true
}

// reconcileHosts makes the state's host list the lab's: new hosts are
// added, hosts no longer in the inventory are removed, and hosts that are
// not running take their configured settings.
func reconcileHosts(ctx context.Context, st *State, l *Lab, o Options) error {
	var keep []*HostState
	for _, h := range st.Hosts {
		if l.Host(h.Name) != nil {
			keep = append(keep, h)
			continue
		}
		if err := removeHost(ctx, st, h, o); err != nil {
			return err
		}
	}
	st.Hosts = keep
	for _, lh := range l.Hosts {
		h := st.Host(lh.Name)
		if h == nil {
			h = &HostState{Name: lh.Name, Netns: netnsName(st.Name, lh.Name)}
			st.Hosts = append(st.Hosts, h)
		} else if h.running() {
			if h.Address != lh.Address.String() || h.Docker != lh.Docker || h.NFS != lh.NFS || h.NFSPath != lh.NFSPath {
				return fmt.Errorf("host %s runs with other settings than the lab asks for; stop it (hactl lab stop) or run hactl lab down first", h.Name)
			}
			continue
		}
		if h.Address != "" && h.Address != lh.Address.String() {
			teardownHostNet(ctx, h)
		}
		h.Address = lh.Address.String()
		h.Veth = vethName(h.Address)
		h.Docker, h.NFS, h.NFSPath = lh.Docker, lh.NFS, lh.NFSPath
	}
	return nil
}

// removeHost halts a host and removes everything it made.
func removeHost(ctx context.Context, st *State, h *HostState, o Options) error {
	if err := halt(ctx, st, h, o.haltTimeout()); err != nil {
		return err
	}
	if err := unmountAll(ctx, st.hostDir(h.Name)); err != nil {
		return err
	}
	teardownHostNet(ctx, h)
	if err := os.RemoveAll(st.hostDir(h.Name)); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	return nil
}

// prepareShared sets up what all labs share: the address registry entry,
// the bridge, and nspawn's runtime directory.
func prepareShared(ctx context.Context, st *State) error {
	unlock, err := lockGlobal(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	var addrs []netip.Addr
	for _, h := range st.Hosts {
		a, err := netip.ParseAddr(h.Address)
		if err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
		addrs = append(addrs, a)
	}
	if err := claimAddresses(st.Name, addrs); err != nil {
		return err
	}
	if err := ensureBridge(ctx); err != nil {
		return err
	}
	return ensureNspawnRuntime(ctx)
}

// identities loads or makes the lab key and every host's key, writes the
// lab's known_hosts, and returns each host's identity.
func identities(st *State) (map[string]identity, error) {
	labKey, err := loadOrCreateKey(st.KeyPath(), "hactl-lab-"+st.Name)
	if err != nil {
		return nil, err
	}
	hosts := etcHosts(st.Hosts)
	var known strings.Builder
	out := map[string]identity{}
	for _, h := range st.Hosts {
		hk, err := loadOrCreateKey(filepath.Join(st.hostDir(h.Name), "ssh_host_ed25519_key"), "root@"+h.Name)
		if err != nil {
			return nil, err
		}
		known.WriteString(knownHostsLine(h.Address, h.Name, hk.Signer.PublicKey()))
		out[h.Name] = identity{Hostname: h.Name, Hosts: hosts, HostKey: hk, Authorized: labKey.Public, labKey: labKey.Signer}
	}
	if err := writeFileAtomic(st.KnownHostsPath(), []byte(known.String()), 0o644); err != nil {
		return nil, err
	}
	return out, nil
}

// startHost wires, mounts, names and boots one host.
func startHost(ctx context.Context, st *State, h *HostState, id identity) error {
	// Whatever a crash left of the host would answer in its place.
	if err := sweep(ctx, st, h); err != nil {
		return err
	}
	if err := setupHostNet(ctx, h); err != nil {
		return err
	}
	if err := mountRoot(ctx, st, h); err != nil {
		return err
	}
	if err := writeIdentity(st.rootDir(h.Name), h, id); err != nil {
		return err
	}
	return boot(st, h)
}

// waitAllSSH waits for every host in hosts to answer SSH, within timeout.
func waitAllSSH(ctx context.Context, st *State, hosts []*HostState, ids map[string]identity, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := parallel(hosts, func(h *HostState) error {
		id := ids[h.Name]
		if err := waitSSH(wctx, h.Address, id.labKey, id.HostKey.Signer.PublicKey()); err != nil {
			if !h.running() {
				return fmt.Errorf("host %s: systemd-nspawn exited (see %s)", h.Name, filepath.Join(st.hostDir(h.Name), "console.log"))
			}
			return fmt.Errorf("host %s: %w\n%s", h.Name, err, diagnose(ctx, st, h))
		}
		return nil
	})
	return errors.Join(errs...)
}

// diagnose says what a host that does not answer is doing: the end of its
// console and, when it runs, its failed units and pending jobs.
func diagnose(ctx context.Context, st *State, h *HostState) string {
	var b strings.Builder
	if data, err := os.ReadFile(filepath.Join(st.hostDir(h.Name), "console.log")); err == nil {
		fmt.Fprintf(&b, "  console (last lines):\n")
		for _, l := range strings.Split(lastLines(strings.TrimSpace(string(data)), 8), "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	init, err := leader(h)
	if err != nil {
		return b.String()
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	out, _ := run(dctx, "nsenter", "-t", fmt.Sprint(init), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--",
		"/bin/sh", "-c", "systemctl is-system-running; systemctl --failed --no-legend --plain; systemctl list-jobs --no-legend --plain | head -n 10")
	fmt.Fprintf(&b, "  systemd inside:\n")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	return b.String()
}

// parallel runs f on every host at once and collects the errors.
func parallel(hosts []*HostState, f func(*HostState) error) []error {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(h); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}
