package haproxy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// unit is what the module knows about the haproxy service.
type unit struct {
	found   bool   // the unit file exists
	active  string // ActiveState
	enabled string // UnitFileState
	master  int    // MainPID (0 when not running)
	workers []int  // children of the master
	// newest is when the newest worker started, in seconds since the
	// epoch on the host's clock (0: no worker).
	newest float64
	binary bool // the haproxy program is installed
}

// running reports whether the master process is up.
func (u unit) running() bool { return u.active == "active" && u.master > 0 }

// isEnabled reports whether the unit starts at boot.
func (u unit) isEnabled() bool {
	return u.enabled == "enabled" || u.enabled == "enabled-runtime" || u.enabled == "static" || u.enabled == "alias"
}

// unitScript prints the unit's state as key=value lines.
func unitScript(name string) string {
	q := transport.Quote(name)
	return `export LC_ALL=C
systemctl show -p LoadState,ActiveState,UnitFileState,MainPID ` + q + ` 2>/dev/null
pid=$(systemctl show -p MainPID --value ` + q + ` 2>/dev/null)
if command -v haproxy >/dev/null 2>&1; then echo binary=1; else echo binary=0; fi
case "$pid" in ''|0) ;; *)
  # start time = boot time + the process's start in clock ticks since boot
  # (field 22 of /proc/PID/stat, counted after the command name's ")").
  bt=$(awk '/^btime/ {print $2}' /proc/stat) hz=$(getconf CLK_TCK)
  for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    st=$(sed 's/.*) //' /proc/"$c"/stat 2>/dev/null | awk '{print $20}')
    if [ -n "$st" ]; then awk -v c="$c" -v b="$bt" -v s="$st" -v h="$hz" 'BEGIN { printf "worker=%s %.2f\n", c, b + s / h }'; fi
  done ;;
esac
`
}

// gatherUnit reads the service state in one Run.
func gatherUnit(ctx context.Context, c transport.Conn, name string) (unit, error) {
	out, err := hostcmd.Must(ctx, c, "read "+name+" state", unitScript(name))
	if err != nil {
		return unit{}, err
	}
	return parseUnit(out), nil
}

// parseUnit decodes unitScript's output.
func parseUnit(out string) unit {
	var u unit
	for line := range strings.SplitSeq(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case "LoadState":
			u.found = v == "loaded"
		case "ActiveState":
			u.active = v
		case "UnitFileState":
			u.enabled = v
		case "MainPID":
			u.master, _ = strconv.Atoi(v)
		case "binary":
			u.binary = v == "1"
		case "worker":
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
	}
	return u
}

// systemctl runs one systemctl verb on the unit.
func systemctl(ctx context.Context, c transport.Conn, verb, name string) error {
	_, err := hostcmd.Must(ctx, c, "systemctl "+verb+" "+name, "systemctl "+verb+" "+transport.Quote(name))
	return err
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
	if err := systemctl(ctx, c, "reload", name); err != nil {
		return reloadProof{}, fmt.Errorf("%w (journalctl -u %s says why)", err, name)
	}
	deadline := start.Add(timeout)
	for {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return reloadProof{}, err
		}
		if u.master != before.master {
			return reloadProof{}, fmt.Errorf("the haproxy master changed from PID %d to %d: it was restarted, not reloaded", before.master, u.master)
		}
		for _, w := range u.workers {
			if !slices.Contains(before.workers, w) {
				return reloadProof{master: u.master, newWorker: w, took: time.Since(start)}, nil
			}
		}
		if time.Now().After(deadline) {
			return reloadProof{}, fmt.Errorf("no new haproxy worker %s after the reload: the new configuration is not serving (journalctl -u %s says why)", timeout, name)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return reloadProof{}, err
		}
	}
}

// start starts the unit and waits until its master and a worker run.
func start(ctx context.Context, c transport.Conn, name string, timeout time.Duration) (unit, error) {
	if err := systemctl(ctx, c, "start", name); err != nil {
		return unit{}, fmt.Errorf("%w (journalctl -u %s says why)", err, name)
	}
	deadline := time.Now().Add(timeout)
	for {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return unit{}, err
		}
		if u.running() && len(u.workers) > 0 {
			return u, nil
		}
		if time.Now().After(deadline) {
			return u, fmt.Errorf("%s is %s %s after start (journalctl -u %s says why)", name, u.active, timeout, name)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return unit{}, err
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
