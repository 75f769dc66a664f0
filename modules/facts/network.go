package facts

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The addresses Ansible asks the kernel a route to, to find the default
// interfaces (nothing is sent to them).
const (
	probe4 = "8.8.8.8"
	probe6 = "2404:6800:400a:800::1012"
)

// sysTypes maps /sys/class/net/*/type (ARPHRD_*) to Ansible's type names.
var sysTypes = map[string]string{"1": "ether", "32": "infiniband", "512": "ppp", "772": "loopback", "65534": "tunnel"}

var networkCollector = collector{
	name: "network", group: "network",
	snippets: []snippet{
		{"netsys", static(`for d in /sys/class/net/*; do [ -e "$d" ] || continue
a=; m=; o=; t=; b=; s=
read -r a < "$d/address"; read -r m < "$d/mtu"; read -r o < "$d/operstate"; read -r t < "$d/type"; read -r s < "$d/speed"
if [ -d "$d/bridge" ]; then b=bridge; for p in "$d"/brif/*; do [ -e "$p" ] && b="$b,${p##*/}"; done; fi
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${d##*/}" "$a" "$m" "$o" "$t" "$b" "$s"; done`)},
		{"ipaddr", func(marker string, _ scriptParams) string {
			return "ip -j -d addr show || { " + header(marker, "ipaddr_text") + "; ip -o addr show; }"
		}},
		{"route4", func(marker string, _ scriptParams) string {
			return "ip -j -4 route get " + probe4 + " || { " + header(marker, "route4_text") + "; ip -4 route get " + probe4 + "; }"
		}},
		{"route6", func(marker string, _ scriptParams) string {
			return "ip -j -6 route get " + probe6 + " || { " + header(marker, "route6_text") + "; ip -6 route get " + probe6 + "; }"
		}},
	},
	parse: parseNetwork,
}

// iface is what we learn about one interface.
type iface struct {
	name  string
	facts map[string]any
	v4    []map[string]any
	v6    []map[string]any
}

