package pacemaker

import (
	"context"
	"encoding/json"
	"fmt"
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
	owned bool
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

// hostVarsOf returns inventory host name's variables (the task's own for
// the current host).
func hostVarsOf(t *module.Target, name string) (map[string]any, error) {
	if name == t.Host {
		return t.Vars, nil
	}
	hv, _ := t.Vars["hostvars"].(map[string]any)
	v, ok := hv[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("node %q is not an inventory host (not in hostvars)", name)
	}
	return v, nil
}

// connectMembers opens a connection to every node in parallel (the
// current host reuses the task's connection).
func connectMembers(ctx context.Context, t *module.Target, nodes []nodeSpec) ([]*member, error) {
	ms := make([]*member, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		m := &member{Name: n.Name, Addrs: n.Addrs}
		ms[i] = m
		if n.Name == t.Host {
			m.Conn = t.Conn
			continue
		}
		vars, err := hostVarsOf(t, n.Name)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			c, err := dialVars(ctx, vars, 30*time.Second)
			if err != nil {
				errs[i] = fmt.Errorf("node %s: %w", m.Name, err)
				return
			}
			m.Conn, m.owned = c, true
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

// dialVars connects from Ansible connection variables, with become when
// they ask for it.
func dialVars(ctx context.Context, vars map[string]any, timeout time.Duration) (transport.Conn, error) {
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("connection variables: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := transport.Dial(dctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	b, enabled, err := transport.BecomeFromVars(vars)
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("become: %w", err)
	}
	if enabled {
		return transport.WithBecome(c, b), nil
	}
	return c, nil
}

func closeMembers(ms []*member) {
	for _, m := range ms {
		if m != nil && m.owned && m.Conn != nil {
			_ = m.Conn.Close()
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
