package system

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Timezone{}) }

// Timezone is the timezone module (community.general.timezone).
type Timezone struct{}

// Spec describes the timezone module.
func (Timezone) Spec() module.Spec {
	return module.Spec{
		Name:  "timezone",
		Short: "Set the system time zone and the hardware clock mode",
		Doc: `Sets the time zone, and whether the hardware clock keeps local time or UTC.

When timedatectl works on the host, values are read with timedatectl show and set with timedatectl set-timezone and set-local-rtc. Otherwise (no systemd) the zone is the first word of /etc/timezone: that line is replaced, /etc/localtime is linked to the zone file and tzdata is reconfigured, as Ansible does on Debian. The zone must exist under /usr/share/zoneinfo. hwclock without systemd is not implemented by hactl.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Doc: "The time zone, e.g. Europe/Paris."},
			{Name: "hwclock", Type: module.Str, Choices: []any{"local", "UTC"}, Aliases: []string{"rtc"}, Doc: "Whether the hardware clock is in local time or UTC."},
		},
		RequiredOneOf: [][]string{{"hwclock", "name"}},
		CheckMode:     true,
		Examples: `- name: Same time zone on every cluster node
  timezone:
    name: Europe/Paris`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Str, Doc: "The commands run."},
		},
	}
}

var tzLinkRe = regexp.MustCompile(`(?:/(?:usr/share|etc)/zoneinfo/)(.*)`)

// tzState is the gathered state: values by key ("n/a" when unknown).
type tzState struct {
	systemd bool
	values  map[string]string
	tzfile  string // /etc/timezone content (non-systemd)
	hasFile bool
}

func gatherTimezone(ctx context.Context, conn transport.Conn, name string) (tzState, string, error) {
	m := hostcmd.Marker()
	script := fmt.Sprintf(`m=%s z=%s
if [ -n "$z" ] && [ ! -f "/usr/share/zoneinfo/$z" ]; then echo missing; exit 0; fi
if command -v timedatectl >/dev/null && timedatectl >/dev/null 2>&1; then
  echo systemd; echo "$m"; timedatectl show -p Timezone --value; echo "$m"; timedatectl show -p LocalRTC --value
else
  echo file; echo "$m"
  if [ -f /etc/timezone ]; then echo yes; cat /etc/timezone; fi
  echo "$m"
  if [ -L /etc/localtime ]; then if [ -e /etc/localtime ]; then echo "link $(readlink /etc/localtime)"; else echo dangling; fi
  elif [ -n "$z" ] && cmp -s /etc/localtime "/usr/share/zoneinfo/$z"; then echo same; else echo differs; fi
fi
`, m, transport.Quote(name))
	out, err := hostcmd.Must(ctx, conn, "timezone: gather", script)
	if err != nil {
		return tzState{}, "", err
	}
	secs := hostcmd.Sections(out, m)
	if strings.TrimSpace(secs[0]) == "missing" {
		return tzState{}, fmt.Sprintf("Error message:\ngiven timezone \"%s\" is not available", name), nil
	}
	if len(secs) != 3 {
		return tzState{}, "", fmt.Errorf("timezone: unexpected gather output %q", out)
	}
	st := tzState{systemd: strings.TrimSpace(secs[0]) == "systemd", values: map[string]string{}}
	if st.systemd {
		st.values["name"] = strings.TrimSpace(secs[1])
		st.values["hwclock"] = "UTC"
		if v, _ := module.ParseBool(strings.TrimSpace(secs[2])); v {
			st.values["hwclock"] = "local"
		}
		return st, "", nil
	}
	st.values["name"] = "n/a"
	if f, ok := strings.CutPrefix(secs[1], "yes\n"); ok {
		st.hasFile, st.tzfile = true, f
		if w := regexp.MustCompile(`(?m)^(\S+)`).FindStringSubmatch(f); w != nil {
			st.values["name"] = w[1]
		}
	}
	if st.values["name"] == name {
		switch l := strings.TrimSpace(secs[2]); {
		case strings.HasPrefix(l, "link "):
			if mm := tzLinkRe.FindStringSubmatch(strings.TrimPrefix(l, "link ")); mm == nil {
				st.values["name"] = "n/a"
			} else {
				st.values["name"] = mm[1]
			}
		case l != "same":
			st.values["name"] = "n/a"
		}
	}
	return st, "", nil
}

// editTimezoneFile replaces the first line starting with a word by
// value and deletes the other such lines, like Ansible's _edit_file.
func editTimezoneFile(content, value string) string {
	lines := slices.Collect(strings.Lines(content))
	re := regexp.MustCompile(`^(\S+)`)
	var out []string
	at := -1
	for _, l := range lines {
		if re.MatchString(l) {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, l)
	}
	if at < 0 {
		at = 0
	}
	out = append(out[:at], append([]string{value}, out[at:]...)...)
	return strings.Join(out, "")
}

// Run sets the time zone.
func (Timezone) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name := a.String("name")
	if strings.ContainsAny(name, "\n\r") || strings.Contains(name, "..") {
		return module.Failf("Error message:\ngiven timezone \"%s\" is not available", name), nil
	}
	st, msg, err := gatherTimezone(ctx, t.Conn, name)
	if err != nil || msg != "" {
		return module.Result{Failed: msg != "", Msg: msg}, err
	}
	planned := map[string]string{}
	if name != "" {
		planned["name"] = name
	}
	if a.Has("hwclock") {
		planned["hwclock"] = a.String("hwclock")
		if !st.systemd {
			return module.Failf("timezone: hwclock without timedatectl is not implemented by hactl"), nil
		}
	}
	before := map[string]string{}
	for k := range planned {
		before[k] = st.values[k]
	}
	res := module.Result{Data: map[string]any{}}
	var cmds []string
	for _, k := range []string{"name", "hwclock"} {
		if p, ok := planned[k]; ok && before[k] != p {
			res.Changed = true
			cmds = append(cmds, k)
		}
	}
	if res.Changed && t.Diff {
		res.Diff = []module.FileDiff{{Before: dictText(before), After: dictText(planned)}}
	}
	if !res.Changed || t.Check {
		return res, nil
	}
	var logs []string
	for _, k := range cmds {
		var line string
		switch {
		case st.systemd && k == "name":
			line = "timedatectl set-timezone " + transport.Quote(name)
		case st.systemd:
			line = "timedatectl set-local-rtc " + map[bool]string{true: "yes", false: "no"}[planned[k] == "local"]
		default:
			cur, err := remotefile.Gather(ctx, t.Conn, "/etc/timezone", remotefile.GatherOpts{Follow: true})
			if err != nil {
				return module.Result{}, fmt.Errorf("timezone: %w", err)
			}
			if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: "/etc/timezone", Content: []byte(editTimezoneFile(st.tzfile, name+"\n")), Current: cur}); err != nil {
				return module.Result{}, fmt.Errorf("timezone: write /etc/timezone: %w", err)
			}
			line = "ln -sf " + transport.Quote("/usr/share/zoneinfo/"+name) + " /etc/localtime && { ! command -v dpkg-reconfigure >/dev/null || DEBIAN_FRONTEND=noninteractive dpkg-reconfigure --frontend noninteractive tzdata; }"
		}
		if _, err := hostcmd.Must(ctx, t.Conn, "timezone: set "+k, line); err != nil {
			return module.Result{Failed: true, Msg: err.Error()}, nil
		}
		if st.systemd {
			logs = append(logs, "executed `"+line+"`")
		}
	}
	after, _, err := gatherTimezone(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	for k, p := range planned {
		if after.values[k] != p {
			return module.Failf("Error message:\nstill not desired state, though changes have made - planned: %v, after: %v", planned, after.values), nil
		}
	}
	res.Msg = strings.Join(logs, "\n")
	return res, nil
}

// dictText renders a small map as sorted "key: value" lines for --diff.
func dictText(m map[string]string) string {
	var b strings.Builder
	for _, k := range []string{"hwclock", "name"} {
		if v, ok := m[k]; ok {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}
