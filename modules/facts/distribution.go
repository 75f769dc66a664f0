package facts

import (
	"regexp"
	"strings"
)

var distributionCollector = collector{
	name: "distribution", group: "min",
	snippets: []snippet{
		{"os_release", static(`cat /etc/os-release || cat /usr/lib/os-release`)},
		{"debian_version", static(`cat /etc/debian_version`)},
	},
	parse: parseDistribution,
}

// distNames maps os-release IDs to Ansible's distribution names.
var distNames = map[string]string{
	"debian": "Debian", "ubuntu": "Ubuntu", "linuxmint": "Linux Mint", "raspbian": "Debian", "kali": "Kali",
	"devuan": "Devuan", "pop": "Pop!_OS", "centos": "CentOS", "rhel": "RedHat", "fedora": "Fedora",
	"rocky": "Rocky", "almalinux": "AlmaLinux", "ol": "OracleLinux", "amzn": "Amazon", "sles": "SLES",
	"sles_sap": "SLES_SAP", "opensuse-leap": "openSUSE Leap", "opensuse-tumbleweed": "openSUSE Tumbleweed",
	"alpine": "Alpine", "arch": "Archlinux", "gentoo": "Gentoo", "void": "Void",
}

// familyOf maps Ansible distribution names to os_family.
var familyOf = map[string]string{
	"Debian": "Debian", "Ubuntu": "Debian", "Linux Mint": "Debian", "Kali": "Debian", "Devuan": "Debian", "Pop!_OS": "Debian",
	"RedHat": "RedHat", "CentOS": "RedHat", "Fedora": "RedHat", "Rocky": "RedHat", "AlmaLinux": "RedHat",
	"OracleLinux": "RedHat", "Amazon": "RedHat", "SLES": "Suse", "SLES_SAP": "Suse", "openSUSE Leap": "Suse",
	"openSUSE Tumbleweed": "Suse", "Alpine": "Alpine", "Archlinux": "Archlinux", "Gentoo": "Gentoo", "Void": "Void",
}

var parenthesised = regexp.MustCompile(`\(([^)]+)\)`)

func parseDistribution(s sections, f factMap) {
	body, _ := s.get("os_release")
	osr := keyValues(body)
	id := strings.ToLower(osr["ID"])
	name, ok := distNames[id]
	if !ok {
		name = osr["NAME"]
		if name == "" {
			name = "NA"
		}
	}
	version := osr["VERSION_ID"]
	if dv, ok := s.get("debian_version"); ok && name == "Debian" {
		// Debian keeps the point release in /etc/debian_version (12.11).
		if v := firstLine(dv); v != "" && v[0] >= '0' && v[0] <= '9' {
			version = v
		}
	}
	if version == "" {
		version = "NA"
	}
	major, minor, _ := strings.Cut(version, ".")
	release := osr["VERSION_CODENAME"]
	if release == "" {
		if m := parenthesised.FindStringSubmatch(osr["VERSION"]); m != nil {
			release = m[1]
		}
	}
	if release == "" {
		release = "NA"
	}
	family := familyOf[name]
	if family == "" {
		family = name
		for _, like := range strings.Fields(osr["ID_LIKE"]) {
			if fam, ok := familyOf[distNames[like]]; ok {
				family = fam
				break
			}
		}
	}
	f["distribution"] = name
	f["distribution_version"] = version
	f["distribution_major_version"] = major
	if minor != "" {
		f["distribution_minor_version"] = minor
	}
	f["distribution_release"] = release
	f["os_family"] = family
	if body != "" {
		f["distribution_file_path"] = "/etc/os-release"
		f["distribution_file_parsed"] = true
	}
}

var lsbCollector = collector{
	name: "lsb", group: "min",
	snippets: []snippet{{"lsb", static(`if [ -r /etc/lsb-release ]; then cat /etc/lsb-release; elif command -v lsb_release >/dev/null; then lsb_release -a | sed -n 's/^Distributor ID:[[:space:]]*/DISTRIB_ID=/p; s/^Description:[[:space:]]*/DISTRIB_DESCRIPTION=/p; s/^Release:[[:space:]]*/DISTRIB_RELEASE=/p; s/^Codename:[[:space:]]*/DISTRIB_CODENAME=/p'; fi`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("lsb")
		kv := keyValues(body)
		lsb := map[string]any{}
		for key, name := range map[string]string{"DISTRIB_ID": "id", "DISTRIB_RELEASE": "release", "DISTRIB_CODENAME": "codename", "DISTRIB_DESCRIPTION": "description"} {
			if v, ok := kv[key]; ok {
				lsb[name] = v
			}
		}
		if r, ok := lsb["release"].(string); ok {
			lsb["major_release"], _, _ = strings.Cut(r, ".")
		}
		f["lsb"] = lsb
	},
}
