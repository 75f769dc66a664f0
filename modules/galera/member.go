package galera

import (
	"context"
	"encoding/base64"
	"fmt"
	"github.com/hactl/hactl/modules/internal/cluster"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// statusVars are the wsrep status variables gathered on running members.
var statusVars = []string{
	"wsrep_cluster_status", "wsrep_local_state_comment", "wsrep_ready",
	"wsrep_cluster_state_uuid", "wsrep_cluster_size", "wsrep_last_committed",
	"wsrep_connected", "wsrep_incoming_addresses",
}

// Member is one cluster member as gathered.
type Member struct {
	// Name is the inventory hostname.
	Name string
	// Address is the address other members reach it at.
	Address string
	// Conn is nil when the member is unreachable.
	Conn transport.Conn
	// Err says why the member is unreachable or could not be read.
	Err error
	// Active is true when the service unit is active.
	Active bool
	// PID is the service's main PID (0 when stopped).
	PID int
	// Status holds the wsrep status variables (empty when not running or
	// the server did not answer).
	Status map[string]string
	// Grastate is the saved state from the data directory.
	Grastate GraState
	// Config is the current content of the managed config file.
	Config []byte
	// ConfigExists is false when the file is absent.
	ConfigExists bool
	// Recovered is the position mysqld --wsrep-recover found (-1 unknown).
	Recovered int64
	// RecoveredUUID is the UUID that went with Recovered.
	RecoveredUUID string
	// release gives Conn back (closes it when this package dialled it).
	release func()
}

// Reachable reports whether the member answered.
func (m *Member) Reachable() bool { return m.Conn != nil && m.Err == nil }

// Primary reports whether the member runs in a Primary component.
func (m *Member) Primary() bool { return m.Active && m.Status["wsrep_cluster_status"] == "Primary" }

// Synced reports whether the member is a healthy Synced Primary member.
func (m *Member) Synced() bool {
	return m.Primary() && m.Status["wsrep_local_state_comment"] == "Synced" && m.Status["wsrep_ready"] == "ON"
}

// Position is the best known position: the clean grastate seqno, else
// the recovered one, else -1.
func (m *Member) Position() (uuid string, seqno int64) {
	if m.Grastate.Seqno >= 0 {
		return m.Grastate.UUID, m.Grastate.Seqno
	}
	if m.Recovered >= 0 {
		return m.RecoveredUUID, m.Recovered
	}
	return m.Grastate.UUID, -1
}

// paths are the remote locations the modules read and write.
type paths struct {
	Config  string
	Datadir string
	Service string
}

func (p paths) grastate() string { return strings.TrimRight(p.Datadir, "/") + "/grastate.dat" }

// memberAddress is the address of a member: the addresses argument, then
// galera_node_address, ansible_host, and finally the inventory name.
func memberAddress(vars map[string]any, name string, override map[string]any) string {
	if a, ok := override[name]; ok && fmt.Sprint(a) != "" {
		return fmt.Sprint(a)
	}
	return cluster.Address(vars, name, "galera_node_address")
}

// connect opens connections to every member (the current host reuses the
// task's connection) in parallel. Failures leave Conn nil and set Err.
func connect(ctx context.Context, t *module.Target, names []string, addrs map[string]any, dialTimeout time.Duration) ([]*Member, error) {
	ms := make([]*Member, len(names))
	all := make([]map[string]any, len(names))
	for i, n := range names {
		vars, err := cluster.HostVars(t, n)
		if err != nil {
			return nil, err
		}
		all[i] = vars
	}
	var wg sync.WaitGroup
	for i, n := range names {
		vars := all[i]
		m := &Member{Name: n, Address: memberAddress(vars, n, addrs), Recovered: -1}
		ms[i] = m
		wg.Go(func() {
			m.Conn, m.release, m.Err = cluster.Dial(ctx, t, n, dialTimeout)
		})
	}
	wg.Wait()
	return ms, nil
}

// closeAll closes the connections this package opened.
func closeAll(ms []*Member) {
	for _, m := range ms {
		if m.release != nil {
			m.release()
		}
	}
}

// clientCmd picks the MariaDB client on the host.
const clientCmd = `"$(command -v mariadb || command -v mysql)"`

// statusQuery is the SQL reading the wsrep status variables.
func statusQuery() string {
	return "SHOW GLOBAL STATUS WHERE Variable_name IN ('" + strings.Join(statusVars, "','") + "')"
}

// gatherScript reads everything about one member in one round trip.
// Each marker starts a line of its own even when the section before does
// not end with a newline: Galera rewrites grastate.dat in place, padded
// with spaces after its last newline.
func gatherScript(p paths, marker string) string {
	svc := transport.Quote(p.Service)
	sep := "printf '\\n%s\\n' " + marker
	return strings.Join([]string{
		"systemctl is-active " + svc + " 2>/dev/null",
		sep,
		"systemctl show -p MainPID --value " + svc + " 2>/dev/null",
		sep,
		"cat " + transport.Quote(p.grastate()) + " 2>/dev/null",
		sep,
		"if [ -f " + transport.Quote(p.Config) + " ]; then echo present; base64 -w0 " + transport.Quote(p.Config) + "; echo; else echo absent; fi",
		sep,
		"if systemctl is-active -q " + svc + "; then " + clientCmd + " --batch --raw --skip-column-names --connect-timeout=5 -e " +
			transport.Quote(statusQuery()) + " 2>/dev/null; fi",
		"true",
	}, "\n")
}

// gather fills m from one run of gatherScript.
func (m *Member) gather(ctx context.Context, p paths) error {
	if m.Conn == nil {
		return m.Err
	}
	marker := hostcmd.Marker()
	out, err := hostcmd.Must(ctx, m.Conn, "gather "+m.Name, gatherScript(p, marker))
	if err != nil {
		return err
	}
	secs := hostcmd.Sections(out, marker)
	if len(secs) < 5 {
		return fmt.Errorf("gather %s: unexpected output (%d sections): %.400q", m.Name, len(secs), out)
	}
	m.Active = strings.TrimSpace(secs[0]) == "active"
	m.PID, _ = strconv.Atoi(strings.TrimSpace(secs[1]))
	m.Grastate = ParseGraState(secs[2])
	cfg := strings.Fields(secs[3])
	m.ConfigExists = len(cfg) > 0 && cfg[0] == "present"
	m.Config = nil
	if m.ConfigExists && len(cfg) > 1 {
		b, err := base64.StdEncoding.DecodeString(cfg[1])
		if err != nil {
			return fmt.Errorf("gather %s: config file: %w", m.Name, err)
		}
		m.Config = b
	}
	m.Status = parseStatus(secs[4])
	return nil
}

// parseStatus reads "name<TAB>value" lines.
func parseStatus(text string) map[string]string {
	st := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, "\t")
		if ok {
			st[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return st
}

// gatherAll gathers every reachable member in parallel. A member that
// cannot be read becomes unreachable.
func gatherAll(ctx context.Context, ms []*Member, p paths) {
	var wg sync.WaitGroup
	for _, m := range ms {
		if m.Conn == nil {
			continue
		}
		wg.Go(func() {
			if err := m.gather(ctx, p); err != nil {
				m.Err = err
			}
		})
	}
	wg.Wait()
}

// refreshStatus re-reads the wsrep status of one member (empty when the
// server does not answer).
func (m *Member) refreshStatus(ctx context.Context, p paths) error {
	script := "if systemctl is-active -q " + transport.Quote(p.Service) + "; then echo active; " + clientCmd +
		" --batch --raw --skip-column-names --connect-timeout=5 -e " + transport.Quote(statusQuery()) + " 2>/dev/null; else echo inactive; fi; true"
	out, err := hostcmd.Must(ctx, m.Conn, "status "+m.Name, script)
	if err != nil {
		return err
	}
	first, rest, _ := strings.Cut(out, "\n")
	m.Active = strings.TrimSpace(first) == "active"
	m.Status = parseStatus(rest)
	return nil
}

// info is the member as register sees it.
func (m *Member) info() map[string]any {
	uuid, seqno := m.Position()
	d := map[string]any{
		"reachable": m.Reachable(),
		"active":    m.Active,
		"pid":       m.PID,
		"address":   m.Address,
		"grastate": map[string]any{
			"present":           m.Grastate.Present,
			"uuid":              m.Grastate.UUID,
			"seqno":             m.Grastate.Seqno,
			"safe_to_bootstrap": m.Grastate.SafeToBootstrap,
		},
		"position":  map[string]any{"uuid": uuid, "seqno": seqno},
		"status":    maps.Clone(m.Status),
		"primary":   m.Primary(),
		"synced":    m.Synced(),
		"recovered": m.Recovered,
	}
	if m.Err != nil {
		d["error"] = m.Err.Error()
	}
	return d
}
