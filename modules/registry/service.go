package registry

import (
	"context"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// unitState is what systemd says about the registry's unit.
type unitState struct {
	Active, Enabled string
	Loaded          bool
}

func (u unitState) running() bool {
	return u.Active == "active" || u.Active == "activating" || u.Active == "reloading"
}

func (u unitState) isEnabled() bool {
	return u.Enabled == "enabled" || u.Enabled == "static" || u.Enabled == "enabled-runtime"
}

func gatherUnit(ctx context.Context, c transport.Conn, unit string) (unitState, error) {
	out, err := hostcmd.Must(ctx, c, "read "+unit+" state", "LC_ALL=C systemctl show -p LoadState,ActiveState,UnitFileState "+transport.Quote(unit))
	if err != nil {
		return unitState{}, err
	}
	kv := hostcmd.KeyValues(out)
	return unitState{Active: kv["ActiveState"], Enabled: kv["UnitFileState"], Loaded: kv["LoadState"] == "loaded"}, nil
}

func systemctl(ctx context.Context, c transport.Conn, verb, unit string) error {
	cmd := "systemctl " + verb + " " + transport.Quote(unit)
	if verb == "start" || verb == "restart" {
		// Several restarts in a row (a config change, then maintenance
		// mode on and off for garbage collection) would trip systemd's
		// start rate limit; reset-failed clears its counter.
		cmd = "systemctl reset-failed " + transport.Quote(unit) + " 2>/dev/null; " + cmd
	}
	if _, err := hostcmd.Must(ctx, c, "systemctl "+verb+" "+unit, cmd); err != nil {
		return fmt.Errorf("%w (journalctl -u %s says why)", err, unit)
	}
	return nil
}

// checkV2 polls GET url on the host until the registry answers as a
// registry: 200, or 401 when authentication is on, with the API version
// header.
func checkV2(ctx context.Context, c transport.Conn, url string, auth bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	script := "curl -ksS --max-time 5 -o /dev/null -D - " + transport.Quote(url)
	last := ""
	for {
		out, err := hostcmd.Run(ctx, c, "GET "+url, script, transport.RunOpts{})
		if err != nil {
			return err
		}
		if out.RC == 0 {
			status, h := parseHeaders(out.Stdout)
			okStatus := status == 200 || (auth && status == 401)
			if okStatus && h.Get("Docker-Distribution-Api-Version") == "registry/2.0" {
				return nil
			}
			last = fmt.Sprintf("status %d, Docker-Distribution-Api-Version %q", status, h.Get("Docker-Distribution-Api-Version"))
		} else {
			last = hostcmd.FirstLine(out.Stderr, out.Stdout)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET %s on the host did not answer as a registry within %s: %s", url, timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// parseHeaders reads the status and headers of the last response curl
// -D printed.
func parseHeaders(raw string) (int, textproto.MIMEHeader) {
	h := textproto.MIMEHeader{}
	status := 0
	for line := range strings.SplitSeq(raw, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "HTTP/") {
			h = textproto.MIMEHeader{}
			if f := strings.Fields(line); len(f) > 1 {
				_, _ = fmt.Sscanf(f[1], "%d", &status)
			}
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return status, h
}
