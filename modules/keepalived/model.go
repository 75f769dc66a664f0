package keepalived

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// config is the whole keepalived.conf the task describes.
type config struct {
	global    globalDefs
	scripts   []script
	groups    []syncGroup
	instances []instance
	warnings  []string
}

type globalDefs struct {
	routerID             string
	enableScriptSecurity bool
	scriptUser           string
	extra                []string
}

type script struct {
	name, cmd, user               string
	interval, timeout, fall, rise int
	weight                        *int
}

type syncGroup struct {
	name    string
	members []string
	notify  []kv
}

type weighted struct {
	name   string
	weight *int
}

type vip struct {
	prefix netip.Prefix
	dev    string
	label  string
	scope  string
}

type kv struct{ key, value string }

type instance struct {
	name, iface, state string
	vrid, priority     int
	advertInt          int
	nopreempt          bool
	preemptDelay       int
	authType, authPass string
	srcIP              string
	peers              []string
	vips               []vip
	trackScripts       []weighted
	trackIfaces        []weighted
	notify             []kv
	extra              []string
}

// word is what a bare token (names, interfaces, users) may contain.
var word = regexp.MustCompile(`^[A-Za-z0-9_.:@/+-]+$`)

// notifyKeys are the notify hooks, in the order they are written.
var notifyKeys = []string{"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"}

// parseConfig reads and checks the task's arguments.
func parseConfig(global map[string]any, scripts, groups, instances []any) (config, error) {
	var c config
	var err error
	if c.global, err = parseGlobal(global); err != nil {
		return c, err
	}
	names := map[string]bool{}
	for i, raw := range scripts {
		s, err := parseScript(i, raw)
		if err != nil {
			return c, err
		}
		if names[s.name] {
			return c, fmt.Errorf("scripts: %q defined twice", s.name)
		}
		names[s.name] = true
		c.scripts = append(c.scripts, s)
	}
	if len(instances) == 0 {
		return c, fmt.Errorf("instances: at least one vrrp instance is required")
	}
	inst := map[string]bool{}
	vrids := map[string]string{}
	for i, raw := range instances {
		in, warn, err := parseInstance(i, raw)
		if err != nil {
			return c, err
		}
		if inst[in.name] {
			return c, fmt.Errorf("instances: %q defined twice", in.name)
		}
		inst[in.name] = true
		key := in.iface + "/" + strconv.Itoa(in.vrid)
		if other, dup := vrids[key]; dup {
			return c, fmt.Errorf("instances %s and %s both use virtual_router_id %d on %s", other, in.name, in.vrid, in.iface)
		}
		vrids[key] = in.name
		for _, ts := range in.trackScripts {
			if !names[ts.name] {
				return c, fmt.Errorf("instance %s: track_script %q is not among scripts", in.name, ts.name)
			}
		}
		c.warnings = append(c.warnings, warn...)
		c.instances = append(c.instances, in)
	}
	seen := map[string]string{}
	for i, raw := range groups {
		g, err := parseGroup(i, raw)
		if err != nil {
			return c, err
		}
		for _, m := range g.members {
			if !inst[m] {
				return c, fmt.Errorf("sync group %s: instance %q is not among instances", g.name, m)
			}
			if other, dup := seen[m]; dup {
				return c, fmt.Errorf("instance %s is in sync groups %s and %s", m, other, g.name)
			}
			seen[m] = g.name
		}
		c.groups = append(c.groups, g)
	}
	return c, nil
}

// fields wraps one mapping argument for typed, checked reads.
type fields struct {
	where string
	m     map[string]any
	err   error
}

func newFields(where string, raw any, allowed ...string) (*fields, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a mapping, got %T", where, raw)
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("%s: unsupported key %q (supported: %s)", where, k, strings.Join(allowed, ", "))
		}
	}
	return &fields{where: where, m: m}, nil
}

func (f *fields) fail(format string, a ...any) {
	if f.err == nil {
		f.err = fmt.Errorf(f.where+": "+format, a...)
	}
}

func (f *fields) has(k string) bool { v, ok := f.m[k]; return ok && v != nil }

// str reads a string; bare tokens must be one word.
func (f *fields) str(k string, bare bool) string {
	v, ok := f.m[k]
	if !ok || v == nil {
		return ""
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int, int64, float64, bool:
		s = fmt.Sprint(x)
	default:
		f.fail("%s must be a string, got %T", k, v)
		return ""
	}
	if bare && s != "" && !word.MatchString(s) {
		f.fail("%s %q must be one word (letters, digits, _ . : @ / + -)", k, s)
	}
	if !bare && strings.ContainsAny(s, "\"\n\r{}") {
		f.fail("%s %q must not contain quotes, braces or newlines", k, s)
	}
	return s
}

func (f *fields) integer(k string, lo, hi int) int {
	v, ok := f.m[k]
	if !ok || v == nil {
		return 0
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		n = int(x)
		if float64(n) != x {
			f.fail("%s must be an integer", k)
		}
	case string:
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(x)); err != nil {
			f.fail("%s %q is not an integer", k, x)
		}
	default:
		f.fail("%s must be an integer, got %T", k, v)
	}
	if n < lo || n > hi {
		f.fail("%s %d is out of range %d-%d", k, n, lo, hi)
	}
	return n
}

