package util

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Pause{}) }

// Pause is the pause module: wait for a while or for the operator.
type Pause struct {
	// In, Out and Interactive replace the terminal in tests; zero values
	// mean os.Stdin, os.Stderr and "is os.Stdin a terminal".
	In          io.Reader
	Out         io.Writer
	Interactive func() bool
}

// Spec describes the pause module.
func (Pause) Spec() module.Spec {
	return module.Spec{
		Name:  "pause",
		Short: "Wait for a time, or for an operator at a terminal",
		Doc: `Pauses for a number of seconds or minutes, or until the operator presses enter. With a duration, input is not read. Without one, the prompt is shown and a line is read from the terminal; when hactl does not run on a terminal it does not wait (as Ansible) and says so in a warning.

Interrupting hactl (Ctrl+C) ends a pause and the run.`,
		Params: []module.Param{
			{Name: "minutes", Type: module.Float, Doc: "A positive number of minutes to pause for (fractions are truncated, as in Ansible)."},
			{Name: "seconds", Type: module.Float, Doc: "A positive number of seconds to pause for (fractions are truncated; less than 1 waits 1 second)."},
			{Name: "prompt", Type: module.Str, Doc: "Optional text to use for the prompt message."},
			{Name: "echo", Type: module.Bool, Default: true, Doc: "Show what the operator types. Has no effect with seconds or minutes."},
		},
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"minutes", "seconds"}},
		Examples: `- name: Let the cluster settle
  pause:
    seconds: 30

- name: Wait for the operator
  pause:
    prompt: "Check the VIP moved, then press enter"`,
		Returns: []module.ReturnValue{
			{Name: "user_input", Type: module.Str, Doc: "What the operator typed (without the newline)."},
			{Name: "start", Type: module.Str, Doc: "When the pause started."},
			{Name: "stop", Type: module.Str, Doc: "When the pause ended."},
			{Name: "delta", Type: module.Int, Doc: "How long the pause lasted, in whole seconds."},
			{Name: "stdout", Type: module.Str, Doc: `"Paused for N seconds" (or minutes).`},
			{Name: "echo", Type: module.Bool, Doc: "The echo setting."},
		},
	}
}

// Run pauses.
func (p Pause) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	unit, wait := "seconds", time.Duration(0)
	switch {
	case a.Has("minutes"):
		unit, wait = "minutes", time.Duration(int(a.Float("minutes")))*time.Minute
	case a.Has("seconds"):
		wait = time.Duration(int(a.Float("seconds"))) * time.Second
	}
	timed := a.Has("minutes") || a.Has("seconds")
	if timed && wait < time.Second {
		wait = time.Second
	}
	out := p.Out
	if out == nil {
		out = os.Stderr
	}
	data := map[string]any{"echo": a.Bool("echo"), "user_input": "", "stdout": ""}
	start := time.Now()
	data["start"] = pyTime(start)
	var warnings []string
	if timed {
		fmt.Fprintf(out, "Pausing for %d seconds\n", int(wait/time.Second))
		select {
		case <-ctx.Done():
			return module.Result{}, fmt.Errorf("pause: %w", ctx.Err())
		case <-time.After(wait):
		}
	} else if p.interactive() {
		prompt := a.String("prompt")
		if prompt == "" {
			prompt = "Press enter to continue, Ctrl+C to interrupt"
		}
		input, err := p.readLine(ctx, out, prompt, a.Bool("echo"))
		if err != nil {
			return module.Result{}, fmt.Errorf("pause: %w", err)
		}
		data["user_input"] = input
	} else {
		warnings = append(warnings, "Not waiting for response to prompt as stdin is not interactive")
	}
	stop := time.Now()
	data["stop"] = pyTime(stop)
	d := stop.Sub(start)
	data["delta"] = int(d / time.Second)
	amount := d.Seconds()
	if unit == "minutes" {
		amount = d.Minutes()
	}
	data["stdout"] = fmt.Sprintf("Paused for %s %s", pyFloat(amount), unit)
	if warnings != nil {
		data["warnings"] = warnings
	}
	return module.Result{Data: data}, nil
}

func (p Pause) interactive() bool {
	if p.Interactive != nil {
		return p.Interactive()
	}
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// readLine shows the prompt and reads one line, giving up when ctx ends.
func (p Pause) readLine(ctx context.Context, out io.Writer, prompt string, echo bool) (string, error) {
	in := p.In
	if in == nil {
		in = os.Stdin
	}
	hidden := ""
	if !echo {
		hidden = " (output is hidden)"
		if restore, err := noEcho(in); err == nil {
			defer restore()
		}
	}
	fmt.Fprintf(out, "%s%s:\n", prompt, hidden)
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(in).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		got <- line{trimNewline(s), err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case l := <-got:
		if l.err != nil {
			return "", fmt.Errorf("read from the terminal: %w", l.err)
		}
		return l.s, nil
	}
}

func trimNewline(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	return s
}

// pyTime formats t as Python's str(datetime) does.
func pyTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyFloat formats round(f, 2) as Python prints a float.
func pyFloat(f float64) string {
	s := strconv.FormatFloat(float64(int64(f*100+0.5))/100, 'f', -1, 64)
	for _, c := range s {
		if c == '.' {
			return s
		}
	}
	return s + ".0"
}
