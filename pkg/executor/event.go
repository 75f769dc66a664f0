package executor

import (
	"time"

	"github.com/hactl/hactl/pkg/playbook"
)

// Kind says what an Event reports.
type Kind int

// Event kinds, in the order a run emits them.
const (
	PlaybookStart Kind = iota // Path set
	PlayStart                 // Play set
	TaskStart                 // Task set (Handler true for handlers)
	HostResult                // Task, Host, Status, Result set (Item set for loop items)
	Warning                   // Msg set, Host maybe
	NoHostsLeft               // the play stopped: no host left
	PlaybookEnd               // Stats set
)

// Status is the outcome of a task on a host, as the recap counts it.
type Status int

// Task statuses.
const (
	StatusOK Status = iota
	StatusChanged
	StatusFailed
	StatusSkipped
	StatusUnreachable
	StatusIgnored // failed, but ignore_errors
	StatusRescued // failed inside a block whose rescue ran
)

// String returns the word Ansible prints for the status.
func (s Status) String() string {
	return [...]string{"ok", "changed", "failed", "skipping", "unreachable", "ignored", "rescued"}[s]
}

// Event is one thing that happened during a run. Reporters receive events
// one at a time (the executor serialises calls).
type Event struct {
	Kind    Kind
	Time    time.Time
	Path    string // PlaybookStart
	Play    *playbook.Play
	Task    *playbook.Task
	Handler bool
	Host    string
	// Delegated names the host the task ran on when delegated.
	Delegated string
	Status    Status
	// Result is the registered form of the result (rc, stdout, msg, …).
	Result map[string]any
	// Item is the loop item (Label is its display form) for per-item
	// results; IsItem tells it apart from a nil item.
	Item   any
	Label  string
	IsItem bool
	// Diffs are the before/after pairs to show with --diff.
	Diffs []Diff
	// NoLog hides the result's content.
	NoLog bool
	// Verbosity is the -v level below which the result is not shown
	// (debug's verbosity argument).
	Verbosity int
	Msg       string
	Stats     *Stats
	Duration  time.Duration
}

// Diff is one before/after pair of a result.
type Diff struct {
	BeforeHeader, AfterHeader string
	Before, After             string
}

// Reporter consumes events.
type Reporter interface {
	Event(e Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Event calls f(e).
func (f ReporterFunc) Event(e Event) { f(e) }
