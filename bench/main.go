// Command bench plays the same playbooks with ansible-playbook, hactl and a
// minimal SSH client (the floor) against the same hosts, interleaved, and
// writes bench/RESULTS.md.
//
//	go run ./bench -n 1,10,50,500 -lab 10 -reps 5
//
// Targets are sshd servers on 127.0.0.1 (internal/sshtest) and, with -lab,
// hosts of the local lab (pkg/lab, needs root). Every run is a child
// process measured with wait4's rusage: wall time, user+sys CPU of the
// child and the children it waited for, and peak RSS of the largest single
// process. See README.md in this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var err error
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "floor":
			err = floorMain(os.Args[2:])
		case "exec":
			err = execMain(os.Args[2:])
		case "play":
			err = playMain(os.Args[2:])
		default:
			err = benchMain(os.Args[1:])
		}
	} else {
		err = benchMain(nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is the harness's command line.
type config struct {
	ns         []int // 0 marks where the lab set runs
	labN       int
	reps       int
	warmup     int
	workloads  []string
	runners    []string
	ansReps    int
	ansMax     int
	defaultMax int
	timeout    time.Duration
	out        string
	keep       bool
	profileDir string
	goBench    bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	ns := fs.String("n", "1,10,50,500", `numbers of sshd targets on 127.0.0.1, in order; "lab" places the lab set (default: last)`)
	fs.IntVar(&c.labN, "lab", 10, "local-lab hosts (0: no lab run; needs root)")
	fs.IntVar(&c.reps, "reps", 5, "measured repetitions per runner")
	fs.IntVar(&c.warmup, "warmup", 1, "unmeasured repetitions first")
	wl := fs.String("workloads", "noop,files,facts", "workloads to play")
	rs := fs.String("runners", "floor,hactl,ansible-tuned,ansible-default", "runners to measure")
	fs.IntVar(&c.ansReps, "ansible-reps", 2, "measured repetitions of Ansible up to 10 hosts (1 above; Ansible gets no warm-up)")
	fs.IntVar(&c.ansMax, "ansible-max", 50, "largest target set Ansible (tuned) plays")
	fs.IntVar(&c.defaultMax, "default-max", 10, "largest target set Ansible's default profile plays")
	fs.DurationVar(&c.timeout, "timeout", 20*time.Minute, "bound on one run")
	fs.StringVar(&c.out, "out", "bench/RESULTS.md", "results file (its generated section is replaced)")
	fs.BoolVar(&c.keep, "keep", false, "keep the scratch directory")
	fs.StringVar(&c.profileDir, "profile", "", "also write hactl CPU and heap profiles (in-process play) here")
	fs.BoolVar(&c.goBench, "gobench", true, "run the Go loading/rendering/executor benchmarks too")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, s := range strings.Split(*ns, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if s == "lab" {
			c.ns = append(c.ns, 0)
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return c, fmt.Errorf("-n: bad count %q", s)
		}
		c.ns = append(c.ns, n)
	}
	c.workloads = splitList(*wl)
	for _, w := range c.workloads {
		if _, ok := workloads[w]; !ok {
			return c, fmt.Errorf("-workloads: unknown %q", w)
		}
	}
	c.runners = splitList(*rs)
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func benchMain(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := ensureAnsible(ctx); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "hactl-bench-")
	if err != nil {
		return fmt.Errorf("scratch dir: %w", err)
	}
	if cfg.keep {
		fmt.Fprintln(os.Stderr, "scratch directory:", work)
	} else {
		defer os.RemoveAll(work)
	}
	res := &results{Started: time.Now(), Machine: describeMachine(ctx), Config: cfg}

	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("own path: %w", err)
	}
	hactlBin := filepath.Join(work, "hactl")
	progress("building hactl")
	build := exec.CommandContext(ctx, "go", "build", "-o", hactlBin, "./cmd/hactl")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build hactl: %w", err)
	}
	pbDir := filepath.Join(work, "playbooks")
	if err := writeWorkloads(pbDir); err != nil {
		return err
	}
	cfgDir := filepath.Join(work, "ansible")
	if err := os.MkdirAll(filepath.Join(cfgDir, "home"), 0o755); err != nil {
		return fmt.Errorf("ansible dir: %w", err)
	}

	if cfg.goBench {
		progress("go test -bench")
		res.GoBench = runGoBench(ctx)
	}

	ns := cfg.ns
	if !slices.Contains(ns, 0) {
		ns = append(ns, 0)
	}
	sets := make([]func() (*targetSet, error), 0, len(ns))
	for _, n := range ns {
		if n == 0 {
			if cfg.labN > 0 {
				sets = append(sets, labSet(ctx, work, cfg.labN))
			}
			continue
		}
		dir := filepath.Join(work, "ssh"+strconv.Itoa(n))
		sets = append(sets, func() (*targetSet, error) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("target dir: %w", err)
			}
			return startSSH(dir, n)
		})
	}
	for _, start := range sets {
		if ctx.Err() != nil {
			break
		}
		ts, err := start()
		if err != nil {
			progress("skipped a target set: %v", err)
			res.Notes = append(res.Notes, fmt.Sprintf("A target set could not start: %v", err))
			continue
		}
		err = benchSet(ctx, cfg, res, ts, work, self, hactlBin, pbDir, cfgDir)
		if cerr := ts.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("stop %s: %w", ts.Name, cerr))
		}
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %v", ts.Name, err))
			progress("%s: %v", ts.Name, err)
		}
		if err := res.write(cfg.out); err != nil {
			return err
		}
	}
	res.Finished = time.Now()
	res.Machine.LoadAfter = loadAvg()
	if err := res.write(cfg.out); err != nil {
		return err
	}
	progress("wrote %s", cfg.out)
	return ctx.Err()
}