// ipAddrJSON is one entry of `ip -j -d addr show`.
type ipAddrJSON struct {
	IfName   string   `json:"ifname"`
	Flags    []string `json:"flags"`
	MTU      int      `json:"mtu"`
	Address  string   `json:"address"`
	LinkType string   `json:"link_type"`
	LinkInfo *struct {
		InfoKind string `json:"info_kind"`
	} `json:"linkinfo"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
		Broadcast string `json:"broadcast"`
		Scope     string `json:"scope"`
		Secondary bool   `json:"secondary"`
	} `json:"addr_info"`
}

func parseNetwork(s sections, f factMap) {
	var order []string
	ifs := map[string]*iface{}
	get := func(name string) *iface {
		if i, ok := ifs[name]; ok {
			return i
		}
		i := &iface{name: name, facts: map[string]any{"device": name}}
		ifs[name] = i
		order = append(order, name)
		return i
	}
	body, _ := s.get("netsys")
	for _, l := range strings.Split(body, "\n") {
		w := strings.Split(l, "\t")
		if len(w) < 7 || w[0] == "" {
			continue
		}
		i := get(w[0])
		typ := sysTypes[w[4]]
		if typ == "" {
			typ = "unknown"
		}
		if w[1] != "" && typ != "loopback" {
			i.facts["macaddress"] = w[1]
		}
		if mtu, err := strconv.Atoi(w[2]); err == nil {
			i.facts["mtu"] = mtu
		}
		i.facts["active"] = w[3] != "down"
		if speed, err := strconv.Atoi(w[6]); err == nil && typ == "ether" {
			i.facts["speed"] = speed
		}
		i.facts["type"] = typ
		if strings.HasPrefix(w[5], "bridge") {
			i.facts["type"] = "bridge"
			members := strings.Split(w[5], ",")[1:]
			i.facts["interfaces"] = toAny(members)
		}
	}
	if raw, ok := s.get("ipaddr"); ok && strings.HasPrefix(strings.TrimSpace(raw), "[") {
		var entries []ipAddrJSON
		if json.Unmarshal([]byte(raw), &entries) == nil {
			for _, e := range entries {
				i := get(e.IfName)
				i.facts["promisc"] = contains(e.Flags, "PROMISC")
				if e.MTU > 0 {
					i.facts["mtu"] = e.MTU
				}
				if _, ok := i.facts["type"]; !ok {
					i.facts["type"] = e.LinkType
				}
				if _, ok := i.facts["macaddress"]; !ok && e.Address != "" && e.LinkType != "loopback" && e.LinkType != "none" {
					i.facts["macaddress"] = e.Address
				}
				for _, a := range e.AddrInfo {
					i.add(a.Family, a.Local, a.PrefixLen, a.Broadcast, a.Scope)
				}
			}
		}
	} else if text, ok := s.get("ipaddr_text"); ok {
		for _, l := range lines(text) {
			name, fam, addr, plen, brd, scope, ok := parseIPOLine(l)
			if ok {
				get(name).add(fam, addr, plen, brd, scope)
			}
		}
	}

	var all4, all6 []any
	names := make([]any, 0, len(order))
	for _, n := range order {
		i := ifs[n]
		names = append(names, n)
		if len(i.v4) > 0 {
			i.facts["ipv4"] = i.v4[0]
			if len(i.v4) > 1 {
				i.facts["ipv4_secondaries"] = mapsToAny(i.v4[1:])
			}
		}
		if len(i.v6) > 0 {
			i.facts["ipv6"] = mapsToAny(i.v6)
		}
		for _, a := range i.v4 {
			if addr := a["address"].(string); !strings.HasPrefix(addr, "127.") {
				all4 = append(all4, addr)
			}
		}
		for _, a := range i.v6 {
			if addr := a["address"].(string); addr != "::1" {
				all6 = append(all6, addr)
			}
		}
		f[strings.ReplaceAll(n, "-", "_")] = i.facts
	}
	f["interfaces"] = names
	f["all_ipv4_addresses"] = orEmpty(all4)
	f["all_ipv6_addresses"] = orEmpty(all6)
	f["default_ipv4"] = defaultRoute(s, "route4", ifs, "ipv4")
	f["default_ipv6"] = defaultRoute(s, "route6", ifs, "ipv6")
}

// add records one address of the interface.
func (i *iface) add(family, addr string, plen int, brd, scope string) {
	switch family {
	case "inet":
		p, err := netip.ParsePrefix(fmt.Sprintf("%s/%d", addr, plen))
		if err != nil {
			return
		}
		i.v4 = append(i.v4, map[string]any{
			"address": addr, "broadcast": brd, "netmask": netmask(plen),
			"network": p.Masked().Addr().String(), "prefix": strconv.Itoa(plen),
		})
	case "inet6":
		i.v6 = append(i.v6, map[string]any{"address": addr, "prefix": strconv.Itoa(plen), "scope": scope})
	}
}

// parseIPOLine reads one line of `ip -o addr show`.
func parseIPOLine(l string) (name, fam, addr string, plen int, brd, scope string, ok bool) {
	w := strings.Fields(l)
	if len(w) < 4 || (w[2] != "inet" && w[2] != "inet6") {
		return
	}
	name, fam = strings.TrimSuffix(w[1], ":"), w[2]
	a, p, found := strings.Cut(w[3], "/")
	if !found {
		return
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return
	}
	addr, plen = a, n
	for k := 4; k+1 < len(w); k++ {
		switch w[k] {
		case "brd":
			brd = w[k+1]
		case "scope":
			scope = w[k+1]
		}
	}
	return name, fam, addr, plen, brd, scope, true
}

// routeJSON is one entry of `ip -j route get`.
type routeJSON struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	PrefSrc string `json:"prefsrc"`
}

// defaultRoute builds default_ipv4 or default_ipv6: the route the kernel
// picks towards a public address, completed with the interface's facts.
func defaultRoute(s sections, name string, ifs map[string]*iface, family string) map[string]any {
	d := map[string]any{}
	if raw, ok := s.get(name); ok && strings.HasPrefix(strings.TrimSpace(raw), "[") {
		var routes []routeJSON
		if json.Unmarshal([]byte(raw), &routes) == nil && len(routes) > 0 {
			r := routes[0]
			setNonEmpty(d, "interface", r.Dev)
			setNonEmpty(d, "address", r.PrefSrc)
			setNonEmpty(d, "gateway", r.Gateway)
		}
	} else if text, ok := s.get(name + "_text"); ok {
		w := strings.Fields(firstLine(text))
		for k := 0; k+1 < len(w); k++ {
			switch w[k] {
			case "dev":
				d["interface"] = w[k+1]
			case "src":
				d["address"] = w[k+1]
			case "via":
				d["gateway"] = w[k+1]
			}
		}
	}
	dev, _ := d["interface"].(string)
	i, ok := ifs[dev]
	if !ok {
		return d
	}
	for _, k := range []string{"macaddress", "mtu", "type"} {
		if v, ok := i.facts[k]; ok {
			d[k] = v
		}
	}
	addrs := i.v4
	if family == "ipv6" {
		addrs = i.v6
	} else {
		d["alias"] = dev
	}
	for _, a := range addrs {
		if _, has := d["address"]; !has || a["address"] == d["address"] {
			for k, v := range a {
				d[k] = v
			}
			break
		}
	}
	return d
}

func setNonEmpty(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func netmask(plen int) string {
	var m uint32
	if plen > 0 {
		m = ^uint32(0) << (32 - min(plen, 32))
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func mapsToAny(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}
