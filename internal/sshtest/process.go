package sshtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds how long one sshd may take to start listening.
const startTimeout = 15 * time.Second

// errAddrInUse reports that sshd could not bind its port; the caller picks
// another port and tries again.
var errAddrInUse = errors.New("address already in use")

// process is one sshd listener and everything it forked.
type process struct {
	sshd   string // path of the sshd binary
	config string // path of its sshd_config

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *logTail
}

// start runs sshd in the foreground (-D) with logs on stderr (-e) and waits
// until it says it listens, or fails.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	cmd := exec.Command(p.sshd, "-D", "-e", "-f", p.config)
	cmd.Stdin = nil
	cmd.Stdout = nil
	// Pdeathsig: a test binary that dies (timeout, panic) takes its
	// listeners with it instead of leaking them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// A pipe of our own rather than StderrPipe: Wait must not depend on
	// every forked session closing its copy of stderr.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sshd log pipe: %w", err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		return fmt.Errorf("start %s: %w", p.sshd, err)
	}
	_ = pw.Close()
	logs := &logTail{max: 200}
	ready := make(chan struct{})
	exited := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			logs.add(line)
			if !signalled && strings.Contains(line, "Server listening on") {
				signalled = true
				close(ready)
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case <-ready:
		p.cmd, p.exited, p.logs = cmd, exited, logs
		return nil
	case <-exited:
		select { // let the last log lines arrive
		case <-drained:
		case <-time.After(time.Second):
		}
		tail := logs.String()
		if strings.Contains(tail, "Address already in use") {
			return fmt.Errorf("sshd: %w", errAddrInUse)
		}
		return fmt.Errorf("sshd exited before listening: %s", tail)
	case <-time.After(startTimeout):
		killTree(cmd.Process.Pid)
		<-exited
		return fmt.Errorf("sshd did not listen within %s: %s", startTimeout, logs.String())
	}
}

// stop kills the listener and every connection it serves (SIGKILL, by PID)
// and waits for the listener to exit. It is a no-op when not running.
func (p *process) stop() error {
	p.kill(processTree())
	return p.wait()
}

// kill SIGKILLs the listener and its descendants found in tree, without
// waiting.
func (p *process) kill(tree map[int][]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	pid := p.cmd.Process.Pid
	for _, c := range descendantsIn(tree, pid) {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// signal sends sig to the listener and its descendants.
func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return errors.New("not running")
	}
	pid := p.cmd.Process.Pid
	for _, c := range descendantsIn(processTree(), pid) {
		_ = syscall.Kill(c, sig)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal sshd pid %d: %w", pid, err)
	}
	return nil
}

// wait waits for a killed listener to exit and forgets it.
func (p *process) wait() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("sshd pid %d did not exit", p.cmd.Process.Pid)
	}
	p.cmd = nil
	return nil
}

// logTail returns the last lines sshd logged.
func (p *process) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.logs == nil {
		return ""
	}
	return p.logs.String()
}

// pid returns the listener's PID, or 0 when it is not running.
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// killTree SIGKILLs pid and all its descendants. Per-connection sshd
// processes call setsid, so a process-group kill would miss them; they are
// found through /proc instead. Descendants are collected before anything is
// killed so that none is reparented away in between.
func killTree(pid int) {
	for _, c := range descendantsIn(processTree(), pid) {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// descendants lists the PIDs below root in the process tree.
func descendants(root int) []int { return descendantsIn(processTree(), root) }

// processTree maps every PID to its children, read from /proc once.
func processTree() map[int][]int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentPID(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	return children
}

// descendantsIn lists the PIDs below root in tree.
func descendantsIn(tree map[int][]int, root int) []int {
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, c := range tree[cur] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// parentPID reads the parent PID of pid from /proc/PID/stat.
func parentPID(pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	// The command name is in parentheses and may contain spaces; the
	// fields after the last ')' are "state ppid ...".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// logTail keeps the last max lines of a log.
type logTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (l *logTail) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	if len(l.lines) > l.max {
		l.lines = l.lines[len(l.lines)-l.max:]
	}
}

// String joins the kept lines.
func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