// labSet starts the lab target set of n hosts under work.
func labSet(ctx context.Context, work string, n int) func() (*targetSet, error) {
	dir := filepath.Join(work, "lab"+strconv.Itoa(n))
	return func() (*targetSet, error) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("target dir: %w", err)
		}
		logf, err := os.Create(filepath.Join(dir, "lab-up.log"))
		if err != nil {
			return nil, fmt.Errorf("lab log: %w", err)
		}
		defer logf.Close()
		return startLab(ctx, dir, n, logf)
	}
}

// benchSet measures every workload and runner on one target set.
func benchSet(ctx context.Context, cfg config, res *results, ts *targetSet, work, self, hactlBin, pbDir, cfgDir string) error {
	n := len(ts.Hosts)
	res.Loads = append(res.Loads, setLoad{Set: ts.Name, Load: loadAvg()})
	progress("%s: session cost", ts.Name)
	if sc, err := measureSessionCost(ctx, ts); err != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("%s: session cost: %v", ts.Name, err))
	} else {
		res.SessionCost = append(res.SessionCost, sc)
	}
	var all []runner
	for _, name := range cfg.runners {
		switch name {
		case "floor":
			all = append(all, floorRunner(self, ts.HostsFile))
		case "hactl":
			all = append(all, hactlRunner(hactlBin))
		default:
			found := false
			for _, p := range ansibleProfiles {
				if p.Name == name {
					r, err := ansibleRunner(p, cfgDir, filepath.Join(cfgDir, "home"))
					if err != nil {
						return err
					}
					all = append(all, r)
					found = true
				}
			}
			if !found {
				return fmt.Errorf("unknown runner %q", name)
			}
		}
	}
	// Ansible costs minutes per run at 50 hosts: it runs in the first
	// repetitions only, interleaved with the others.
	repsOf := func(r runner) int {
		switch {
		case !strings.HasPrefix(r.Name, "ansible"):
			return cfg.reps
		case n > cfg.ansMax, r.Name == "ansible-default" && n > cfg.defaultMax:
			return 0
		case n > 10:
			return 1
		}
		return min(cfg.ansReps, cfg.reps)
	}
	runID := 0
	for _, wname := range cfg.workloads {
		w := workloads[wname]
		pb := filepath.Join(pbDir, w.Name+".yml")
		failed := map[string]bool{}
		for rep := -cfg.warmup; rep < cfg.reps; rep++ {
			for _, r := range all {
				if failed[r.Name] || ctx.Err() != nil {
					continue
				}
				if reps := repsOf(r); rep >= reps || (reps < cfg.reps && rep < 0) {
					continue
				}
				phases := []string{""}
				if w.Twice && !r.floor {
					phases = []string{"1st", "2nd"}
				}
				if w.Reset != "" {
					if err := resetTargets(ctx, self, ts); err != nil {
						return err
					}
				}
				for _, phase := range phases {
					runID++
					run := filepath.Join(work, "runs", fmt.Sprintf("%04d-%s-%s-%s%s", runID, strings.ReplaceAll(ts.Name, "×", "x"), w.Name, r.Name, phase))
					if err := os.MkdirAll(run, 0o755); err != nil {
						return fmt.Errorf("run dir: %w", err)
					}
					progress("%s %s%s %s rep %d", ts.Name, w.Name, phase, r.Name, rep)
					s, err := runMeasured(ctx, pbDir, r.env(run), filepath.Join(run, "out.log"), cfg.timeout, r.argv(pb, ts.Inventory)...)
					if r.after != nil {
						r.after(ctx, run)
					}
					if err != nil {
						failed[r.Name] = true
						res.Notes = append(res.Notes, fmt.Sprintf("%s %s%s %s: %v", ts.Name, w.Name, phase, r.Name, err))
						progress("  failed: %v", err)
						break
					}
					progress("  %.2fs cpu %.2fs rss %d MiB recap %+v", s.Wall.Seconds(), s.CPU.Seconds(), s.MaxRSS/1024, s.Recap)
					if rep >= 0 {
						res.add(key{Set: ts.Name, Hosts: n, Workload: w.Name, Phase: phase, Runner: r.Name}, w.Tasks, s)
					}
				}
			}
		}
		if cfg.profileDir != "" && ctx.Err() == nil {
			if err := profileHactl(ctx, cfg, self, ts, w, pb); err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("profile %s %s: %v", ts.Name, w.Name, err))
			}
		}
	}
	return nil
}

