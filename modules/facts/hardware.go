package facts

import (
	"fmt"
	"strconv"
	"strings"
)

// dmiFiles maps /sys/devices/virtual/dmi/id files to fact names.
var dmiFiles = [][2]string{
	{"bios_date", "bios_date"}, {"bios_vendor", "bios_vendor"}, {"bios_version", "bios_version"},
	{"board_asset_tag", "board_asset_tag"}, {"board_name", "board_name"}, {"board_serial", "board_serial"},
	{"board_vendor", "board_vendor"}, {"board_version", "board_version"},
	{"chassis_asset_tag", "chassis_asset_tag"}, {"chassis_serial", "chassis_serial"},
	{"chassis_vendor", "chassis_vendor"}, {"chassis_version", "chassis_version"},
	{"product_name", "product_name"}, {"product_serial", "product_serial"}, {"product_uuid", "product_uuid"},
	{"product_version", "product_version"}, {"sys_vendor", "system_vendor"}, {"chassis_type", "form_factor"},
}

// formFactors names SMBIOS chassis types.
var formFactors = map[string]string{
	"1": "Other", "2": "Unknown", "3": "Desktop", "4": "Low Profile Desktop", "5": "Pizza Box",
	"6": "Mini Tower", "7": "Tower", "8": "Portable", "9": "Laptop", "10": "Notebook", "11": "Hand Held",
	"12": "Docking Station", "13": "All In One", "14": "Sub Notebook", "15": "Space-saving",
	"16": "Lunch Box", "17": "Main Server Chassis", "18": "Expansion Chassis", "19": "Sub Chassis",
	"20": "Bus Expansion Chassis", "21": "Peripheral Chassis", "22": "RAID Chassis",
	"23": "Rack Mount Chassis", "24": "Sealed-case PC", "25": "Multi-system", "26": "CompactPCI",
	"27": "AdvancedTCA", "28": "Blade", "29": "Blade Enclosure", "30": "Tablet", "31": "Convertible",
	"32": "Detachable", "33": "IoT Gateway", "34": "Embedded PC", "35": "Mini PC", "36": "Stick PC",
}

var hardwareCollector = collector{
	name: "hardware", group: "hardware",
	snippets: []snippet{
		{"meminfo", static(`cat /proc/meminfo`)},
		{"cpuinfo", static(`cat /proc/cpuinfo`)},
		{"nproc", static(`nproc`)},
		{"uptime", static(`cat /proc/uptime; cat /proc/loadavg`)},
		{"dmi", func(string, scriptParams) string {
			var b strings.Builder
			for _, d := range dmiFiles {
				fmt.Fprintf(&b, "v=; read -r v < /sys/devices/virtual/dmi/id/%s && printf '%%s=%%s\\n' %s \"$v\"\n", d[0], d[1])
			}
			return b.String() + "true"
		}},
	},
	parse: func(s sections, f factMap) {
		parseMemory(s, f)
		parseCPU(s, f)
		if body, ok := s.get("uptime"); ok {
			l := lines(body)
			if len(l) > 0 {
				if up, err := strconv.ParseFloat(strings.Fields(l[0])[0], 64); err == nil {
					f["uptime_seconds"] = int(up)
				}
			}
			if len(l) > 1 {
				if w := strings.Fields(l[1]); len(w) >= 3 {
					load := map[string]any{}
					for i, k := range []string{"1m", "5m", "15m"} {
						load[k], _ = strconv.ParseFloat(w[i], 64)
					}
					f["loadavg"] = load
				}
			}
		}
		body, _ := s.get("dmi")
		kv := map[string]string{}
		for _, l := range strings.Split(body, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				kv[k] = strings.TrimSpace(v)
			}
		}
		for _, d := range dmiFiles {
			v, ok := kv[d[1]]
			switch {
			case !ok || v == "":
				v = "NA"
			case d[1] == "form_factor":
				if name, known := formFactors[v]; known {
					v = name
				} else {
					v = "unknown " + v
				}
			}
			f[d[1]] = v
		}
	},
}

