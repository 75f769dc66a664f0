package haproxy

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// socatAddress turns the socket argument into a socat address: a unix
// path, or a TCP address written as haproxy does (ipv4@127.0.0.1:9999,
// 127.0.0.1:9999).
func socatAddress(sock string) (string, error) {
	if p, ok := unixPath(sock); ok {
		return "UNIX-CONNECT:" + p, nil
	}
	hp := sock
	for _, p := range []string{"ipv4@", "ipv6@", "tcp@"} {
		hp = strings.TrimPrefix(hp, p)
	}
	i := strings.LastIndexByte(hp, ':')
	if i <= 0 || i == len(hp)-1 {
		return "", fmt.Errorf("socket %q is neither a unix path nor host:port", sock)
	}
	if _, err := strconv.Atoi(hp[i+1:]); err != nil {
		return "", fmt.Errorf("socket %q: bad port", sock)
	}
	return "TCP:" + hp, nil
}

// errNoSocat means the host lacks socat, which the runtime API needs.
var errNoSocat = errors.New("socat is not installed on the host")

// runtimeName is what backend and server names may contain: the runtime
// API splits commands at spaces and semicolons.
var runtimeName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// batchScript sends each batch of commands over its own connection to the
// socket, printing marker between the answers, all in one Run. Commands of
// one batch are joined with ';' (the runtime API runs them in order).
func batchScript(sock, marker string, batches ...[]string) (string, error) {
	addr, err := socatAddress(sock)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("command -v socat >/dev/null 2>&1 || { echo 'socat is not installed on the host: the runtime API needs it' >&2; exit 127; }\n")
	for i, cmds := range batches {
		if i > 0 {
			b.WriteString("echo " + marker + "\n")
		}
		fmt.Fprintf(&b, "printf '%%s\\n' %s | socat -t 10 stdio %s || exit $?\n",
			transport.Quote(strings.Join(cmds, "; ")), transport.Quote(addr))
	}
	return b.String(), nil
}

// ask sends the batches and returns one answer per batch.
func ask(ctx context.Context, c transport.Conn, sock string, batches ...[]string) ([]string, error) {
	marker := hostcmd.Marker()
	script, err := batchScript(sock, marker, batches...)
	if err != nil {
		return nil, err
	}
	out, err := hostcmd.Run(ctx, c, "haproxy runtime API on "+sock, script, transport.RunOpts{})
	switch {
	case err != nil:
		return nil, err
	case out.RC == 127:
		return nil, fmt.Errorf("haproxy runtime API on %s: %w", sock, errNoSocat)
	case out.RC != 0:
		return nil, fmt.Errorf("haproxy runtime API on %s: exit status %d: %s", sock, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	secs := hostcmd.Sections(out.Stdout, marker)
	if len(secs) != len(batches) {
		return nil, fmt.Errorf("haproxy runtime API on %s: expected %d answers, got %d", sock, len(batches), len(secs))
	}
	return secs, nil
}

// server is one server of one backend as the runtime API reports it.
type server struct {
	backend, name string
	status        string // show stat status: UP, DOWN, DRAIN, MAINT, "MAINT (via b/s)", "UP 1/3", "no check", …
	scur          int    // current sessions
	admin         int    // srv_admin_state bits from show servers state
	uweight       int    // user weight
	iweight       int    // initial (configured) weight
	stateKnown    bool   // show servers state listed it
}

// Admin state bits of show servers state (srv_admin_state).
const (
	adminForcedMaint = 0x01
	adminForcedDrain = 0x08
)

// adminState returns the state an operator set: maint, drain or ready.
func (s server) adminState() string {
	switch {
	case s.admin&adminForcedMaint != 0:
		return "maint"
	case s.admin&adminForcedDrain != 0:
		return "drain"
	}
	return "ready"
}

// down reports whether health checks say the server is down, so there
// is nothing to drain.
func (s server) down() bool {
	return strings.HasPrefix(s.status, "DOWN")
}

// key names a server for the runtime API.
func (s server) key() string { return s.backend + "/" + s.name }

// parseStat reads `show stat` CSV into servers keyed by backend/server.
// Columns are found by the header's names, not their positions.
func parseStat(out string) (map[string]*server, error) {
	out = strings.TrimLeft(out, "\n")
	if !strings.HasPrefix(out, "# ") {
		return nil, fmt.Errorf("show stat: unexpected answer: %s", hostcmd.FirstLine(out))
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "# ")))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("show stat: %w", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"pxname", "svname", "scur", "status"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("show stat: no %s column", need)
		}
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	servers := map[string]*server{}
	for _, row := range rows[1:] {
		sv := get(row, "svname")
		if sv == "FRONTEND" || sv == "BACKEND" || sv == "" {
			continue
		}
		s := &server{backend: get(row, "pxname"), name: sv, status: get(row, "status")}
		s.scur, _ = strconv.Atoi(get(row, "scur"))
		servers[s.key()] = s
	}
	return servers, nil
}

// parseServersState merges `show servers state` (format 1: a version
// line, a "# be_id be_name srv_id srv_name …" header, then one line per
// server) into servers.
func parseServersState(out string, servers map[string]*server) error {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "1" {
		return fmt.Errorf("show servers state: unsupported answer: %s", hostcmd.FirstLine(out))
	}
	var col map[string]int
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "#" {
			col = map[string]int{}
			for i, h := range f[1:] {
				col[h] = i
			}
			continue
		}
		if col == nil {
			return fmt.Errorf("show servers state: no header line")
		}
		at := func(name string) string {
			if i, ok := col[name]; ok && i < len(f) {
				return f[i]
			}
			return ""
		}
		key := at("be_name") + "/" + at("srv_name")
		s, ok := servers[key]
		if !ok {
			continue
		}
		s.admin, _ = strconv.Atoi(at("srv_admin_state"))
		s.uweight, _ = strconv.Atoi(at("srv_uweight"))
		s.iweight, _ = strconv.Atoi(at("srv_iweight"))
		s.stateKnown = true
	}
	return nil
}

// readServers reads show stat and show servers state in one Run.
func readServers(ctx context.Context, c transport.Conn, sock string) (map[string]*server, error) {
	ans, err := ask(ctx, c, sock, []string{"show stat"}, []string{"show servers state"})
	if err != nil {
		return nil, err
	}
	servers, err := parseStat(ans[0])
	if err != nil {
		return nil, err
	}
	if err := parseServersState(ans[1], servers); err != nil {
		return nil, err
	}
	return servers, nil
}

// commandErrors returns the runtime API's complaints about a batch of
// commands that answer nothing on success.
func commandErrors(answer string) error {
	if s := strings.TrimSpace(answer); s != "" {
		return fmt.Errorf("haproxy refused: %s", strings.Join(strings.Fields(s), " "))
	}
	return nil
}
