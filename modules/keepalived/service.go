package keepalived

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/transport"
)

// unit is what the module knows about the keepalived service: the unit's
// state and the journal's position before any action.
type unit struct {
	svcunit.State
	cursor string
}

// gatherUnit reads the unit's state and the journal cursor in one Run.
func gatherUnit(ctx context.Context, c transport.Conn, name string) (unit, error) {
	probe := `printf 'cursor=%s\n' "$(timeout 5 journalctl -q -u ` + transport.Quote(name) + ` -n 0 --show-cursor 2>/dev/null | sed -n 's/^-- cursor: //p')"` + "\n"
	s, err := svcunit.Gather(ctx, c, name, "keepalived", probe)
	if err != nil {
		return unit{}, err
	}
	u := unit{State: s}
	if v := s.Values("cursor"); len(v) > 0 {
		u.cursor = v[0]
	}
	return u, nil
}

// reload sends SIGHUP through systemd and proves it took: the main PID
// is unchanged and keepalived logged "Reload complete" after the cursor
// taken before (when the journal is readable).
func reload(ctx context.Context, c transport.Conn, name string, before unit, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := svcunit.Systemctl(ctx, c, "reload", name); err != nil {
		return 0, err
	}
	q := transport.Quote(name)
	err := svcunit.Poll(ctx, timeout, 100*time.Millisecond, func() (bool, error) {
		u, err := gatherUnit(ctx, c, name)
		if err != nil {
			return false, err
		}
		if u.MainPID != before.MainPID {
			return false, fmt.Errorf("the keepalived main PID changed from %d to %d: it was restarted, not reloaded", before.MainPID, u.MainPID)
		}
		if !u.Running() {
			return false, fmt.Errorf("keepalived is %s after the reload (journalctl -u %s says why)", u.Active, name)
		}
		if before.cursor == "" {
			return true, nil
		}
		out, err := hostcmd.Run(ctx, c, "read the journal", "timeout 5 journalctl -q -o cat -u "+q+" --after-cursor="+transport.Quote(before.cursor)+" 2>/dev/null", transport.RunOpts{})
		if err != nil {
			return false, err
		}
		return strings.Contains(out.Stdout, "Reload complete"), nil
	}, func() error {
		return fmt.Errorf("keepalived did not report \"Reload complete\" within %s of the reload", timeout)
	})
	if err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// start starts the unit and waits until it runs.
func start(ctx context.Context, c transport.Conn, name string, timeout time.Duration) (unit, error) {
	return svcunit.Start(ctx, c, name, timeout,
		func() (unit, error) { return gatherUnit(ctx, c, name) },
		func(u unit) bool { return u.Running() },
		func(u unit) string { return u.Active })
}