func (f *fields) optInt(k string, lo, hi int) *int {
	if !f.has(k) {
		return nil
	}
	n := f.integer(k, lo, hi)
	return &n
}

func (f *fields) boolean(k string) bool {
	switch x := f.m[k].(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "yes", "true", "on", "1":
			return true
		case "no", "false", "off", "0", "":
			return false
		}
	}
	f.fail("%s must be a boolean", k)
	return false
}

func (f *fields) list(k string) []any {
	switch x := f.m[k].(type) {
	case nil:
		return nil
	case []any:
		return x
	case string:
		return []any{x}
	}
	f.fail("%s must be a list", k)
	return nil
}

func (f *fields) words(k string) []string {
	var out []string
	for _, v := range f.list(k) {
		s, ok := v.(string)
		if !ok || !word.MatchString(s) {
			f.fail("%s: %v must be one word", k, v)
			continue
		}
		out = append(out, s)
	}
	return out
}

// lines reads raw extra lines; they may not open or close blocks.
func (f *fields) lines(k string) []string {
	var out []string
	for _, v := range f.list(k) {
		s, ok := v.(string)
		if !ok || strings.ContainsAny(s, "\n\r{}") || strings.TrimSpace(s) == "" {
			f.fail("%s: %v must be one non-empty line without braces", k, v)
			continue
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

func parseGlobal(raw map[string]any) (globalDefs, error) {
	if raw == nil {
		return globalDefs{}, nil
	}
	f, err := newFields("global_defs", raw, "router_id", "enable_script_security", "script_user", "extra")
	if err != nil {
		return globalDefs{}, err
	}
	g := globalDefs{routerID: f.str("router_id", true), enableScriptSecurity: f.boolean("enable_script_security"),
		scriptUser: f.str("script_user", true), extra: f.lines("extra")}
	return g, f.err
}

func parseScript(i int, raw any) (script, error) {
	f, err := newFields(fmt.Sprintf("scripts[%d]", i), raw, "name", "script", "interval", "timeout", "fall", "rise", "weight", "user")
	if err != nil {
		return script{}, err
	}
	s := script{name: f.str("name", true), cmd: f.str("script", false), user: f.str("user", false),
		interval: f.integer("interval", 0, 86400), timeout: f.integer("timeout", 0, 86400),
		fall: f.integer("fall", 0, 1000), rise: f.integer("rise", 0, 1000), weight: f.optInt("weight", -253, 253)}
	if s.name == "" || s.cmd == "" {
		f.fail("name and script are required")
	}
	return s, f.err
}

func parseGroup(i int, raw any) (syncGroup, error) {
	keys := append([]string{"name", "group"}, notifyKeys...)
	f, err := newFields(fmt.Sprintf("sync_groups[%d]", i), raw, keys...)
	if err != nil {
		return syncGroup{}, err
	}
	g := syncGroup{name: f.str("name", true), members: f.words("group")}
	if g.name == "" || len(g.members) == 0 {
		f.fail("name and group (a list of instances) are required")
	}
	for _, k := range notifyKeys {
		if s := f.str(k, false); s != "" {
			g.notify = append(g.notify, kv{k, s})
		}
	}
	return g, f.err
}

func parseInstance(i int, raw any) (instance, []string, error) {
	keys := append([]string{"name", "interface", "state", "virtual_router_id", "priority", "advert_int", "nopreempt",
		"preempt_delay", "authentication", "virtual_ipaddress", "unicast_src_ip", "unicast_peer", "track_script",
		"track_interface", "extra"}, notifyKeys...)
	where := fmt.Sprintf("instances[%d]", i)
	if m, ok := raw.(map[string]any); ok {
		if n, ok := m["name"].(string); ok {
			where = "instance " + n
		}
		// Accept the short names other roles use.
		for short, long := range map[string]string{"vrid": "virtual_router_id", "vips": "virtual_ipaddress", "unicast_peers": "unicast_peer", "track_scripts": "track_script", "track_interfaces": "track_interface"} {
			if v, ok := m[short]; ok {
				if _, both := m[long]; both {
					return instance{}, nil, fmt.Errorf("%s: give %s or %s, not both", where, short, long)
				}
				m = cloneWith(m, short, long, v)
			}
		}
		raw = m
	}
	f, err := newFields(where, raw, keys...)
	if err != nil {
		return instance{}, nil, err
	}
	in := instance{
		name: f.str("name", true), iface: f.str("interface", true), state: strings.ToUpper(f.str("state", true)),
		vrid: f.integer("virtual_router_id", 1, 255), priority: f.integer("priority", 1, 255),
		advertInt: f.integer("advert_int", 0, 255), nopreempt: f.boolean("nopreempt"),
		preemptDelay: f.integer("preempt_delay", 0, 1000), srcIP: f.str("unicast_src_ip", true),
		extra: f.lines("extra"),
	}
	if in.state == "" {
		in.state = "BACKUP"
	}
	if in.state != "MASTER" && in.state != "BACKUP" {
		f.fail("state must be MASTER or BACKUP, not %q", in.state)
	}
	if in.name == "" || in.iface == "" || !f.has("virtual_router_id") {
		f.fail("name, interface and virtual_router_id are required")
	}
	if in.priority == 0 {
		in.priority = 100
	}
	var warns []string
	if in.nopreempt && in.state == "MASTER" {
		warns = append(warns, fmt.Sprintf("instance %s: nopreempt only works with state BACKUP; keepalived ignores it with state MASTER", in.name))
	}
	if f.has("authentication") {
		a, err := newFields(where+": authentication", f.m["authentication"], "auth_type", "auth_pass")
		if err != nil {
			return in, nil, err
		}
		in.authType = strings.ToUpper(a.str("auth_type", true))
		in.authPass = a.str("auth_pass", true)
		if in.authType == "" {
			in.authType = "PASS"
		}
		if in.authType != "PASS" && in.authType != "AH" {
			a.fail("auth_type must be PASS or AH")
		}
		if in.authPass == "" {
			a.fail("auth_pass is required")
		}
		if len(in.authPass) > 8 {
			warns = append(warns, fmt.Sprintf("instance %s: keepalived uses only the first 8 characters of auth_pass", in.name))
		}
		if a.err != nil {
			return in, nil, a.err
		}
	}
	for _, p := range f.list("unicast_peer") {
		s := fmt.Sprint(p)
		if _, err := netip.ParseAddr(s); err != nil {
			f.fail("unicast_peer %q is not an IP address", s)
		}
		in.peers = append(in.peers, s)
	}
	if in.srcIP != "" {
		if _, err := netip.ParseAddr(in.srcIP); err != nil {
			f.fail("unicast_src_ip %q is not an IP address", in.srcIP)
		}
	}
	for j, v := range f.list("virtual_ipaddress") {
		x, err := parseVIP(v)
		if err != nil {
			f.fail("virtual_ipaddress[%d]: %v", j, err)
			continue
		}
		in.vips = append(in.vips, x)
	}
	if len(in.vips) == 0 {
		f.fail("virtual_ipaddress: at least one address is required")
	}
	in.trackScripts = parseWeighted(f, "track_script")
	in.trackIfaces = parseWeighted(f, "track_interface")
	for _, k := range notifyKeys {
		if s := f.str(k, false); s != "" {
			in.notify = append(in.notify, kv{k, s})
		}
	}
	return in, warns, f.err
}

func cloneWith(m map[string]any, drop, key string, v any) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		if k != drop {
			out[k] = x
		}
	}
	out[key] = v
	return out
}

// parseVIP reads "ip[/prefix] [dev X] [label Y] [scope Z]" or a mapping
// {address, dev, label, scope}.
func parseVIP(v any) (vip, error) {
	var addr string
	opts := map[string]string{}
	switch x := v.(type) {
	case string:
		w := strings.Fields(x)
		if len(w) == 0 || len(w)%2 == 0 {
			return vip{}, fmt.Errorf("%q: expected ADDRESS[/PREFIX] [dev IFACE] [label LABEL] [scope SCOPE]", x)
		}
		addr = w[0]
		for i := 1; i < len(w); i += 2 {
			opts[w[i]] = w[i+1]
		}
	case map[string]any:
		for k, e := range x {
			s := fmt.Sprint(e)
			if k == "address" || k == "ip" || k == "name" {
				addr = s
			} else {
				opts[k] = s
			}
		}
	default:
		return vip{}, fmt.Errorf("expected a string or a mapping, got %T", v)
	}
	out := vip{}
	for k, s := range opts {
		if !word.MatchString(s) {
			return vip{}, fmt.Errorf("%s %q must be one word", k, s)
		}
		switch k {
		case "dev":
			out.dev = s
		case "label":
			out.label = s
		case "scope":
			out.scope = s
		default:
			return vip{}, fmt.Errorf("unsupported option %q (dev, label, scope)", k)
		}
	}
	var err error
	if strings.Contains(addr, "/") {
		out.prefix, err = netip.ParsePrefix(addr)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(addr); err == nil {
			out.prefix = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil {
		return vip{}, fmt.Errorf("address %q: %w", addr, err)
	}
	return out, nil
}

// parseWeighted reads a list of names or {name, weight} mappings.
func parseWeighted(f *fields, k string) []weighted {
	var out []weighted
	for _, v := range f.list(k) {
		switch x := v.(type) {
		case string:
			if !word.MatchString(x) {
				f.fail("%s %q must be one word", k, x)
			}
			out = append(out, weighted{name: x})
		case map[string]any:
			g, err := newFields(f.where+": "+k, x, "name", "weight")
			if err != nil {
				f.fail("%v", err)
				continue
			}
			w := weighted{name: g.str("name", true), weight: g.optInt("weight", -254, 254)}
			if g.err != nil {
				f.fail("%v", g.err)
			}
			out = append(out, w)
		default:
			f.fail("%s: expected names or {name, weight}, got %T", k, v)
		}
	}
	return out
}
