// Package ufw implements the ufw module (community.general.ufw): the
// state, policies, logging and rules of the Uncomplicated Firewall.
//
// The current state is read from ufw's own files — ENABLED and LOGLEVEL in
// /etc/ufw/ufw.conf, the DEFAULT_*_POLICY lines of /etc/default/ufw, and
// the machine-readable "### tuple ###" lines of user.rules and
// user6.rules — and changes are made with the ufw command. Check mode runs
// rule commands with --dry-run and compares the tuple lines ufw would
// write, as Ansible does.
package ufw

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(UFW{}) }

// UFW is the ufw module.
type UFW struct{}

// Spec describes the ufw module.
func (UFW) Spec() module.Spec {
	return module.Spec{
		Name:  "ufw",
		Short: "Manage the Uncomplicated Firewall",
		Doc: `Enables, disables, reloads or resets ufw, sets its default policies and logging, and adds or deletes rules.

Rules are built into a ufw command line exactly as Ansible builds them (allow/deny/reject/limit, direction, interfaces, from/to addresses and ports, protocol or application, log, comment, insert positions, route rules). Whether something changed is decided from ufw's machine-readable files (ufw.conf, /etc/default/ufw, the "### tuple ###" lines of user.rules and user6.rules) before and after; in check mode rule commands run with --dry-run and the tuple lines ufw would write are compared, and the other commands are predicted from the files.

Always allow SSH before enabling the firewall on a remote host.

One deliberate difference: Ansible decides "changed" from the text of ufw status, which shows no policies or logging while the firewall is inactive, so it reports no change when those settings change on an inactive firewall; hactl compares the files and reports the change.`,
		Params: []module.Param{
			{Name: "state", Type: module.Str, Choices: []any{"enabled", "disabled", "reloaded", "reset"}, Doc: "enabled and disabled (re)start or stop the firewall at boot; reloaded and reset always change."},
			{Name: "default", Type: module.Str, Aliases: []string{"policy"}, Choices: []any{"allow", "deny", "reject"}, Doc: "The default policy for direction (incoming when absent)."},
			{Name: "logging", Type: module.Str, Choices: []any{"full", "high", "low", "medium", "off", "on"}, Doc: "The logging level."},
			{Name: "direction", Type: module.Str, Choices: []any{"in", "incoming", "out", "outgoing", "routed"}, Doc: "in/out for rules, incoming/outgoing/routed for default."},
			{Name: "delete", Type: module.Bool, Default: false, Doc: "Delete the rule instead of adding it."},
			{Name: "route", Type: module.Bool, Default: false, Doc: "A routed (forwarding) rule."},
			{Name: "insert", Type: module.Int, Doc: "Insert the rule at this position (counted from insert_relative_to)."},
			{Name: "insert_relative_to", Type: module.Str, Default: "zero", Choices: []any{"zero", "first-ipv4", "last-ipv4", "first-ipv6", "last-ipv6"}, Doc: "What insert counts from."},
			{Name: "rule", Type: module.Str, Choices: []any{"allow", "deny", "limit", "reject"}, Doc: "The rule's action."},
			{Name: "interface", Type: module.Str, Aliases: []string{"if"}, Doc: "The interface (needs direction)."},
			{Name: "interface_in", Type: module.Str, Aliases: []string{"if_in"}, Doc: "The incoming interface."},
			{Name: "interface_out", Type: module.Str, Aliases: []string{"if_out"}, Doc: "The outgoing interface."},
			{Name: "log", Type: module.Bool, Default: false, Doc: "Log the packets the rule matches."},
			{Name: "from_ip", Type: module.Str, Default: "any", Aliases: []string{"from", "src"}, Doc: "Source address or network."},
			{Name: "from_port", Type: module.Str, Doc: "Source port."},
			{Name: "to_ip", Type: module.Str, Default: "any", Aliases: []string{"dest", "to"}, Doc: "Destination address or network."},
			{Name: "to_port", Type: module.Str, Aliases: []string{"port"}, Doc: "Destination port or range."},
			{Name: "proto", Type: module.Str, Aliases: []string{"protocol"}, Choices: []any{"ah", "any", "esp", "ipv6", "tcp", "udp", "gre", "igmp"}, Doc: "Protocol."},
			{Name: "name", Type: module.Str, Aliases: []string{"app"}, Doc: "An application profile."},
			{Name: "comment", Type: module.Str, Doc: "A comment stored with the rule."},
		},
		MutuallyExclusive: [][]string{{"name", "proto", "logging"}, {"direction", "interface_in"}, {"direction", "interface_out"}},
		RequiredOneOf:     [][]string{{"state", "default", "rule", "logging"}},
		CheckMode:         true,
		Examples: `- name: Keep SSH open, then enable the firewall
  ufw:
    rule: allow
    port: "22"
    proto: tcp
- ufw:
    state: enabled
    default: deny

- name: Galera replication from the other database nodes
  ufw:
    rule: allow
    from_ip: 10.77.0.0/24
    to_port: "4567"
    proto: tcp
    comment: galera`,
		Returns: []module.ReturnValue{
			{Name: "commands", Type: module.List, Doc: "The ufw commands run."},
		},
	}
}