func parseMemory(s sections, f factMap) {
	body, ok := s.get("meminfo")
	if !ok {
		return
	}
	kb := map[string]int{}
	for _, l := range lines(body) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		if w := strings.Fields(v); len(w) > 0 {
			kb[k], _ = strconv.Atoi(w[0])
		}
	}
	mb := func(k string) int { return kb[k] / 1024 }
	total, free := mb("MemTotal"), mb("MemFree")
	nocacheFree := (kb["MemFree"] + kb["Buffers"] + kb["Cached"]) / 1024
	f["memtotal_mb"], f["memfree_mb"] = total, free
	f["swaptotal_mb"], f["swapfree_mb"] = mb("SwapTotal"), mb("SwapFree")
	f["memory_mb"] = map[string]any{
		"real":    map[string]any{"total": total, "free": free, "used": total - free},
		"nocache": map[string]any{"free": nocacheFree, "used": total - nocacheFree},
		"swap": map[string]any{"total": mb("SwapTotal"), "free": mb("SwapFree"),
			"used": mb("SwapTotal") - mb("SwapFree"), "cached": mb("SwapCached")},
	}
}

func parseCPU(s sections, f factMap) {
	body, ok := s.get("cpuinfo")
	if !ok {
		return
	}
	var processor []any
	physical := map[string]bool{}
	cores, siblings, vcpus := 0, 0, 0
	idx := ""
	for _, l := range strings.Split(body, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			vcpus++
			idx = v
			processor = append(processor, v)
		case "vendor_id", "model name", "Processor", "cpu model", "cpu":
			if idx != "" || k != "Processor" {
				processor = append(processor, v)
			}
		case "physical id":
			physical[v] = true
		case "cpu cores":
			cores, _ = strconv.Atoi(v)
		case "siblings":
			siblings, _ = strconv.Atoi(v)
		}
	}
	count := max(len(physical), 1)
	if cores == 0 {
		cores = max(vcpus/count, 1)
	}
	threads := 1
	if siblings > 0 && cores > 0 {
		threads = max(siblings/cores, 1)
	}
	f["processor"] = processor
	f["processor_count"] = count
	f["processor_cores"] = cores
	f["processor_threads_per_core"] = threads
	f["processor_vcpus"] = max(vcpus, threads*cores*count)
	if n, err := strconv.Atoi(firstLine(mustGet(s, "nproc"))); err == nil {
		f["processor_nproc"] = n
	}
}

func mustGet(s sections, name string) string {
	b, _ := s.get(name)
	return b
}

var mountsCollector = collector{
	name: "mounts", group: "hardware",
	snippets: []snippet{{"mounts", func(_ string, p scriptParams) string {
		return fmt.Sprintf(`T=; command -v timeout >/dev/null && T="timeout %d"
while read -r dev mnt fs opts rest; do
  case "$dev" in /*|*:/*) ;; *) continue ;; esac
  [ "$fs" = none ] && continue
  m=$(printf '%%b' "$mnt")
  printf '%%s\t%%s\t%%s\t%%s\t' "$dev" "$mnt" "$fs" "$opts"
  $T stat -f -c '%%s %%S %%b %%f %%a %%c %%d' "$m" || echo
done < /proc/mounts`, max(p.timeout, 1))
	}}},
	parse: func(s sections, f factMap) {
		body, ok := s.get("mounts")
		if !ok {
			return
		}
		mounts := []any{}
		for _, l := range strings.Split(body, "\n") {
			w := strings.Split(l, "\t")
			if len(w) < 5 {
				continue
			}
			m := map[string]any{"device": unescapeMount(w[0]), "mount": unescapeMount(w[1]), "fstype": w[2], "options": w[3], "uuid": "N/A"}
			if st := strings.Fields(w[4]); len(st) == 7 {
				n := make([]int64, 7)
				for i, x := range st {
					n[i], _ = strconv.ParseInt(x, 10, 64)
				}
				bsize, frsize, blocks, bavail, files, ffree := n[0], n[1], n[2], n[4], n[5], n[6]
				m["block_size"], m["block_total"], m["block_available"], m["block_used"] = bsize, blocks, bavail, blocks-bavail
				m["size_total"], m["size_available"] = frsize*blocks, frsize*bavail
				m["inode_total"], m["inode_available"], m["inode_used"] = files, ffree, files-ffree
			}
			mounts = append(mounts, m)
		}
		f["mounts"] = mounts
	},
}

// unescapeMount decodes the octal escapes of /proc/mounts (\040 for space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
