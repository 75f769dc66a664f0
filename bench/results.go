package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// key names one measured series.
type key struct {
	Set      string
	Hosts    int
	Workload string
	Phase    string // "", or "1st"/"2nd" for a workload run twice
	Runner   string
}

// series is the samples of one key.
type series struct {
	Key     key
	Tasks   int
	Samples []sample
}

type sessionCostRow struct {
	Set                      string
	Plain, WithRC, WithoutRC time.Duration
}

type setLoad struct {
	Set  string
	Load string
}

// results is everything one harness run measured.
type results struct {
	Started, Finished time.Time
	Machine           machine
	Config            config
	GoBench           string
	SessionCost       []sessionCostRow
	Loads             []setLoad
	Notes             []string
	Series            []*series
}

func (r *results) add(k key, tasks int, s sample) {
	for _, se := range r.Series {
		if se.Key == k {
			se.Samples = append(se.Samples, s)
			return
		}
	}
	r.Series = append(r.Series, &series{Key: k, Tasks: tasks, Samples: []sample{s}})
}

func (r *results) find(set, workload, phase, runner string) *series {
	for _, se := range r.Series {
		k := se.Key
		if k.Set == set && k.Workload == workload && k.Phase == phase && k.Runner == runner {
			return se
		}
	}
	return nil
}

