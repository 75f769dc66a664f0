package galera

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// actor performs the state-changing steps on members.
type actor struct {
	p       paths
	timeout time.Duration // per start/restart and wait for Synced
	poll    time.Duration
}

// writeConfig puts the rendered option file on m atomically.
func (a actor) writeConfig(ctx context.Context, m *Member, content []byte) error {
	dir := a.p.Config[:strings.LastIndex(a.p.Config, "/")+1]
	if dir != "" {
		if _, err := hostcmd.Must(ctx, m.Conn, "config dir on "+m.Name, "mkdir -p "+transport.Quote(dir)); err != nil {
			return err
		}
	}
	if err := m.Conn.Put(ctx, a.p.Config, bytes.NewReader(content), 0o644); err != nil {
		return fmt.Errorf("write %s on %s: %w", a.p.Config, m.Name, err)
	}
	m.Config, m.ConfigExists = content, true
	return nil
}

// systemctl runs a service action bounded by the timeout, with the last
// lines of the unit's journal in the error.
func (a actor) systemctl(ctx context.Context, m *Member, script string) error {
	out, err := hostcmd.Run(ctx, m.Conn, script+" on "+m.Name, script, transport.RunOpts{Timeout: a.timeout})
	if err != nil {
		return err
	}
	if out.RC != 0 {
		j, _ := hostcmd.Run(ctx, m.Conn, "journal", "journalctl -u "+transport.Quote(a.p.Service)+" -n 8 --no-pager -o cat 2>/dev/null | cut -c1-300",
			transport.RunOpts{Timeout: 20 * time.Second})
		return fmt.Errorf("%s on %s: exit status %d: %s\n%s", script, m.Name, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout), strings.TrimSpace(j.Stdout))
	}
	return nil
}

// start starts a stopped member (it joins the cluster) and waits until it
// is Synced.
func (a actor) start(ctx context.Context, m *Member) error {
	if err := a.systemctl(ctx, m, "systemctl start "+transport.Quote(a.p.Service)); err != nil {
		return err
	}
	return a.waitSynced(ctx, m)
}

// restart restarts a running member and waits until it is Synced again.
func (a actor) restart(ctx context.Context, m *Member) error {
	if err := a.systemctl(ctx, m, "systemctl restart "+transport.Quote(a.p.Service)); err != nil {
		return err
	}
	return a.waitSynced(ctx, m)
}

// bootstrap starts a new Primary component on m, first marking it safe
// to bootstrap when asked.
func (a actor) bootstrap(ctx context.Context, m *Member, setFlag bool) error {
	if setFlag {
		g := transport.Quote(a.p.grastate())
		script := "sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' " + g + " && grep -q '^safe_to_bootstrap: 1' " + g
		if _, err := hostcmd.Must(ctx, m.Conn, "set safe_to_bootstrap on "+m.Name, script); err != nil {
			return err
		}
		m.Grastate.SafeToBootstrap = true
	}
	if err := a.systemctl(ctx, m, "galera_new_cluster"); err != nil {
		return err
	}
	return a.waitSynced(ctx, m)
}

// waitSynced polls m until it is a Synced, ready Primary member or the
// timeout passes.
func (a actor) waitSynced(ctx context.Context, m *Member) error {
	deadline := time.Now().Add(a.timeout)
	for {
		if err := m.refreshStatus(ctx, a.p); err != nil {
			return err
		}
		if m.Synced() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not Synced after %s (state %q, cluster status %q, ready %q)", m.Name, a.timeout,
				m.Status["wsrep_local_state_comment"], m.Status["wsrep_cluster_status"], m.Status["wsrep_ready"])
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(a.poll):
		}
	}
}

// recoverScript runs mysqld in recovery mode (it reads InnoDB's saved
// wsrep position, logs it and exits) and prints the position lines.
const recoverScript = `set -u
bin=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
log=$(mktemp /tmp/hactl-wsrep-recover.XXXXXX)
chown mysql "$log" 2>/dev/null
"$bin" --user=mysql --wsrep-recover --log-error="$log" >/dev/null 2>&1
rc=$?
grep -i 'recovered position' "$log"
rm -f "$log"
exit $rc`

// recover finds m's last committed position with mysqld --wsrep-recover.
// Only call it on a stopped member.
func (a actor) recover(ctx context.Context, m *Member) error {
	out, err := hostcmd.Run(ctx, m.Conn, "wsrep-recover on "+m.Name, recoverScript, transport.RunOpts{Timeout: a.timeout})
	if err != nil {
		return err
	}
	uuid, seqno, ok := ParseRecovered(out.Stdout)
	if !ok {
		return fmt.Errorf("wsrep-recover on %s: no recovered position (exit status %d): %s", m.Name, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	m.RecoveredUUID, m.Recovered = uuid, seqno
	return nil
}
