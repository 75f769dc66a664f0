package facts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
)

var selinuxCollector = collector{
	name: "selinux", group: "min",
	snippets: []snippet{{"selinux", static(`if [ -r /sys/fs/selinux/enforce ]; then cat /sys/fs/selinux/enforce; cat /sys/fs/selinux/policyvers; fi`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("selinux")
		l := lines(body)
		if len(l) == 0 {
			f["selinux"] = map[string]any{"status": "disabled"}
			return
		}
		mode := "permissive"
		if l[0] == "1" {
			mode = "enforcing"
		}
		se := map[string]any{"status": "enabled", "mode": mode}
		if len(l) > 1 {
			se["policyvers"] = l[1]
		}
		f["selinux"] = se
	},
}

var apparmorCollector = collector{
	name: "apparmor", group: "min",
	snippets: []snippet{{"apparmor", static(`[ -e /sys/kernel/security/apparmor ] && echo enabled`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("apparmor")
		status := "disabled"
		if firstLine(body) == "enabled" {
			status = "enabled"
		}
		f["apparmor"] = map[string]any{"status": status}
	},
}

var dnsCollector = collector{
	name: "dns", group: "min",
	snippets: []snippet{{"dns", static(`cat /etc/resolv.conf`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("dns")
		dns := map[string]any{}
		var ns []any
		for _, l := range lines(body) {
			w := strings.Fields(l)
			if len(w) < 2 || strings.HasPrefix(w[0], "#") || strings.HasPrefix(w[0], ";") {
				continue
			}
			switch w[0] {
			case "nameserver":
				ns = append(ns, w[1])
			case "domain":
				dns["domain"] = w[1]
			case "search":
				dns["search"] = toAny(w[1:])
			case "sortlist":
				dns["sortlist"] = toAny(w[1:])
			case "options":
				opts := map[string]any{}
				for _, o := range w[1:] {
					k, v, ok := strings.Cut(o, ":")
					if ok {
						opts[k] = v
					} else {
						opts[k] = true
					}
				}
				dns["options"] = opts
			}
		}
		if ns != nil {
			dns["nameservers"] = ns
		}
		f["dns"] = dns
	},
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

var cmdlineCollector = collector{
	name: "cmdline", group: "min",
	snippets: []snippet{{"cmdline", static(`cat /proc/cmdline`)}},
	parse: func(s sections, f factMap) {
		body, ok := s.get("cmdline")
		if !ok {
			return
		}
		cmd, proc := map[string]any{}, map[string]any{}
		for _, w := range strings.Fields(body) {
			k, v, hasValue := strings.Cut(w, "=")
			var val any = true
			if hasValue {
				val = v
			}
			cmd[k] = val
			switch old, seen := proc[k]; {
			case !seen:
				proc[k] = val
			default:
				if l, isList := old.([]any); isList {
					proc[k] = append(l, val)
				} else {
					proc[k] = []any{old, val}
				}
			}
		}
		f["cmdline"], f["proc_cmdline"] = cmd, proc
	},
}

var fipsCollector = collector{
	name: "fips", group: "min",
	snippets: []snippet{{"fips", static(`cat /proc/sys/crypto/fips_enabled`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("fips")
		f["fips"] = firstLine(body) == "1"
	},
}

var sshKeysCollector = collector{
	name: "ssh_pub_keys", group: "min",
	snippets: []snippet{{"ssh_keys", static(`for k in /etc/ssh/ssh_host_*_key.pub; do [ -r "$k" ] && head -n 1 "$k"; done`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("ssh_keys")
		for _, l := range lines(body) {
			w := strings.Fields(l)
			if len(w) < 2 {
				continue
			}
			alg := ""
			switch {
			case w[0] == "ssh-rsa":
				alg = "rsa"
			case w[0] == "ssh-dss":
				alg = "dsa"
			case strings.HasPrefix(w[0], "ecdsa-"):
				alg = "ecdsa"
			case w[0] == "ssh-ed25519":
				alg = "ed25519"
			default:
				continue
			}
			f["ssh_host_key_"+alg+"_public"] = w[1]
			f["ssh_host_key_"+alg+"_public_keytype"] = w[0]
		}
	},
}

// localCollector reads local facts: *.fact files under fact_path, run
// when executable, read otherwise; JSON or INI.
var localCollector = collector{
	name: "local", group: "min",
	snippets: []snippet{{"local_facts", func(marker string, p scriptParams) string {
		return fmt.Sprintf(`for f in %s/*.fact; do [ -f "$f" ] || continue; %s; printf '%%s\n' "${f##*/}"; if [ -x "$f" ]; then "$f"; else cat "$f"; fi; done`,
			shellx.Path(p.factPath), header(marker, "local"))
	}}},
	parse: func(s sections, f factMap) {
		local := map[string]any{}
		for _, body := range s.all("local") {
			name, content, _ := strings.Cut(body, "\n")
			name = strings.TrimSuffix(strings.TrimSpace(name), ".fact")
			if name == "" {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(content), &v); err == nil {
				local[name] = normalizeNumbers(v)
			} else if ini, ok := parseINI(content); ok {
				local[name] = ini
			} else {
				local[name] = fmt.Sprintf("error loading facts as JSON or ini - please check content: %s", name)
			}
		}
		f["local"] = local
	},
}

// parseINI reads [section] key=value text into nested maps.
func parseINI(text string) (map[string]any, bool) {
	out := map[string]any{}
	var cur map[string]any
	for _, l := range lines(text) {
		switch {
		case strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			cur = map[string]any{}
			out[strings.TrimSpace(l[1:len(l)-1])] = cur
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				k, v, ok = strings.Cut(l, ":")
			}
			if !ok || cur == nil {
				return nil, false
			}
			cur[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out, len(out) > 0
}
