package pacemaker

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/hactl/hactl/modules/internal/cluster"
	"strings"
	"sync"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// member is one cluster node as the leader sees it.
type member struct {
	Name  string
	Addrs []string
	Conn  transport.Conn
	// release gives Conn back (closes it when this package dialled it).
	release func()
	// Gathered state.
	Config     *Corosync // nil: no corosync.conf
	ConfigErr  error
	Units      map[string]unitState // pcsd, corosync, pacemaker
	KnownHosts map[string]bool
	PasswordOK bool
}

type unitState struct{ Active, Enabled bool }

// running reports whether corosync and pacemaker are active.
func (m *member) running() bool { return m.Units["corosync"].Active && m.Units["pacemaker"].Active }

// connectMembers opens a connection to every node in parallel (the
// current host reuses the task's connection).
func connectMembers(ctx context.Context, t *module.Target, nodes []nodeSpec) ([]*member, error) {
	ms := make([]*member, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		m := &member{Name: n.Name, Addrs: n.Addrs}
		ms[i] = m
		if _, err := cluster.HostVars(t, n.Name); err != nil {
			return nil, fmt.Errorf("node: %w", err)
		}
		wg.Go(func() {
			c, release, err := cluster.Dial(ctx, t, n.Name, 30*time.Second)
			if err != nil {
				errs[i] = fmt.Errorf("node %s: %w", m.Name, err)
				return
			}
			m.Conn, m.release = c, release
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			closeMembers(ms)
			return nil, err
		}
	}
	return ms, nil
}

func closeMembers(ms []*member) {
	for _, m := range ms {
		if m != nil && m.release != nil {
			m.release()
		}
	}
}

// memberGather prints corosync.conf, unit states and pcs's known hosts.
func memberGather(marker string) string {
	return "cat /etc/corosync/corosync.conf 2>/dev/null || echo __absent__\n" +
		"echo " + marker + "\n" +
		"for u in pcsd corosync pacemaker; do echo \"$u $(systemctl is-active $u 2>/dev/null) $(systemctl is-enabled $u 2>/dev/null)\"; done\n" +
		"echo " + marker + "\n" +
		"cat /var/lib/pcsd/known-hosts 2>/dev/null; true\n"
}

// passwordCheck compares the hacluster password read from stdin with the
// shadow hash, with the system's crypt(3) so every hash scheme works.
const passwordCheck = `perl -e 'my $p = <STDIN>; chomp $p; my $h = (getpwnam("hacluster"))[1]; ` +
	`print((defined $h && length($h) > 2 && crypt($p, $h) eq $h) ? "same\n" : "differ\n")'`

// gather reads the member's state in two round trips (the second feeds
// the password on stdin when one is managed).
func (m *member) gather(ctx context.Context, password string) error {
	marker := hostcmd.Marker()
	out, err := hostcmd.Must(ctx, m.Conn, "gather on "+m.Name, memberGather(marker))
	if err != nil {
		return err
	}
	secs := hostcmd.Sections(out, marker)
	if len(secs) != 3 {
		return fmt.Errorf("gather on %s: unexpected output", m.Name)
	}
	if strings.TrimSpace(secs[0]) != "__absent__" {
		m.Config, m.ConfigErr = ParseCorosync(secs[0])
	}
	m.Units = map[string]unitState{}
	for _, l := range strings.Split(secs[1], "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			m.Units[f[0]] = unitState{Active: f[1] == "active", Enabled: len(f) > 2 && f[2] == "enabled"}
		}
	}
	m.KnownHosts = map[string]bool{}
	if kh := strings.TrimSpace(secs[2]); kh != "" {
		var doc struct {
			KnownHosts map[string]json.RawMessage `json:"known_hosts"`
		}
		if err := json.Unmarshal([]byte(kh), &doc); err == nil {
			for h := range doc.KnownHosts {
				m.KnownHosts[h] = true
			}
		}
	}
	if password == "" {
		m.PasswordOK = true
		return nil
	}
	res, err := hostcmd.Run(ctx, m.Conn, "password check on "+m.Name, passwordCheck, transport.RunOpts{Stdin: strings.NewReader(password + "\n")})
	if err != nil {
		return err
	}
	m.PasswordOK = strings.TrimSpace(res.Stdout) == "same"
	return nil
}
