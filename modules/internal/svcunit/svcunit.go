// Package svcunit is what the modules that own a daemon's configuration
// (haproxy_config, keepalived_vrrp, …) share about its systemd unit: read
// its state in one command, run a systemctl verb, wait for a condition,
// and describe what was done in one line.
package svcunit

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// State is a unit's state as read by Gather.
type State struct {
	// Found: the unit file is loaded.
	Found bool
	// Active is systemd's ActiveState (active, inactive, failed, …).
	Active string
	// Enabled is the UnitFileState (enabled, disabled, static, …).
	Enabled string
	// MainPID is the main process (0 when not running).
	MainPID int
	// Binary: the daemon's program is on the PATH.
	Binary bool
	// Extra holds the key=value lines the caller's probe printed, in
	// order (a key may repeat).
	Extra [][2]string
}

// Running reports whether the unit is active with a main process.
func (s State) Running() bool { return s.Active == "active" && s.MainPID > 0 }

// IsEnabled reports whether the unit starts at boot.
func (s State) IsEnabled() bool {
	switch s.Enabled {
	case "enabled", "enabled-runtime", "static", "alias":
		return true
	}
	return false
}

// Values returns the values the probe printed for key, in order.
func (s State) Values(key string) []string {
	var out []string
	for _, kv := range s.Extra {
		if kv[0] == key {
			out = append(out, kv[1])
		}
	}
	return out
}

// Script is the shell script Gather runs: the unit's properties, whether
// program is installed, then probe (shell lines printing key=value; the
// unit's main PID is in $pid).
func Script(name, program, probe string) string {
	q := transport.Quote(name)
	return `export LC_ALL=C
systemctl show -p LoadState,ActiveState,UnitFileState,MainPID ` + q + ` 2>/dev/null
pid=$(systemctl show -p MainPID --value ` + q + ` 2>/dev/null)
if command -v ` + transport.Quote(program) + ` >/dev/null 2>&1; then echo binary=1; else echo binary=0; fi
` + probe
}

// Parse decodes Script's output.
func Parse(out string) State {
	var s State
	for line := range strings.SplitSeq(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case "LoadState":
			s.Found = v == "loaded"
		case "ActiveState":
			s.Active = v
		case "UnitFileState":
			s.Enabled = v
		case "MainPID":
			s.MainPID, _ = strconv.Atoi(v)
		case "binary":
			s.Binary = v == "1"
		default:
			s.Extra = append(s.Extra, [2]string{k, v})
		}
	}
	return s
}

// Gather reads the unit's state in one command (see Script).
func Gather(ctx context.Context, c transport.Conn, name, program, probe string) (State, error) {
	out, err := hostcmd.Must(ctx, c, "read "+name+" state", Script(name, program, probe))
	if err != nil {
		return State{}, err
	}
	return Parse(out), nil
}

// Systemctl runs one systemctl verb on the unit; a failure says where to
// look.
func Systemctl(ctx context.Context, c transport.Conn, verb, name string) error {
	_, err := hostcmd.Must(ctx, c, "systemctl "+verb+" "+name, "systemctl "+verb+" "+transport.Quote(name))
	if err != nil {
		return fmt.Errorf("%w (journalctl -u %s says why)", err, name)
	}
	return nil
}

// Poll calls try every interval until it reports done, returns an error,
// timeout passes (then it returns expired()'s error) or ctx ends.
func Poll(ctx context.Context, timeout, interval time.Duration, try func() (bool, error), expired func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := try()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return expired()
		}
		if err := Sleep(ctx, interval); err != nil {
			return err
		}
	}
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fail marks res failed with msg, keeping its data and diff.
func Fail(res module.Result, msg string) module.Result {
	res.Failed = true
	res.Msg = msg
	return res
}

// StartEnableDiff is the --diff entry of a unit about to be started
// and/or enabled.
func StartEnableDiff(name string, start, enable bool) module.FileDiff {
	before, after := map[string]string{}, map[string]string{}
	if start {
		before["state"], after["state"] = "stopped", "started"
	}
	if enable {
		before["enabled"], after["enabled"] = "false", "true"
	}
	return remotefile.StateDiff(name, before, after)
}

// Message is the one-line message of a module that owns daemon's
// configuration file: what changed, or that it is up to date; check mode
// says "would be".
func Message(daemon string, changed, file, started, reloaded, check bool) string {
	if !changed {
		return daemon + " configuration up to date"
	}
	var parts []string
	if file {
		parts = append(parts, "configuration updated")
	}
	if started {
		parts = append(parts, daemon+" started")
	}
	if reloaded {
		parts = append(parts, daemon+" reloaded")
	}
	if len(parts) == 0 {
		parts = append(parts, daemon+" enabled")
	}
	msg := strings.Join(parts, ", ")
	if check {
		msg = "would be: " + msg
	}
	return msg
}

// Start starts the unit, then reads its state until ready accepts it or
// timeout passes; active names the state for the timeout's message.
func Start[U any](ctx context.Context, c transport.Conn, name string, timeout time.Duration, read func() (U, error), ready func(U) bool, active func(U) string) (U, error) {
	var u U
	if err := Systemctl(ctx, c, "start", name); err != nil {
		return u, err
	}
	err := Poll(ctx, timeout, 100*time.Millisecond, func() (bool, error) {
		var err error
		u, err = read()
		return err == nil && ready(u), err
	}, func() error {
		return fmt.Errorf("%s is %s %s after start (journalctl -u %s says why)", name, active(u), timeout, name)
	})
	return u, err
}

// Plan is what a module that owns a daemon's configuration decided for
// its unit, from the state it gathered.
type Plan struct {
	// Manage: the unit is the module's to start, reload and enable.
	Manage bool
	// Start, Reload and Enable are the actions needed (Start wins over
	// Reload: a started daemon reads the new configuration anyway).
	Start, Reload, Enable bool
	// MainPID is the unit's main process before any action.
	MainPID int
}

// Settle carries out p: it starts the unit with start (which returns the
// new main PID) or reloads it with reload (which returns what to record
// about the reload), then enables it. It records in data started,
// reloaded and master_pid, plus reload's entries.
func Settle(ctx context.Context, c transport.Conn, name string, p Plan, start func() (int, error), reload func() (map[string]any, error), data map[string]any) error {
	switch {
	case p.Start:
		pid, err := start()
		if err != nil {
			return err
		}
		data["started"] = true
		data["master_pid"] = pid
	case p.Reload:
		extra, err := reload()
		if err != nil {
			return err
		}
		data["reloaded"] = true
		data["master_pid"] = p.MainPID
		maps.Copy(data, extra)
	case p.Manage:
		data["master_pid"] = p.MainPID
	}
	if p.Enable {
		return Systemctl(ctx, c, "enable", name)
	}
	return nil
}