// resetTargets puts the files workload's targets back in their initial
// state.
func resetTargets(ctx context.Context, self string, ts *targetSet) error {
	c, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(c, self, "exec", "-hosts", ts.HostsFile, workloads["files"].Reset).CombinedOutput()
	if err != nil {
		return fmt.Errorf("reset targets: %w: %s", err, tail(out, 400))
	}
	return nil
}

// profileHactl plays the workload once more in this program's play
// subcommand (hactl's library path, in-process) with CPU and heap profiles.
func profileHactl(ctx context.Context, cfg config, self string, ts *targetSet, w workload, pb string) error {
	if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	if w.Reset != "" {
		if err := resetTargets(ctx, self, ts); err != nil {
			return err
		}
	}
	base := filepath.Join(cfg.profileDir, strings.ReplaceAll(ts.Name, "×", "x")+"-"+w.Name)
	_, err := runMeasured(ctx, filepath.Dir(pb), baseEnv(), base+".log", cfg.timeout,
		self, "play", "-i", ts.Inventory, "-cpuprofile", base+".cpu.pprof", "-memprofile", base+".heap.pprof", pb)
	return err
}

// measureSessionCost times one SSH session on the first host: plain, and
// through bash with and without its rc files.
func measureSessionCost(ctx context.Context, ts *targetSet) (sessionCostRow, error) {
	cmds := []string{"true", "env SHLVL=0 bash -c true", "env SHLVL=1 bash -c true"}
	c, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ds, err := sessionCost(c, ts.Hosts[0], 21, cmds)
	if err != nil {
		return sessionCostRow{}, err
	}
	return sessionCostRow{Set: ts.Name, Plain: ds[0], WithRC: ds[1], WithoutRC: ds[2]}, nil
}

// ensureAnsible installs Debian's ansible-core when ansible-playbook is
// missing.
func ensureAnsible(ctx context.Context) error {
	if _, err := exec.LookPath("ansible-playbook"); err == nil {
		return nil
	}
	progress("installing ansible-core (apt-get)")
	for _, argv := range [][]string{
		{"apt-get", "update"},
		{"apt-get", "install", "-y", "--no-install-recommends", "ansible-core"},
	} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
	}
	return nil
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}
