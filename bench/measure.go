package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// sample is one measured run of a child process.
type sample struct {
	Wall    time.Duration
	CPU     time.Duration // user + sys of the child and the children it waited for
	MaxRSS  int64         // KiB, the largest single process (rusage ru_maxrss)
	Recap   recap
	ExitErr error
}

// recap sums a PLAY RECAP over hosts.
type recap struct {
	Hosts, OK, Changed, Unreachable, Failed, Skipped int
}

var recapLine = regexp.MustCompile(`(?m)^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)`)

// parseRecap reads the PLAY RECAP that both ansible-playbook and hactl
// print.
func parseRecap(out []byte) recap {
	var r recap
	i := bytes.LastIndex(out, []byte("PLAY RECAP"))
	if i < 0 {
		return r
	}
	for _, m := range recapLine.FindAllSubmatch(out[i:], -1) {
		n := make([]int, 5)
		for j := range n {
			n[j], _ = strconv.Atoi(string(m[j+1]))
		}
		r.Hosts++
		r.OK += n[0]
		r.Changed += n[1]
		r.Unreachable += n[2]
		r.Failed += n[3]
		r.Skipped += n[4]
	}
	return r
}

// runMeasured runs argv with env in dir, bounded by timeout, and returns
// its wall time and resource usage. Output goes to logFile. On timeout the
// child's whole process group is killed.
func runMeasured(ctx context.Context, dir string, env []string, logFile string, timeout time.Duration, argv ...string) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log, err := os.Create(logFile)
	if err != nil {
		return sample{}, fmt.Errorf("log: %w", err)
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The child leads its own process group: kill it and its workers.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	s := sample{Wall: time.Since(start), ExitErr: runErr}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
			s.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			s.MaxRSS = ru.Maxrss
		}
	}
	out, err := os.ReadFile(logFile)
	if err != nil {
		return s, fmt.Errorf("read log: %w", err)
	}
	s.Recap = parseRecap(out)
	if ctx.Err() != nil {
		return s, fmt.Errorf("%s: timed out after %s (log %s)", argv[0], timeout, logFile)
	}
	if runErr != nil {
		var ee *exec.ExitError
		if errors.As(runErr, &ee) {
			return s, fmt.Errorf("%s exited %d (log %s): %s", argv[0], ee.ExitCode(), logFile, tail(out, 600))
		}
		return s, fmt.Errorf("run %s: %w", argv[0], runErr)
	}
	return s, nil
}

// tail returns the last n bytes of b as a string.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}
