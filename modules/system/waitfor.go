package system

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(WaitFor{}) }

// WaitFor is the wait_for module.
type WaitFor struct{}

// tcpStates maps connection state names to their /proc/net/tcp codes.
var tcpStates = map[string]string{
	"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04", "FIN_WAIT2": "05",
	"TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08", "LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B",
}

// Spec describes the wait_for module.
func (WaitFor) Spec() module.Spec {
	return module.Spec{
		Name:  "wait_for",
		Short: "Wait for a port, a file or a string to appear or go away",
		Doc: `Waits, on the host, until a TCP port accepts connections (started) or refuses them (stopped), until a file exists (present/started) or is gone (absent), until a file or what a port sends matches search_regex, or until a port has no more active connections (drained). Without port or path it just sleeps for timeout seconds.

The whole polling loop runs on the host in one bash script (connections through bash's /dev/tcp, regular expressions with grep -P, connections counted from /proc/net/tcp and tcp6), so polling costs no SSH round trips. match_groups and match_groupdict are computed from the matched text with Go's regexp; a Python-only construct leaves them empty.`,
		Params: []module.Param{
			{Name: "host", Type: module.Str, Default: "127.0.0.1", Doc: "The host to connect to, as seen from the target."},
			{Name: "timeout", Type: module.Int, Default: 300, Doc: "Maximum number of seconds to wait."},
			{Name: "connect_timeout", Type: module.Int, Default: 5, Doc: "Seconds to wait for one connection attempt."},
			{Name: "delay", Type: module.Int, Default: 0, Doc: "Seconds to wait before the first check."},
			{Name: "port", Type: module.Int, Doc: "The TCP port to check."},
			{Name: "active_connection_states", Type: module.List, Elements: module.Str, Default: []any{"ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"}, Doc: "Connection states counted as active for state drained."},
			{Name: "path", Type: module.Path, Doc: "The file to check."},
			{Name: "search_regex", Type: module.Str, Doc: "A (Python-style, multiline) regular expression to find in the file or in what the port sends."},
			{Name: "state", Type: module.Str, Default: "started", Choices: []any{"absent", "drained", "present", "started", "stopped"}, Doc: "The condition to wait for."},
			{Name: "exclude_hosts", Type: module.List, Elements: module.Str, Doc: "With drained, IPv4 addresses whose connections are not counted."},
			{Name: "sleep", Type: module.Int, Default: 1, Doc: "Seconds to sleep between checks."},
			{Name: "msg", Type: module.Str, Doc: "The failure message instead of the default one."},
		},
		Examples: `- name: Wait for MariaDB on the node itself
  wait_for:
    port: 3306
    timeout: 60

- name: Wait until HAProxy's backend is drained before maintenance
  wait_for:
    port: 8080
    state: drained
    exclude_hosts: [10.77.0.13]

- name: Wait for Galera to log that it is synced
  wait_for:
    path: /var/log/mysql/error.log
    search_regex: 'WSREP: Synchronized with group, ready for connections'`,
		Returns: []module.ReturnValue{
			{Name: "elapsed", Type: module.Int, Doc: "Seconds waited."},
			{Name: "match_groups", Type: module.List, Doc: "The groups of the search_regex match."},
			{Name: "match_groupdict", Type: module.Dict, Doc: "The named groups of the search_regex match."},
			{Name: "state", Type: module.Str, Doc: "The state argument."},
			{Name: "port", Type: module.Int, Doc: "The port argument."},
			{Name: "path", Type: module.Str, Doc: "The path argument."},
			{Name: "search_regex", Type: module.Str, Doc: "The search_regex argument."},
		},
	}
}

