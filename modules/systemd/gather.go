package systemd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// properties are the unit properties read with `systemctl show`; they make
// the status return value.
var properties = []string{
	"Id", "Names", "Description", "LoadState", "LoadError", "ActiveState", "SubState",
	"UnitFileState", "UnitFilePreset", "FragmentPath", "MainPID", "ExecMainPID",
	"ExecMainStatus", "Result", "Type", "Restart", "CanStart", "CanStop", "CanReload",
	"NeedDaemonReload", "ActiveEnterTimestamp", "InactiveEnterTimestamp",
}

// unitState is a unit as gathered.
type unitState struct {
	status    map[string]string // systemctl show properties
	enabledRC int               // exit status of systemctl is-enabled
	enabledAs string            // its output: enabled, disabled, static, masked, …
	initd     bool              // /etc/init.d/<name> exists
	sysvOn    bool              // an /etc/rc?.d/S??<name> link exists
}

// found reports whether systemd or an init script knows the unit.
func (u unitState) found() bool {
	ls := u.status["LoadState"]
	return (ls != "" && ls != "not-found") || u.initd
}

// running mirrors Ansible: active or activating.
func (u unitState) running() bool {
	s := u.status["ActiveState"]
	return s == "active" || s == "activating"
}

// isEnabled mirrors Ansible's reading of `systemctl is-enabled`.
func (u unitState) isEnabled(scope string) bool {
	switch {
	case u.enabledRC == 0:
		return u.enabledAs != "indirect" && u.enabledAs != "alias"
	case u.enabledRC == 1:
		return scope == "system" && u.initd && !strings.HasSuffix(u.enabledAs, "disabled") && u.sysvOn
	}
	return false
}

func (u unitState) masked() bool { return u.enabledAs == "masked" }

// systemctl returns the systemctl command line prefix for the request.
func (r request) systemctl() string {
	var b strings.Builder
	b.WriteString("systemctl")
	if r.scope != "" && r.scope != "system" {
		b.WriteString(" --" + r.scope)
	}
	if r.noBlock {
		b.WriteString(" --no-block")
	}
	if r.force {
		b.WriteString(" --force")
	}
	return b.String()
}

// preamble sets XDG_RUNTIME_DIR for the user scope, as Ansible does.
const preamble = `: "${XDG_RUNTIME_DIR:=/run/user/$(id -u)}"; export XDG_RUNTIME_DIR` + "\n"

// gatherScript reads the unit's state in one round trip; sections are
// separated by marker lines.
func (r request) gatherScript(marker string) string {
	sc := r.systemctl()
	u := transport.Quote(r.name)
	base := strings.TrimSuffix(r.name, ".service")
	var b strings.Builder
	b.WriteString(preamble)
	fmt.Fprintf(&b, "%s show -p %s -- %s 2>/dev/null\n", sc, strings.Join(properties, ","), u)
	fmt.Fprintf(&b, "echo %s\n", marker)
	fmt.Fprintf(&b, "%s is-enabled -l -- %s 2>/dev/null; echo \"rc=$?\"\n", sc, u)
	fmt.Fprintf(&b, "echo %s\n", marker)
	if !strings.Contains(base, "/") {
		q := transport.Quote(base)
		fmt.Fprintf(&b, "if [ -f /etc/init.d/%s ]; then echo initd; fi\n", q)
		fmt.Fprintf(&b, "for f in /etc/rc?.d/S??%s; do if [ -e \"$f\" ]; then echo sysv-on; break; fi; done\n", q)
	}
	return b.String()
}

// parseGather reads the output of gatherScript.
func parseGather(out, marker string) (unitState, error) {
	secs := hostcmd.Sections(out, marker)
	if len(secs) != 3 {
		return unitState{}, fmt.Errorf("unexpected output from the unit state script: %q", out)
	}
	u := unitState{status: hostcmd.KeyValues(secs[0]), enabledRC: -1}
	lines := strings.Split(strings.TrimSpace(secs[1]), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "rc=") {
		rc, err := strconv.Atoi(strings.TrimPrefix(last, "rc="))
		if err != nil {
			return unitState{}, fmt.Errorf("bad is-enabled status %q", last)
		}
		u.enabledRC = rc
		u.enabledAs = strings.TrimSpace(strings.Join(lines[:len(lines)-1], "\n"))
	}
	for l := range strings.SplitSeq(secs[2], "\n") {
		switch strings.TrimSpace(l) {
		case "initd":
			u.initd = true
		case "sysv-on":
			u.sysvOn = true
		}
	}
	return u, nil
}

// gather reads the unit's state.
func gather(ctx context.Context, conn transport.Conn, r request) (unitState, error) {
	marker := hostcmd.Marker()
	out, err := hostcmd.Run(ctx, conn, "systemd: read unit state", r.gatherScript(marker), transport.RunOpts{})
	if err != nil {
		return unitState{}, err
	}
	return parseGather(out.Stdout, marker)
}

// statusData converts the properties to the status return value.
func statusData(s map[string]string) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}
