package facts

import (
	"strings"
)

var platformCollector = collector{
	name: "platform", group: "min",
	snippets: []snippet{{"platform", static(`uname -s; uname -r; uname -v; uname -m; uname -n; hostname -f || hostname; getconf LONG_BIT`)},
		{"machine_id", static(`cat /etc/machine-id || cat /var/lib/dbus/machine-id`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("platform")
		l := strings.Split(body, "\n")
		get := func(i int) string {
			if i < len(l) {
				return strings.TrimSpace(l[i])
			}
			return ""
		}
		f["system"], f["kernel"], f["kernel_version"], f["machine"] = get(0), get(1), get(2), get(3)
		node := get(4)
		f["nodename"] = node
		f["hostname"], _, _ = strings.Cut(node, ".")
		fqdn := get(5)
		if fqdn == "" {
			fqdn = node
		}
		f["fqdn"] = fqdn
		f["domain"] = ""
		if _, d, ok := strings.Cut(fqdn, "."); ok {
			f["domain"] = d
		}
		arch := get(3)
		switch arch {
		case "i386", "i486", "i586", "i686":
			arch = "i386"
		}
		f["architecture"] = arch
		if bits := get(6); bits != "" {
			f["userspace_bits"] = bits
			ua := arch
			if arch == "x86_64" && bits == "32" {
				ua = "i386"
			}
			f["userspace_architecture"] = ua
		}
		if id, ok := s.get("machine_id"); ok && firstLine(id) != "" {
			f["machine_id"] = firstLine(id)
		}
	},
}