// waitScript is run by bash with: mode host port path regex timeout
// connect_timeout delay sleep states exclude. It prints "@@ok ELAPSED",
// "@@timeout ELAPSED" or "@@staterr ELAPSED MSG", then for a regex match
// "@@data BASE64".
const waitScript = `mode=$1 h=$2 p=$3 f=$4 re=$5 to=$6 ct=$7 delay=$8 sl=$9 states=${10} excl=${11}
SECONDS=0
[ "$delay" -gt 0 ] && sleep "$delay"
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
left() { echo $(( to - SECONDS )); }
connect() { local t=$ct l; l=$(left); [ "$l" -lt "$t" ] && t=$l; [ "$t" -lt 1 ] && t=1
  timeout "$t" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null; }
match() { grep -qPz -e "(?m)$re" "$1" 2>/dev/null; }
done_ok() { echo "@@ok $SECONDS"; if [ -n "$2" ]; then printf '@@data '; base64 -w0 < "$2"; echo; fi; exit 0; }
active() { awk -v port="$p" -v states="$states" -v excl="$excl" '
  function ip4(hex,  i, s) { s=""; for (i = 7; i >= 1; i -= 2) s = s (s == "" ? "" : ".") strtonum("0x" substr(hex, i, 2)); return s }
  FNR > 1 { split($2, l, ":"); split($3, r, ":"); if (strtonum("0x" l[2]) != port) next
    if (index(" " states " ", " " $4 " ") == 0) next
    if (length(r[1]) == 8 && index(" " excl " ", " " ip4(r[1]) " ")) next
    n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
case $mode in
sleep) sleep "$to"; done_ok ;;
path-absent) while [ "$SECONDS" -lt "$to" ]; do [ -e "$f" ] || done_ok; sleep "$sl"; done ;;
port-stopped) while [ "$SECONDS" -lt "$to" ]; do connect || done_ok; sleep "$sl"; done ;;
path-started)
  while [ "$SECONDS" -lt "$to" ]; do
    if [ -e "$f" ]; then
      [ -z "$re" ] && done_ok
      if [ -r "$f" ] && cp -- "$f" "$tmp" 2>/dev/null && match "$tmp"; then done_ok x "$tmp"; fi
    elif err=$(stat -- "$f" 2>&1); then :; else case $err in *"No such file"*) ;; *) echo "@@staterr $SECONDS ${err##*: }"; exit 0;; esac
    fi
    sleep "$sl"
  done ;;
port-started)
  while [ "$SECONDS" -lt "$to" ]; do
    if [ -z "$re" ]; then connect && done_ok
    elif connect; then
      : > "$tmp"
      timeout "$(left)" bash -c 'exec 3<>"/dev/tcp/$0/$1" && exec cat <&3' "$h" "$p" > "$tmp" 2>/dev/null & pid=$!
      while kill -0 "$pid" 2>/dev/null; do
        if match "$tmp"; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done_ok x "$tmp"; fi
        sleep 0.1
      done
      wait "$pid" 2>/dev/null
      match "$tmp" && done_ok x "$tmp"
    fi
    sleep "$sl"
  done ;;
drained) while [ "$SECONDS" -lt "$to" ]; do [ "$(active)" = 0 ] && done_ok; sleep "$sl"; done ;;
esac
echo "@@timeout $SECONDS"
`

// waitMode picks the script's mode from the arguments.
func waitMode(a module.Args) string {
	port, p, state := a.Has("port") && a.Int("port") != 0, a.String("path") != "", a.String("state")
	switch {
	case !port && !p && state != "drained":
		return "sleep"
	case state == "absent" || state == "stopped":
		if p {
			return "path-absent"
		}
		return "port-stopped"
	case state == "drained":
		return "drained"
	case p:
		return "path-started"
	}
	return "port-started"
}

