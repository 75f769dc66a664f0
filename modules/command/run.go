// Package command implements the modules that run commands on a host:
// command, shell, raw and script.
//
// command and shell send one shell script per task: it changes directory
// (chdir), checks creates/removes with the host's globbing and then execs
// the command, so a task costs one round trip whatever its options. When
// the command does not run, the script prints a marker line holding a
// random nonce and the reason, which the module turns into Ansible's
// result.
package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// job is one command to run with its guards.
type job struct {
	module  string // module name, for error context
	cmd     any    // the value returned as "cmd" (list for command, string for shell)
	setup   string // statements preparing the call (may be empty)
	call    string // the command line; run as `exec call` when wrapped
	chdir   string
	creates string
	removes string
	stdin   string
	addNL   bool // append a newline to stdin
	strip   bool // strip trailing newlines of stdout/stderr
}

// newJob is the job of command or shell: the call prepared by the module,
// the guard, stdin and output options read from the task's arguments.
func newJob(name string, cmd any, setup, call string, a module.Args) job {
	return job{
		module:  name,
		cmd:     cmd,
		setup:   setup,
		call:    call,
		chdir:   a.String("chdir"),
		creates: a.String("creates"),
		removes: a.String("removes"),
		stdin:   a.String("stdin"),
		addNL:   a.Bool("stdin_add_newline"),
		strip:   a.Bool("strip_empty_ends"),
	}
}

// reasons the guard script gives for not running the command.
const (
	skipCreates = "creates"
	skipRemoves = "removes"
	skipChdir   = "chdir"
	wouldRun    = "wouldrun"
)

// script builds the shell text for the job. In check mode the command is
// replaced by a "would run" marker. It returns the script and the marker
// ("" when the command is sent bare, with no guard).
func (j job) script(check bool) (string, string) {
	if j.chdir == "" && j.creates == "" && j.removes == "" && j.setup == "" && !check {
		return j.call, ""
	}
	marker := "__hactl_" + nonce()
	text := j.preamble(marker)
	if check {
		return text + wouldRunLine(marker), marker
	}
	return text + j.setup + "exec " + j.call + "\n", marker
}

// preamble returns the chdir and creates/removes checks; when the command
// must not run they print the marker and the reason, and exit.
func (j job) preamble(marker string) string {
	var b strings.Builder
	if j.chdir != "" {
		fmt.Fprintf(&b, "cd -- %s || { printf '\\n%%s %s\\n' %s; exit 1; }\n", shellx.Path(j.chdir), skipChdir, marker)
	}
	if j.creates != "" || j.removes != "" {
		b.WriteString(`__hactl_any() { for __hactl_f in "$@"; do if [ -e "$__hactl_f" ] || [ -L "$__hactl_f" ]; then return 0; fi; done; return 1; }` + "\n")
	}
	if j.creates != "" {
		fmt.Fprintf(&b, "if __hactl_any %s; then printf '%%s %s\\n' %s; exit 0; fi\n", shellx.Glob(j.creates), skipCreates, marker)
	}
	if j.removes != "" {
		fmt.Fprintf(&b, "if ! __hactl_any %s; then printf '%%s %s\\n' %s; exit 0; fi\n", shellx.Glob(j.removes), skipRemoves, marker)
	}
	return b.String()
}

// wouldRunLine prints the check-mode marker.
func wouldRunLine(marker string) string {
	return fmt.Sprintf("printf '%%s %s\\n' %s\n", wouldRun, marker)
}

// run executes the job on the host and returns Ansible's result.
func (j job) run(ctx context.Context, t *module.Target) (module.Result, error) {
	data := map[string]any{
		"cmd": j.cmd, "rc": nil, "stdout": "", "stderr": "", "stdout_lines": []string{}, "stderr_lines": []string{},
		"start": nil, "end": nil, "delta": nil, "msg": "",
	}
	if t.Check && j.creates == "" && j.removes == "" {
		data["rc"] = 0
		data["msg"] = "Command would have run if not in check mode"
		return module.Result{Skipped: true, Msg: data["msg"].(string), Data: data}, nil
	}
	text, marker := j.script(t.Check)
	opts := transport.RunOpts{}
	if j.stdin != "" {
		in := j.stdin
		if j.addNL {
			in += "\n"
		}
		opts.Stdin = strings.NewReader(in)
	}
	start := time.Now()
	res, err := t.Conn.Run(ctx, text, opts)
	end := time.Now()
	if err != nil {
		return module.Result{}, fmt.Errorf("%s: %w", j.module, err)
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if marker != "" {
		if reason, ok := markerReason(stdout, marker); ok {
			return j.notRun(t.Check, reason, stdout, stderr, data), nil
		}
	}
	if j.strip {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	data["rc"] = res.RC
	data["stdout"], data["stderr"] = stdout, stderr
	data["stdout_lines"], data["stderr_lines"] = shellx.Lines(stdout), shellx.Lines(stderr)
	data["start"], data["end"], data["delta"] = pyTime(start), pyTime(end), pyDelta(end.Sub(start))
	if res.RC != 0 {
		data["msg"] = "non-zero return code"
		return module.Result{Changed: true, Failed: true, Msg: "non-zero return code", Data: data}, nil
	}
	return module.Result{Changed: true, Data: data}, nil
}

// notRun builds the result when the guard script did not run the command.
func (j job) notRun(check bool, reason, stdout, stderr string, data map[string]any) module.Result {
	verb := "Did"
	if check {
		verb = "Would"
	}
	data["rc"] = 0
	switch reason {
	case skipChdir:
		data["rc"] = nil
		data["stderr"] = strings.TrimRight(stderr, "\r\n")
		data["stderr_lines"] = shellx.Lines(data["stderr"].(string))
		msg := "Unable to change directory before execution: " + firstLine(stderr, j.chdir)
		data["msg"] = msg
		return module.Result{Failed: true, Msg: msg, Data: data}
	case skipCreates:
		data["msg"] = fmt.Sprintf("%s not run command since '%s' exists", verb, j.creates)
		data["stdout"] = fmt.Sprintf("skipped, since %s exists", j.creates)
	case skipRemoves:
		data["msg"] = fmt.Sprintf("%s not run command since '%s' does not exist", verb, j.removes)
		data["stdout"] = fmt.Sprintf("skipped, since %s does not exist", j.removes)
	default: // wouldRun
		data["msg"] = "Command would have run if not in check mode"
		return module.Result{Changed: true, Msg: data["msg"].(string), Data: data}
	}
	data["stdout_lines"] = shellx.Lines(data["stdout"].(string))
	return module.Result{Msg: data["msg"].(string), Data: data}
}

// markerReason finds the marker line the guard script printed last.
func markerReason(stdout, marker string) (string, bool) {
	lines := shellx.Lines(stdout)
	if len(lines) == 0 {
		return "", false
	}
	reason, ok := strings.CutPrefix(lines[len(lines)-1], marker+" ")
	return reason, ok
}

func firstLine(s, fallback string) string {
	for _, l := range shellx.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return fallback
}

// nonce returns 16 random hex digits.
func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// pyTime formats t as Python's str(datetime) does.
func pyTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyDelta formats d as Python's str(timedelta) does.
func pyDelta(d time.Duration) string {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	days := us / 86_400_000_000
	us %= 86_400_000_000
	s := fmt.Sprintf("%d:%02d:%02d", us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
	if frac := us % 1_000_000; frac != 0 {
		s += fmt.Sprintf(".%06d", frac)
	}
	switch days {
	case 0:
		return s
	case 1:
		return "1 day, " + s
	}
	return fmt.Sprintf("%d days, %s", days, s)
}
