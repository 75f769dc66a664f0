package keepalived

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// unit is what the module knows about the keepalived service.
type unit struct {
	found   bool
	active  string
	enabled string
	master  int
	binary  bool
	cursor  string // the journal's position before any action
}

func (u unit) running() bool { return u.active == "active" && u.master > 0 }

func (u unit) isEnabled() bool {
	return u.enabled == "enabled" || u.enabled == "enabled-runtime" || u.enabled == "static" || u.enabled == "alias"
}

// gatherUnit reads the unit's state and the journal cursor in one Run.
func gatherUnit(ctx context.Context, c transport.Conn, name string) (unit, error) {
	q := transport.Quote(name)
	script := `export LC_ALL=C
systemctl show -p LoadState,ActiveState,UnitFileState,MainPID ` + q + ` 2>/dev/null
if command -v keepalived >/dev/null 2>&1; then echo binary=1; else echo binary=0; fi
printf 'cursor=%s\n' "$(timeout 5 journalctl -q -u ` + q + ` -n 0 --show-cursor 2>/dev/null | sed -n 's/^-- cursor: //p')"
`
	out, err := hostcmd.Must(ctx, c, "read "+name+" state", script)
	if err != nil {
		return unit{}, err
	}
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
		case "cursor":
			u.cursor = v
		}
	}
	return u, nil
}

func systemctl(ctx context.Context, c transport.Conn, verb, name string) error {
	_, err := hostcmd.Must(ctx, c, "systemctl "+verb+" "+name, "systemctl "+verb+" "+transport.Quote(name))
	if err != nil {
		return fmt.Errorf("%w (journalctl -u %s says why)", err, name)
	}
	return nil
}

// reload sends SIGHUP through systemd and proves it took: the main PID
// is unchanged and keepalived logged "Reload complete" after the cursor
// taken before (when the journal is readable).
func reload(ctx context.Context, c transport.Conn, name string, before unit, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := systemctl(ctx, c, "reload", name); err != nil {
		return 0, err
	}
	deadline := start.Add(timeout)
	q := transport.Quote(name)
	for {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return 0, err
		}
		if u.master != before.master {
			return 0, fmt.Errorf("the keepalived main PID changed from %d to %d: it was restarted, not reloaded", before.master, u.master)
		}
		if !u.running() {
			return 0, fmt.Errorf("keepalived is %s after the reload (journalctl -u %s says why)", u.active, name)
		}
		done := before.cursor == ""
		if !done {
			out, err := hostcmd.Run(ctx, c, "read the journal", "timeout 5 journalctl -q -o cat -u "+q+" --after-cursor="+transport.Quote(before.cursor)+" 2>/dev/null", transport.RunOpts{})
			if err != nil {
				return 0, err
			}
			done = strings.Contains(out.Stdout, "Reload complete")
		}
		if done {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("keepalived did not report \"Reload complete\" within %s of the reload", timeout)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// start starts the unit and waits until it is active.
func start(ctx context.Context, c transport.Conn, name string, timeout time.Duration) (unit, error) {
	if err := systemctl(ctx, c, "start", name); err != nil {
		return unit{}, err
	}
	deadline := time.Now().Add(timeout)
	for {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return unit{}, err
		}
		if u.running() {
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