// Run waits.
func (WaitFor) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	state, p, host, re := a.String("state"), a.String("path"), a.String("host"), a.String("search_regex")
	port := a.Int("port")
	data := map[string]any{"elapsed": 0}
	fail := func(format string, v ...any) (module.Result, error) {
		r := module.Failf(format, v...)
		r.Data = data
		return r, nil
	}
	var goRe *regexp.Regexp
	if a.Has("search_regex") {
		var err error
		if goRe, err = regexp.Compile("(?m)" + re); err != nil && strings.Contains(err.Error(), "invalid") && !strings.Contains(re, "(?") && !strings.Contains(re, `\`) {
			return fail("Invalid regular expression: %s", err)
		}
	}
	switch {
	case port != 0 && p != "":
		return fail("port and path parameter can not both be passed to wait_for")
	case p != "" && state == "stopped":
		return fail("state=stopped should only be used for checking a port in the wait_for module")
	case p != "" && state == "drained":
		return fail("state=drained should only be used for checking a port in the wait_for module")
	case a.Has("exclude_hosts") && state != "drained":
		return fail("exclude_hosts should only be with state=drained")
	}
	var codes []string
	for _, s := range a.Strings("active_connection_states") {
		c, ok := tcpStates[s]
		if !ok {
			return fail("unknown active_connection_state (%s) defined", s)
		}
		codes = append(codes, c)
	}
	if strings.ContainsAny(host, "/\n") {
		return fail("wait_for: %q is not a host name", host)
	}
	args := []string{"bash", "-c", waitScript, "wait_for", waitMode(a), host, strconv.Itoa(port), p, re,
		strconv.Itoa(a.Int("timeout")), strconv.Itoa(a.Int("connect_timeout")), strconv.Itoa(a.Int("delay")),
		strconv.Itoa(a.Int("sleep")), strings.Join(codes, " "), strings.Join(a.Strings("exclude_hosts"), " ")}
	limit := time.Duration(a.Int("timeout")+a.Int("delay")+a.Int("connect_timeout")+60) * time.Second
	out, err := hostcmd.Run(ctx, t.Conn, "wait_for", transport.QuoteArgs(args), transport.RunOpts{Timeout: limit, Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return module.Result{}, err
	}
	verdict, elapsed, text := parseWait(out.Stdout)
	data["elapsed"] = elapsed
	switch verdict {
	case "ok":
	case "staterr":
		return fail("%s", orMsg(a, fmt.Sprintf("Failed to stat %s, %s", p, text)))
	case "timeout":
		return fail("%s", orMsg(a, timeoutMsg(state, host, port, p, re)))
	default:
		return module.Result{}, fmt.Errorf("wait_for: exit status %d: %s", out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	groups, named := []any{}, map[string]any{}
	if goRe != nil && text != "" {
		if m := goRe.FindStringSubmatch(text); m != nil {
			for i, g := range m[1:] {
				groups = append(groups, g)
				if n := goRe.SubexpNames()[i+1]; n != "" {
					named[n] = g
				}
			}
		}
	}
	data["state"], data["port"], data["path"], data["search_regex"] = state, nilIfAbsent(a, "port"), nilIfAbsent(a, "path"), nilIfAbsent(a, "search_regex")
	data["match_groups"], data["match_groupdict"] = groups, named
	return module.Result{Data: data}, nil
}

func nilIfAbsent(a module.Args, name string) any {
	if !a.Has(name) {
		return nil
	}
	return a[name]
}

func orMsg(a module.Args, def string) string {
	if a.Has("msg") && a.String("msg") != "" {
		return a.String("msg")
	}
	return def
}

func timeoutMsg(state, host string, port int, p, re string) string {
	switch {
	case state == "drained":
		return fmt.Sprintf("Timeout when waiting for %s:%d to drain", host, port)
	case state == "stopped":
		return fmt.Sprintf("Timeout when waiting for %s:%d to stop.", host, port)
	case state == "absent":
		return fmt.Sprintf("Timeout when waiting for %s to be absent.", p)
	case port != 0 && re != "":
		return fmt.Sprintf("Timeout when waiting for search string %s in %s:%d", re, host, port)
	case port != 0:
		return fmt.Sprintf("Timeout when waiting for %s:%d", host, port)
	case re != "":
		return fmt.Sprintf("Timeout when waiting for search string %s in %s", re, p)
	}
	return fmt.Sprintf("Timeout when waiting for file %s", p)
}

// parseWait reads the script's verdict, elapsed seconds and the matched
// data (or the stat error).
func parseWait(out string) (verdict string, elapsed int, text string) {
	for l := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(l, "@@data "); ok {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			text = string(b)
			continue
		}
		rest, ok := strings.CutPrefix(l, "@@")
		if !ok {
			continue
		}
		f := strings.SplitN(rest, " ", 3)
		if len(f) < 2 {
			continue
		}
		verdict = f[0]
		elapsed, _ = strconv.Atoi(f[1])
		if len(f) == 3 {
			text = f[2]
		}
	}
	return verdict, elapsed, text
}
