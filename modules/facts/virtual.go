package facts

import (
	"strings"
)

var virtualCollector = collector{
	name: "virtual", group: "virtual",
	snippets: []snippet{{"virtual", static(`[ -f /.dockerenv ] && echo container=docker
[ -f /run/.containerenv ] && echo container=podman
tr '\0' '\n' < /proc/1/environ | grep '^container='
command -v systemd-detect-virt >/dev/null && echo "detect_vm=$(systemd-detect-virt --vm)" && echo "detect_container=$(systemd-detect-virt --container)"
grep -q '^flags.* hypervisor' /proc/cpuinfo && echo hypervisor=yes
v=; read -r v < /sys/devices/virtual/dmi/id/product_name && echo "product=$v"
v=; read -r v < /sys/devices/virtual/dmi/id/sys_vendor && echo "vendor=$v"
[ -d /proc/xen ] && echo xen=yes
[ -e /dev/kvm ] && echo kvm_host=yes
true`)}},
	parse: parseVirtual,
}

// vmFromDMI maps DMI product or vendor strings to virtualization types.
var vmFromDMI = []struct{ needle, typ string }{
	{"KVM", "kvm"}, {"QEMU", "kvm"}, {"VirtualBox", "virtualbox"}, {"VMware", "VMware"},
	{"Virtual Machine", "VirtualPC"}, {"Microsoft Corporation", "VirtualPC"}, {"Xen", "xen"},
	{"OpenStack", "openstack"}, {"Google", "kvm"}, {"Amazon EC2", "kvm"}, {"Parallels", "parallels"},
	{"RHEV", "RHEV"}, {"oVirt", "oVirt"}, {"BHYVE", "bhyve"},
}

func parseVirtual(s sections, f factMap) {
	body, _ := s.get("virtual")
	var container, vm string
	var guest, host []any
	hypervisor := false
	for _, l := range lines(body) {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "container":
			if container == "" {
				container = v
			}
		case "detect_container":
			if container == "" && v != "none" && v != "" {
				container = v
			}
		case "detect_vm":
			if v != "none" && v != "" {
				vm = v
			}
		case "hypervisor":
			hypervisor = true
		case "product", "vendor":
			if vm != "" {
				continue
			}
			for _, d := range vmFromDMI {
				if strings.Contains(v, d.needle) {
					vm = d.typ
					break
				}
			}
		case "kvm_host":
			host = append(host, "kvm")
		case "xen":
			if vm == "" {
				vm = "xen"
			}
		}
	}
	if vm == "" && hypervisor && container == "" {
		vm = "kvm" // a hypervisor we cannot name; KVM is by far the most common
	}
	if container != "" {
		guest = append(guest, container, "container")
	}
	if vm != "" {
		guest = append(guest, vm)
	}
	switch {
	case container != "":
		f["virtualization_type"], f["virtualization_role"] = container, "guest"
	case vm != "":
		f["virtualization_type"], f["virtualization_role"] = vm, "guest"
	default:
		f["virtualization_type"], f["virtualization_role"] = "NA", "NA"
	}
	f["virtualization_tech_guest"] = orEmpty(guest)
	f["virtualization_tech_host"] = orEmpty(host)
}
