// Package report turns executor events into output: Ansible-shaped text
// with a PLAY RECAP, JSON lines for machines, and JUnit XML for CI.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/hactl/hactl/pkg/executor"
)

// Text prints events the way ansible-playbook does.
type Text struct {
	w io.Writer
	// Verbosity is the -v count: 1 shows every result, 3 and more also
	// connection details.
	Verbosity int
	// Diff shows before/after differences.
	Diff bool
	// Width is the banner width (default 80).
	Width int
	// lastTask avoids repeating a TASK banner (free strategy).
	lastTask any
}

// NewText returns a text reporter writing to w.
func NewText(w io.Writer, verbosity int, diff bool) *Text {
	return &Text{w: w, Verbosity: verbosity, Diff: diff, Width: 80}
}

func (t *Text) banner(s string) {
	n := max(t.Width-len(s)-1, 3)
	fmt.Fprintf(t.w, "\n%s %s\n", s, strings.Repeat("*", n))
}

// Event prints one event.
func (t *Text) Event(e executor.Event) {
	switch e.Kind {
	case executor.PlayStart:
		name := e.Play.Name
		if name == "" {
			name = e.Play.Hosts
		}
		t.banner("PLAY [" + name + "]")
		t.lastTask = nil
	case executor.TaskStart:
		if t.lastTask == e.Task {
			return
		}
		t.lastTask = e.Task
		kind := "TASK"
		if e.Handler {
			kind = "RUNNING HANDLER"
		}
		t.banner(kind + " [" + e.Task.DisplayName() + "]")
		if t.Verbosity >= 2 && e.Task.Pos.File != "" {
			fmt.Fprintf(t.w, "task path: %s\n", e.Task.Pos)
		}
	case executor.HostResult:
		t.result(e)
	case executor.Warning:
		if e.Host != "" {
			fmt.Fprintf(t.w, "[WARNING]: [%s] %s\n", e.Host, e.Msg)
		} else {
			fmt.Fprintf(t.w, "[WARNING]: %s\n", e.Msg)
		}
	case executor.NoHostsLeft:
		if e.Msg != "" {
			fmt.Fprintf(t.w, "\n%s\n", e.Msg)
		}
		t.banner("NO MORE HOSTS LEFT")
	case executor.PlaybookEnd:
		t.recap(e.Stats)
	}
}

func (t *Text) result(e executor.Event) {
	// A loop's summary repeats what the item lines said; only an ignored
	// failure adds its "...ignoring" line.
	if !e.IsItem && e.Result != nil && e.Result["results"] != nil {
		if e.Status == executor.StatusIgnored {
			fmt.Fprintln(t.w, "...ignoring")
		}
		return
	}
	if e.Verbosity > t.Verbosity {
		fmt.Fprintf(t.w, "skipping: [%s]\n", e.Host)
		return
	}
	if t.Diff {
		for _, d := range e.Diffs {
			if !e.NoLog {
				fmt.Fprint(t.w, Unified(d))
			}
		}
	}
	host := e.Host
	if e.Delegated != "" {
		host += " -> " + e.Delegated
	}
	item, failedItem := "", ""
	if e.IsItem {
		item = " => (item=" + e.Label + ")"
		failedItem = " (item=" + e.Label + ")"
	}
	res := e.Result
	if e.NoLog {
		res = map[string]any{"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result", "changed": res["changed"]}
	}
	switch e.Status {
	case executor.StatusFailed, executor.StatusIgnored:
		if e.IsItem {
			fmt.Fprintf(t.w, "failed: [%s]%s => %s\n", host, failedItem, compactJSON(res))
			return
		}
		fmt.Fprintf(t.w, "fatal: [%s]: FAILED! => %s\n", host, compactJSON(res))
		if e.Status == executor.StatusIgnored {
			fmt.Fprintln(t.w, "...ignoring")
		}
	case executor.StatusUnreachable:
		fmt.Fprintf(t.w, "fatal: [%s]: UNREACHABLE! => %s\n", host, compactJSON(res))
	case executor.StatusSkipped:
		fmt.Fprintf(t.w, "skipping: [%s]%s\n", host, item)
	default:
		word := "ok"
		if e.Status == executor.StatusChanged {
			word = "changed"
		}
		if shown := t.shown(e, res); shown != nil {
			fmt.Fprintf(t.w, "%s: [%s]%s => %s\n", word, host, item, indentJSON(shown))
			return
		}
		fmt.Fprintf(t.w, "%s: [%s]%s\n", word, host, item)
	}
}

// shown returns what to print after "ok: [host] =>", or nil: debug's
// message always, everything with -v.
func (t *Text) shown(e executor.Event, res map[string]any) map[string]any {
	if e.Task != nil && isDebug(e.Task.Module) {
		out := map[string]any{}
		for k, v := range res {
			if k == "changed" || k == "failed" || k == "ansible_loop_var" || k == "item" {
				continue
			}
			out[k] = v
		}
		return out
	}
	if t.Verbosity >= 1 {
		return res
	}
	return nil
}

func isDebug(m string) bool {
	return m == "debug" || strings.HasSuffix(m, ".debug")
}

func (t *Text) recap(s *executor.Stats) {
	if s == nil {
		return
	}
	t.banner("PLAY RECAP")
	for _, h := range s.Hosts() {
		c := s.Host(h)
		fmt.Fprintf(t.w, "%-26s : %s %s %s %s %s %s %s\n", h,
			field("ok", c.OK), field("changed", c.Changed), field("unreachable", c.Unreachable),
			field("failed", c.Failed), field("skipped", c.Skipped), field("rescued", c.Rescued),
			field("ignored", c.Ignored))
	}
	fmt.Fprintln(t.w)
}

func field(name string, n int) string {
	return fmt.Sprintf("%s=%-4d", name, n)
}