// ufwState is what the files say.
type ufwState struct {
	bin      string
	enabled  string // yes/no from ufw.conf
	loglevel string // off/low/medium/high/full
	policies map[string]string
	tuples   string // the "### tuple" lines of every rules file
	v4, v6   int    // numbers of IPv4 and IPv6 rules
}

var (
	ipv4Re      = regexp.MustCompile(`((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])`)
	ipv6Re      = regexp.MustCompile(`(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))`)
	policyNames = map[string]string{"DROP": "deny", "ACCEPT": "allow", "REJECT": "reject"}
)

// gatherScript prints ufw's path, then each file as NAME BASE64.
const gatherScript = `b=$(command -v ufw) || { echo "ufw: command not found" >&2; exit 3; }
echo "$b"
for f in /etc/ufw/ufw.conf /etc/default/ufw /lib/ufw/user.rules /lib/ufw/user6.rules /etc/ufw/user.rules /etc/ufw/user6.rules /var/lib/ufw/user.rules /var/lib/ufw/user6.rules; do
  [ -f "$f" ] && printf '%s %s\n' "$f" "$(base64 -w0 < "$f")"
done; true`

func gather(ctx context.Context, conn transport.Conn) (ufwState, error) {
	out, err := hostcmd.Run(ctx, conn, "ufw: gather", gatherScript, transport.RunOpts{})
	if err != nil {
		return ufwState{}, err
	}
	if out.RC != 0 {
		return ufwState{}, fmt.Errorf("ufw: %s", hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	lines := strings.Split(strings.TrimSpace(out.Stdout), "\n")
	st := ufwState{bin: lines[0], enabled: "no", loglevel: "off", policies: map[string]string{}}
	var tuples strings.Builder
	for _, l := range lines[1:] {
		name, b64, _ := strings.Cut(l, " ")
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return ufwState{}, fmt.Errorf("ufw: gather %s: %w", name, err)
		}
		kv := hostcmd.KeyValues(string(b))
		switch {
		case name == "/etc/ufw/ufw.conf":
			st.enabled = strings.ToLower(strings.Trim(kv["ENABLED"], `"`))
			if v := strings.Trim(kv["LOGLEVEL"], `"`); v != "" {
				st.loglevel = v
			}
		case name == "/etc/default/ufw":
			for k, dir := range map[string]string{"DEFAULT_INPUT_POLICY": "incoming", "DEFAULT_OUTPUT_POLICY": "outgoing", "DEFAULT_FORWARD_POLICY": "routed"} {
				st.policies[dir] = policyNames[strings.Trim(kv[k], `"`)]
			}
		default:
			for _, t := range strings.SplitAfter(string(b), "\n") {
				if strings.HasPrefix(t, "### tuple") {
					tuples.WriteString(t)
					if strings.HasSuffix(name, "6.rules") {
						st.v6++
					} else {
						st.v4++
					}
				}
			}
		}
	}
	st.tuples = tuples.String()
	return st, nil
}

// fingerprint is what "changed" compares before and after.
func (s ufwState) fingerprint() string {
	return fmt.Sprintf("%s|%s|%v|%s", s.enabled, s.loglevel, s.policies, s.tuples)
}

// cmdPart is one optional piece of a command line, as in Ansible.
type cmdPart struct {
	on    bool
	words []string
}

func part(on bool, words ...string) cmdPart { return cmdPart{on, words} }

func join(parts []cmdPart) []string {
	var out []string
	for _, p := range parts {
		if p.on {
			out = append(out, p.words...)
		}
	}
	return out
}

// Run applies the requested commands.
func (UFW) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	var cmds []any
	data := map[string]any{"commands": cmds}
	fail := func(format string, v ...any) (module.Result, error) {
		data["commands"] = cmds
		return module.Result{Failed: true, Msg: fmt.Sprintf(format, v...), Data: data}, nil
	}
	if a.Has("interface") && !a.Has("direction") {
		return fail("missing parameter(s) required by 'interface': direction")
	}
	pre, err := gather(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	run := func(argv []string, ignore bool) (string, bool, error) {
		cmds = append(cmds, strings.Join(argv, " "))
		out, err := hostcmd.Run(ctx, t.Conn, "ufw", transport.QuoteArgs(argv), transport.RunOpts{Env: map[string]string{"LANG": "C", "LC_ALL": "C"}})
		if err != nil {
			return "", false, err
		}
		if out.RC != 0 && !ignore {
			msg := out.Stderr
			if msg == "" {
				msg = out.Stdout
			}
			return msg, false, nil
		}
		return out.Stdout, true, nil
	}
	changed := false
	dir := a.String("direction")
	for _, command := range []string{"state", "default", "rule", "logging"} {
		if !a.Has(command) {
			continue
		}
		value := a.String(command)
		base := []cmdPart{part(true, pre.bin), part(t.Check, "--dry-run")}
		var argv []string
		switch command {
		case "state":
			if value == "reloaded" || value == "reset" {
				changed = true
			}
			if t.Check {
				on := pre.enabled == "yes"
				if (value == "disabled" && on) || (value == "enabled" && !on) {
					changed = true
				}
				continue
			}
			argv = join(append(base, part(true, "-f", map[string]string{"enabled": "enable", "disabled": "disable", "reloaded": "reload", "reset": "reset"}[value])))
		case "logging":
			switch cur := pre.loglevel; {
			case value != "off" && cur == "off":
				changed = true
			case value != "off" && value != "on" && value != cur:
				changed = true
			case value == "off" && cur != "off":
				changed = true
			}
			if t.Check {
				continue
			}
			argv = join(append(base, part(true, "logging", value)))
		case "default":
			if dir != "" && dir != "outgoing" && dir != "incoming" && dir != "routed" {
				return fail(`For default, direction must be one of "outgoing", "incoming" and "routed", or direction must not be specified.`)
			}
			if t.Check {
				d := dir
				if d == "" {
					d = "incoming"
				}
				if v := pre.policies[d]; v != value && !(d == "routed" && v == "") {
					changed = true
				}
				continue
			}
			argv = join(append(base, part(true, "default", value), part(dir != "", dir)))
		case "rule":
			if dir != "" && dir != "in" && dir != "out" {
				return fail(`For rules, direction must be one of "in" and "out", or direction must not be specified.`)
			}
			if !a.Bool("route") && a.Has("interface_in") && a.Has("interface_out") {
				return fail("Only route rules can combine interface_in and interface_out")
			}
			parts, msg := ruleParts(a, pre, value)
			if msg != "" {
				return fail("%s", msg)
			}
			argv = join(append(base, parts...))
			out, ok, err := run(argv, false)
			if err != nil {
				return module.Result{}, err
			}
			if !ok {
				return fail("%s", strings.TrimSpace(out))
			}
			if t.Check && dryRunChanges(out, pre.tuples, a.String("from_ip"), a.String("to_ip")) {
				changed = true
			}
			continue
		}
		if out, ok, err := run(argv, false); err != nil {
			return module.Result{}, err
		} else if !ok {
			return fail("%s", strings.TrimSpace(out))
		}
	}
	data["commands"] = cmds
	if t.Check {
		return module.Result{Changed: changed, Data: data}, nil
	}
	post, err := gather(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	if !changed {
		changed = pre.fingerprint() != post.fingerprint()
	}
	status, _, err := run([]string{pre.bin, "status", "verbose"}, true)
	if err != nil {
		return module.Result{}, err
	}
	cmds = cmds[:len(cmds)-1] // Ansible does not list the status commands
	data["commands"] = cmds
	return module.Result{Changed: changed, Msg: strings.TrimRight(status, "\n"), Data: data}, nil
}

// ruleParts builds the rule's words after "ufw [--dry-run]".
func ruleParts(a module.Args, pre ufwState, value string) ([]cmdPart, string) {
	parts := []cmdPart{part(a.Bool("route"), "route"), part(a.Bool("delete"), "delete")}
	if a.Has("insert") && !a.Bool("delete") {
		// Ansible counts the rules "ufw status numbered" lists, which is
		// none while the firewall is inactive.
		v4, v6 := pre.v4, pre.v6
		if pre.enabled != "yes" {
			v4, v6 = 0, 0
		}
		pos, ok := insertPosition(a.Int("insert"), a.String("insert_relative_to"), v4, v6)
		parts = append(parts, part(ok, "insert", fmt.Sprint(pos)))
	}
	parts = append(parts, part(true, value))
	dir := a.String("direction")
	parts = append(parts,
		part(dir != "", dir),
		part(a.Has("interface"), "on", a.String("interface")),
		part(a.Has("interface_in"), "in", "on", a.String("interface_in")),
		part(a.Has("interface_out"), "out", "on", a.String("interface_out")),
		part(a.Bool("log"), "log"))
	for _, kw := range []struct{ key, word string }{{"from_ip", "from"}, {"from_port", "port"}, {"to_ip", "to"}, {"to_port", "port"}, {"proto", "proto"}, {"name", "app"}} {
		parts = append(parts, part(a.Has(kw.key) && a.String(kw.key) != "", kw.word, a.String(kw.key)))
	}
	parts = append(parts, part(a.Has("comment"), "comment", a.String("comment")))
	for _, k := range []string{"interface", "interface_in", "interface_out", "from_ip", "from_port", "to_ip", "to_port", "name", "comment"} {
		if strings.ContainsAny(a.String(k), "\n\r") {
			return nil, k + " must not hold a line break"
		}
	}
	return parts, ""
}

// insertPosition computes Ansible's insert number; ok is false when the
// position is past the last rule (the rule is then appended).
func insertPosition(insert int, relative string, v4, v6 int) (int, bool) {
	if relative == "zero" {
		return insert, true
	}
	last := v4 + v6
	var rel int
	switch relative {
	case "first-ipv4":
		rel = 1
	case "last-ipv4":
		rel = max(v4, 1)
	case "first-ipv6":
		rel = v4 + 1
		if v4 == 0 {
			rel = 1
		}
	case "last-ipv6":
		rel = last
		if v6 == 0 {
			rel = last + 1
		}
	}
	pos := insert + rel
	return pos, pos <= last
}

// dryRunChanges compares the tuple lines a --dry-run would write with the
// current ones, restricted to one address family when the rule names one.
func dryRunChanges(dry, pre, from, to string) bool {
	lines := strings.SplitAfter(dry, "\n")
	skipping := 0
	for _, l := range lines {
		if strings.Contains(l, "Skipping") {
			skipping++
		}
	}
	nonEmpty := slices.DeleteFunc(slices.Clone(lines), func(s string) bool { return s == "" })
	if skipping > 0 && skipping == len(nonEmpty) {
		return false
	}
	var tuples strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "### tuple") {
			tuples.WriteString(l)
		}
	}
	filter := func(re *regexp.Regexp, s string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(s, "\n") {
			if re.MatchString(l) {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	startsWith := func(re *regexp.Regexp, s string) bool {
		loc := re.FindStringIndex(s)
		return loc != nil && loc[0] == 0
	}
	switch {
	case startsWith(ipv4Re, from) || startsWith(ipv4Re, to):
		return filter(ipv4Re, pre) != filter(ipv4Re, tuples.String())
	case startsWith(ipv6Re, from) || startsWith(ipv6Re, to):
		return filter(ipv6Re, pre) != filter(ipv6Re, tuples.String())
	}
	return pre != tuples.String()
}