// median, min and max of a duration field.
func stat(ss []sample, f func(sample) time.Duration) (med, lo, hi time.Duration) {
	v := make([]time.Duration, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	n := len(v)
	if n == 0 {
		return 0, 0, 0
	}
	med = v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	return med, v[0], v[n-1]
}

func wallOf(s sample) time.Duration { return s.Wall }
func cpuOf(s sample) time.Duration  { return s.CPU }

func (se *series) wall() time.Duration { m, _, _ := stat(se.Samples, wallOf); return m }

func (se *series) peakRSS() int64 {
	var m int64
	for _, s := range se.Samples {
		m = max(m, s.MaxRSS)
	}
	return m
}

// machine describes where the numbers were taken.
type machine struct {
	CPU, Cores, RAM, Kernel, OS, Go, OpenSSH, Ansible, LoadBefore, LoadAfter string
}

func describeMachine(ctx context.Context) machine {
	m := machine{
		Cores:      strconv.Itoa(runtime.NumCPU()),
		Go:         runtime.Version(),
		LoadBefore: loadAvg(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if mm := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); mm != nil {
			m.CPU = string(mm[1])
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if mm := regexp.MustCompile(`MemTotal:\s+(\d+) kB`).FindSubmatch(b); mm != nil {
			kb, _ := strconv.Atoi(string(mm[1]))
			m.RAM = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		if mm := regexp.MustCompile(`(?m)^PRETTY_NAME="?([^"\n]+)`).FindSubmatch(b); mm != nil {
			m.OS = string(mm[1])
		}
	}
	if out, err := exec.CommandContext(ctx, "ssh", "-V").CombinedOutput(); err == nil {
		m.OpenSSH = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "ansible-playbook", "--version").Output(); err == nil {
		lines := strings.Split(string(out), "\n")
		m.Ansible = strings.TrimSpace(lines[0])
		for _, l := range lines {
			if strings.Contains(l, "python version") {
				f := strings.Fields(strings.SplitN(l, "=", 2)[1])
				if len(f) > 0 {
					m.Ansible += ", Python " + f[0]
				}
			}
		}
	}
	return m
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// runGoBench runs the in-process benchmarks of loading, rendering and
// executing and returns their result lines.
func runGoBench(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1s",
		"./pkg/inventory/", "./pkg/playbook/", "./pkg/template/", "./pkg/executor/")
	out, err := cmd.CombinedOutput()
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "pkg:") {
			b.WriteString(l + "\n")
		}
	}
	if err != nil {
		fmt.Fprintf(&b, "go test: %v\n", err)
	}
	return b.String()
}

// benchNs returns the ns/op of a Go benchmark from the output, or -1.
func benchNs(out, name string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// dirPrefix matches the directories of an absolute path.
var dirPrefix = regexp.MustCompile(`(^|[\s(])(?:/[^\s/:()'"]+)+/`)

const (
	genStart = "<!-- generated by go run ./bench: start -->"
	genEnd   = "<!-- generated by go run ./bench: end -->"
)

// write replaces the generated section of path (creating the file when
// needed) and keeps the hand-written text around it.
func (r *results) write(path string) error {
	gen := r.markdown()
	old, err := os.ReadFile(path)
	var text string
	switch {
	case err == nil && bytes.Contains(old, []byte(genStart)) && bytes.Contains(old, []byte(genEnd)):
		s := string(old)
		i := strings.Index(s, genStart)
		j := strings.Index(s, genEnd) + len(genEnd)
		text = s[:i] + gen + s[j:]
	case err == nil:
		text = string(old) + "\n" + gen + "\n"
	default:
		text = "# Benchmark results\n\n" + gen + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

func (r *results) markdown() string {
	var b strings.Builder
	m := r.Machine
	b.WriteString(genStart + "\n\n")
	c := r.Config
	fmt.Fprintf(&b, "Run of %s, %s. floor and hactl: %d measured runs after %d warm-up; Ansible: %d runs up to 10 hosts, 1 above, "+
		"tuned up to %d hosts, default profile up to %d hosts, no warm-up. Runners interleaved (A B C A B C …).\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 MST"), durationOr(r), c.reps, c.warmup, min(c.ansReps, c.reps), c.ansMax, c.defaultMax)
	b.WriteString("### Machine\n\n")
	fmt.Fprintf(&b, "- CPU: %s, %s cores; RAM %s\n- OS: %s, kernel %s\n- %s; %s; hactl and the floor built with %s\n",
		m.CPU, m.Cores, m.RAM, m.OS, m.Kernel, m.OpenSSH, m.Ansible, m.Go)
	fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s; at end: %s\n", m.LoadBefore, m.LoadAfter)
	for _, l := range r.Loads {
		fmt.Fprintf(&b, "- load when %s started: %s\n", l.Set, l.Load)
	}
	if len(r.SessionCost) > 0 {
		b.WriteString("\n### Target shell start-up (one SSH session on an open connection, median of 21)\n\n")
		b.WriteString("| targets | `true` | `env SHLVL=0 bash -c true` (rc files read) | `env SHLVL=1 bash -c true` (rc files skipped) |\n|---|---|---|---|\n")
		for _, s := range r.SessionCost {
			fmt.Fprintf(&b, "| %s | %.1f ms | %.1f ms | %.1f ms |\n", s.Set, ms(s.Plain), ms(s.WithRC), ms(s.WithoutRC))
		}
	}
	b.WriteString("\n### Runs\n\n")
	b.WriteString("Wall: median (min–max) over the measured runs. ms/task-host: median wall ÷ (tasks × hosts). " +
		"vs tuned: tuned Ansible's median wall ÷ this runner's (higher is faster). vs floor: this runner's median wall ÷ the floor's. " +
		"CPU: user+sys of the child and the children it waited for (median). RSS: peak resident set of the largest single process (max over runs). " +
		"Recap: ok/changed/failed+unreachable summed over hosts, last run.\n\n")
	b.WriteString("| targets | workload | runner | runs | wall s | ms/task-host | vs tuned | vs floor | CPU s | RSS MiB | recap |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, se := range r.Series {
		k := se.Key
		med, lo, hi := stat(se.Samples, wallOf)
		cpu, _, _ := stat(se.Samples, cpuOf)
		wl := k.Workload
		if k.Phase != "" {
			wl += " (" + k.Phase + ")"
		}
		vsTuned, vsFloor := "", ""
		if t := r.find(k.Set, k.Workload, k.Phase, "ansible-tuned"); t != nil && k.Runner != "ansible-tuned" {
			vsTuned = fmt.Sprintf("%.1f×", t.wall().Seconds()/med.Seconds())
		}
		if f := r.find(k.Set, k.Workload, "", "floor"); f != nil && k.Runner != "floor" {
			vsFloor = fmt.Sprintf("%.2f", med.Seconds()/f.wall().Seconds())
		}
		last := se.Samples[len(se.Samples)-1].Recap
		rc := "–"
		if last.Hosts > 0 {
			rc = fmt.Sprintf("%d/%d/%d", last.OK, last.Changed, last.Failed+last.Unreachable)
			if k.Phase == "2nd" && last.Changed != 0 {
				rc += " **NOT IDEMPOTENT**"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s (%s–%s) | %.2f | %s | %s | %s | %.0f | %s |\n",
			k.Set, wl, k.Runner, len(se.Samples), secs(med), secs(lo), secs(hi),
			ms(med)/float64(se.Tasks*k.Hosts), vsTuned, vsFloor, secs(cpu), float64(se.peakRSS())/1024, rc)
	}
	b.WriteString("\n### Targets\n\n")
	b.WriteString(r.targets())
	if r.GoBench != "" {
		b.WriteString("\n### Go benchmarks (`go test -run '^$' -bench . -benchmem` on pkg/inventory, pkg/playbook, pkg/template, pkg/executor)\n\n```\n")
		b.WriteString(r.GoBench)
		b.WriteString("```\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n### Notes from the run\n\n")
		for _, n := range r.Notes {
			// Scratch paths mean nothing outside the run: keep base names.
			n = dirPrefix.ReplaceAllString(strings.ReplaceAll(n, "\n", " "), "${1}")
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString("\n" + genEnd)
	return b.String()
}

func durationOr(r *results) string {
	if r.Finished.IsZero() {
		return "in progress"
	}
	return "took " + r.Finished.Sub(r.Started).Round(time.Second).String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// targets checks the targets against the measurements.
func (r *results) targets() string {
	var b strings.Builder
	b.WriteString("| target | measured | met |\n|---|---|---|\n")
	verdict := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	for _, n := range []int{10, 50} {
		set := "ssh×" + strconv.Itoa(n)
		for _, wl := range []string{"noop", "files"} {
			phase := ""
			if wl == "files" {
				phase = "1st"
			}
			h, f, t := r.find(set, wl, phase, "hactl"), r.find(set, wl, "", "floor"), r.find(set, wl, phase, "ansible-tuned")
			if h != nil && f != nil {
				x := h.wall().Seconds() / f.wall().Seconds()
				fmt.Fprintf(&b, "| %s %s: per task-host within 2× of the floor | %.2f× the floor | %s |\n", set, wl, x, verdict(x <= 2))
			}
			if h != nil && t != nil {
				x := t.wall().Seconds() / h.wall().Seconds()
				fmt.Fprintf(&b, "| %s %s: ≥ 40× faster than tuned Ansible | %.1f× | %s |\n", set, wl, x, verdict(x >= 40))
			}
		}
	}
	if h := r.find("ssh×500", "noop", "", "hactl"); h != nil {
		mib := float64(h.peakRSS()) / 1024
		fmt.Fprintf(&b, "| 500 hosts × 20 tasks: controller peak RSS < 150 MB | %.0f MiB (%.0f MB), wall %s s | %s |\n", mib, mib*1.048576, secs(h.wall()), verdict(mib*1.048576 < 150))
	}
	for _, name := range []string{"BenchmarkLoadINI10k", "BenchmarkLoadYAML10k"} {
		if ns := benchNs(r.GoBench, name); ns >= 0 {
			fmt.Fprintf(&b, "| 10 000-host inventory with group_vars loads < 1 s (%s) | %.0f ms | %s |\n", name, ns/1e6, verdict(ns < 1e9))
		}
	}
	for _, se := range r.Series {
		k := se.Key
		if k.Workload != "files" || k.Phase != "2nd" {
			continue
		}
		first := r.find(k.Set, k.Workload, "1st", k.Runner)
		if first == nil {
			continue
		}
		last := se.Samples[len(se.Samples)-1].Recap
		ok := se.wall() <= first.wall() && last.Changed == 0
		fmt.Fprintf(&b, "| %s %s: idempotent re-run of files reports no change and is no slower | 2nd %s s vs 1st %s s, changed=%d | %s |\n",
			k.Set, k.Runner, secs(se.wall()), secs(first.wall()), last.Changed, verdict(ok))
	}
	return b.String()
}
