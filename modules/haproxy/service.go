package haproxy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/transport"
)

// unit is what the module knows about the haproxy service: the unit's
// state and the master's workers.
type unit struct {
	svcunit.State
	workers []int // children of the master
	// newest is when the newest worker started, in seconds since the
	// epoch on the host's clock (0: no worker).
	newest float64
}

// workerProbe prints one "worker=PID START" line per child of the master
// ($pid); START = boot time + the process's start in clock ticks since
// boot (field 22 of /proc/PID/stat, counted after the command name's ")").
const workerProbe = `case "$pid" in ''|0) ;; *)
  bt=$(awk '/^btime/ {print $2}' /proc/stat) hz=$(getconf CLK_TCK)
  for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    st=$(sed 's/.*) //' /proc/"$c"/stat 2>/dev/null | awk '{print $20}')
    if [ -n "$st" ]; then awk -v c="$c" -v b="$bt" -v s="$st" -v h="$hz" 'BEGIN { printf "worker=%s %.2f\n", c, b + s / h }'; fi
  done ;;
esac
`

// gatherUnit reads the service state in one Run.
func gatherUnit(ctx context.Context, c transport.Conn, name string) (unit, error) {
	s, err := svcunit.Gather(ctx, c, name, "haproxy", workerProbe)
	if err != nil {
		return unit{}, err
	}
	return withWorkers(s), nil
}

// parseUnit decodes the gather script's output.
func parseUnit(out string) unit { return withWorkers(svcunit.Parse(out)) }

// withWorkers decodes the probe's worker lines.
func withWorkers(s svcunit.State) unit {
	u := unit{State: s}
	for _, v := range s.Values("worker") {
		f := strings.Fields(v)
		if len(f) != 2 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		started, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		u.workers = append(u.workers, pid)
		u.newest = max(u.newest, started)
	}
	return u
}

// reloadProof says what a reload did.
type reloadProof struct {
	master    int
	newWorker int
	took      time.Duration
}

// reload asks systemd to reload the unit (haproxy checks the file again,
// then the master re-executes itself and starts new workers) and waits
// until a worker that did not exist before is running under the same
// master. A changed master PID means something restarted haproxy instead.
func reload(ctx context.Context, c transport.Conn, name string, before unit, timeout time.Duration) (reloadProof, error) {
	start := time.Now()
	if err := svcunit.Systemctl(ctx, c, "reload", name); err != nil {
		return reloadProof{}, err
	}
	var proof reloadProof
	err := svcunit.Poll(ctx, timeout, 100*time.Millisecond, func() (bool, error) {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return false, err
		}
		if u.MainPID != before.MainPID {
			return false, fmt.Errorf("the haproxy master changed from PID %d to %d: it was restarted, not reloaded", before.MainPID, u.MainPID)
		}
		for _, w := range u.workers {
			if !slices.Contains(before.workers, w) {
				proof = reloadProof{master: u.MainPID, newWorker: w, took: time.Since(start)}
				return true, nil
			}
		}
		return false, nil
	}, func() error {
		return fmt.Errorf("no new haproxy worker %s after the reload: the new configuration is not serving (journalctl -u %s says why)", timeout, name)
	})
	return proof, err
}

// start starts the unit and waits until it runs.
func start(ctx context.Context, c transport.Conn, name string, timeout time.Duration) (unit, error) {
	return svcunit.Start(ctx, c, name, timeout,
		func() (unit, error) { return gatherUnit(ctx, c, name) },
		func(u unit) bool { return u.Running() && len(u.workers) > 0 },
		func(u unit) string { return u.Active })
}
