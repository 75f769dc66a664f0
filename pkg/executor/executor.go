// Package executor runs loaded playbooks against hosts: plays, serial
// batches, the linear and free strategies, blocks with rescue and always,
// loops, conditions, retries, handlers, delegation, failure policies, check
// and diff modes, and cancellation. It emits Events; reporters (pkg/report)
// turn them into output.
package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hactl/hactl/pkg/playbook"
)

// Options tune a run, mirroring ansible-playbook's flags.
type Options struct {
	// Forks bounds how many hosts run a task at once (default 50).
	Forks int
	// Check runs in check mode: modules report what they would change.
	Check bool
	// Diff asks modules for before/after differences.
	Diff bool
	// Tags and SkipTags select tasks by tag (--tags, --skip-tags).
	Tags, SkipTags []string
	// Limit further restricts the hosts of every play (--limit).
	Limit string
	// ExtraVars are -e variables (highest precedence).
	ExtraVars map[string]any
	// StartAtTask skips tasks until one with this name.
	StartAtTask string
	// Verbosity is the -v count.
	Verbosity int
	// Become, BecomeUser, BecomeMethod and BecomePassword are the
	// command-line defaults (-b, --become-user, --become-method, -K).
	Become         bool
	BecomeUser     string
	BecomeMethod   string
	BecomePassword string
	// ForceHandlers, when non-nil, decides whether handlers notified by a
	// host still run after that host failed. hactl's default (nil) is to
	// run them: a configuration that changed gets its reload even when a
	// later task fails. Set it to false for Ansible's default behaviour.
	ForceHandlers *bool
	// Log receives debug output.
	Log *slog.Logger
}

// Runner executes playbooks. Its fields are the services it consumes; see
// New for the usual wiring.
type Runner struct {
	Inventory Inventory
	Templates Templater
	Connector Connector
	Loader    Loader
	Reporter  Reporter
	Options   Options
}

// run is the state of one Runner.Run.
type run struct {
	*Runner
	ctx     context.Context
	stats   *Stats
	sem     chan struct{}
	emitMu  sync.Mutex
	hostsMu sync.Mutex
	hosts   map[string]*hostState
	// stop ends the playbook after the current play (any_errors_fatal,
	// max_fail_percentage).
	stop atomic.Bool
	// started is false while --start-at-task has not found its task.
	started atomic.Bool
	log     *slog.Logger
	// hostvars is a copy-on-write snapshot of every host's variables.
	hv hostvarsCache
	// roleFiles are local copies of embedded roles' files, removed at
	// the end of the run.
	roleFiles roleFiles
}

// ErrNoHosts is returned by Run when a play's pattern matches no host and
// nothing ran at all; the CLI turns it into a warning.
var ErrNoHosts = errors.New("no hosts matched")

// Run executes the plays of pb in order and returns the run's counters.
// The error is non-nil only for problems that stopped the run itself (not
// for failed hosts: see Stats.ExitCode).
func (r *Runner) Run(ctx context.Context, pb *playbook.Playbook) (*Stats, error) {
	forks := r.Options.Forks
	if forks <= 0 {
		forks = 50
	}
	log := r.Options.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rn := &run{
		Runner: r,
		ctx:    ctx,
		stats:  newStats(),
		sem:    make(chan struct{}, forks),
		hosts:  map[string]*hostState{},
		log:    log,
	}
	defer rn.roleFiles.remove()
	rn.started.Store(r.Options.StartAtTask == "")
	rn.emit(Event{Kind: PlaybookStart, Path: pb.Path})
	var runErr error
	for _, play := range pb.Plays {
		if ctx.Err() != nil || rn.stop.Load() {
			break
		}
		if err := rn.runPlay(play); err != nil {
			runErr = err
			break
		}
	}
	if ctx.Err() != nil {
		rn.stats.Interrupted = true
	}
	rn.emit(Event{Kind: PlaybookEnd, Stats: rn.stats})
	return rn.stats, runErr
}

func (rn *run) emit(e Event) {
	if rn.Reporter == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	rn.emitMu.Lock()
	defer rn.emitMu.Unlock()
	rn.Reporter.Event(e)
}

func (rn *run) warn(host, format string, a ...any) {
	rn.emit(Event{Kind: Warning, Host: host, Msg: fmt.Sprintf(format, a...)})
}

// state returns the persistent state of host h, creating it.
func (rn *run) state(h string) *hostState {
	rn.hostsMu.Lock()
	defer rn.hostsMu.Unlock()
	hs, ok := rn.hosts[h]
	if !ok {
		hs = &hostState{name: h, setFacts: map[string]any{}, includeVars: map[string]any{}, facts: map[string]any{}}
		rn.hosts[h] = hs
	}
	return hs
}

// parallel runs fn for every host, at most Forks at a time, and waits.
func (rn *run) parallel(hosts []string, fn func(h string)) {
	if len(hosts) == 1 {
		rn.sem <- struct{}{}
		fn(hosts[0])
		<-rn.sem
		return
	}
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		rn.sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-rn.sem }()
			fn(h)
		}()
	}
	wg.Wait()
}
