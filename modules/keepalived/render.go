package keepalived

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// header opens every rendered file.
const header = "# Managed by hactl (keepalived_vrrp): change the playbook, not this file.\n"

// render writes keepalived.conf: global_defs, scripts, sync groups, then
// instances, each in the order the task gave them, every key in a fixed
// order, so the same arguments always give the same bytes.
func (c config) render() string {
	var b strings.Builder
	b.WriteString(header)
	g := c.global
	if g.routerID != "" || g.enableScriptSecurity || g.scriptUser != "" || len(g.extra) > 0 {
		b.WriteString("\nglobal_defs {\n")
		line(&b, 1, "router_id", g.routerID)
		if g.enableScriptSecurity {
			line(&b, 1, "enable_script_security")
		}
		line(&b, 1, "script_user", g.scriptUser)
		for _, e := range g.extra {
			line(&b, 1, e)
		}
		b.WriteString("}\n")
	}
	for _, s := range c.scripts {
		fmt.Fprintf(&b, "\nvrrp_script %s {\n", s.name)
		line(&b, 1, "script", quote(s.cmd))
		num(&b, "interval", s.interval)
		num(&b, "timeout", s.timeout)
		if s.weight != nil {
			line(&b, 1, "weight", strconv.Itoa(*s.weight))
		}
		num(&b, "fall", s.fall)
		num(&b, "rise", s.rise)
		line(&b, 1, "user", s.user)
		b.WriteString("}\n")
	}
	for _, g := range c.groups {
		fmt.Fprintf(&b, "\nvrrp_sync_group %s {\n    group {\n", g.name)
		for _, m := range g.members {
			line(&b, 2, m)
		}
		b.WriteString("    }\n")
		for _, n := range g.notify {
			line(&b, 1, n.key, quote(n.value))
		}
		b.WriteString("}\n")
	}
	for _, in := range c.instances {
		in.render(&b)
	}
	return b.String()
}

func (in instance) render(b *strings.Builder) {
	fmt.Fprintf(b, "\nvrrp_instance %s {\n", in.name)
	line(b, 1, "state", in.state)
	line(b, 1, "interface", in.iface)
	line(b, 1, "virtual_router_id", strconv.Itoa(in.vrid))
	line(b, 1, "priority", strconv.Itoa(in.priority))
	num(b, "advert_int", in.advertInt)
	if in.nopreempt {
		line(b, 1, "nopreempt")
	}
	num(b, "preempt_delay", in.preemptDelay)
	if in.authType != "" {
		b.WriteString("    authentication {\n")
		line(b, 2, "auth_type", in.authType)
		line(b, 2, "auth_pass", in.authPass)
		b.WriteString("    }\n")
	}
	line(b, 1, "unicast_src_ip", in.srcIP)
	if len(in.peers) > 0 {
		b.WriteString("    unicast_peer {\n")
		for _, p := range in.peers {
			line(b, 2, p)
		}
		b.WriteString("    }\n")
	}
	b.WriteString("    virtual_ipaddress {\n")
	for _, v := range in.vips {
		w := []string{v.prefix.String()}
		if v.dev != "" {
			w = append(w, "dev", v.dev)
		}
		if v.scope != "" {
			w = append(w, "scope", v.scope)
		}
		if v.label != "" {
			w = append(w, "label", v.label)
		}
		line(b, 2, w...)
	}
	b.WriteString("    }\n")
	block(b, "track_interface", in.trackIfaces)
	block(b, "track_script", in.trackScripts)
	for _, n := range in.notify {
		line(b, 1, n.key, quote(n.value))
	}
	for _, e := range in.extra {
		line(b, 1, e)
	}
	b.WriteString("}\n")
}

// line writes an indented line of words; nothing when the last word is
// empty (an unset value).
func line(b *strings.Builder, depth int, words ...string) {
	if len(words) == 0 || words[len(words)-1] == "" {
		return
	}
	b.WriteString(strings.Repeat("    ", depth))
	b.WriteString(strings.Join(words, " "))
	b.WriteString("\n")
}

// num writes a positive number (zero means unset).
func num(b *strings.Builder, key string, n int) {
	if n > 0 {
		line(b, 1, key, strconv.Itoa(n))
	}
}

func block(b *strings.Builder, key string, items []weighted) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "    %s {\n", key)
	for _, it := range items {
		if it.weight != nil {
			line(b, 2, it.name, "weight", strconv.Itoa(*it.weight))
		} else {
			line(b, 2, it.name)
		}
	}
	b.WriteString("    }\n")
}

// quote wraps text holding spaces in double quotes (the values were
// checked to hold none).
func quote(s string) string {
	if s == "" || !strings.ContainsAny(s, " \t") {
		return s
	}
	return `"` + s + `"`
}

// authLine finds auth_pass values to hide them in diffs.
var authLine = regexp.MustCompile(`(?m)^(\s*auth_pass\s+)\S+`)

// maskSecrets hides authentication passwords.
func maskSecrets(text string) string {
	return authLine.ReplaceAllString(text, "${1}********")
}

// vipsIn lists the addresses (without prefix) of a rendered or live
// configuration's virtual_ipaddress blocks, for keepalived_info.
func vipsIn(text string) []string {
	var out []string
	depth, in := 0, -1
	for raw := range strings.SplitSeq(text, "\n") {
		l := raw
		if i := strings.IndexAny(l, "#!"); i >= 0 {
			l = l[:i]
		}
		w := strings.Fields(l)
		if in >= 0 && depth == in && len(w) > 0 && w[0] != "}" {
			a, _, _ := strings.Cut(w[0], "/")
			out = append(out, a)
		}
		if len(w) > 0 && (w[0] == "virtual_ipaddress" || w[0] == "virtual_ipaddress_excluded") && strings.Contains(l, "{") {
			in = depth + 1
		}
		depth += strings.Count(l, "{") - strings.Count(l, "}")
		if in >= 0 && depth < in {
			in = -1
		}
	}
	return out
}
