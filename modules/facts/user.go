package facts

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

var userCollector = collector{
	name: "user", group: "min",
	snippets: []snippet{{"user", static(`id -un; id -u; id -g; id -ru; id -rg; getent passwd "$(id -u)" || grep "^$(id -un):" /etc/passwd`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("user")
		l := strings.Split(body, "\n")
		if len(l) < 5 {
			return
		}
		num := func(x string) any {
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n
			}
			return nil
		}
		f["user_id"] = strings.TrimSpace(l[0])
		f["user_uid"], f["effective_user_id"] = num(l[1]), num(l[1])
		f["user_gid"], f["effective_group_id"] = num(l[2]), num(l[2])
		f["real_user_id"], f["real_group_id"] = num(l[3]), num(l[4])
		if len(l) > 5 {
			if pw := strings.Split(strings.TrimSpace(l[5]), ":"); len(pw) == 7 {
				f["user_gecos"], f["user_dir"], f["user_shell"] = pw[4], pw[5], pw[6]
				f["user_gid"] = num(pw[3])
			}
		}
	},
}

var envCollector = collector{
	name: "env", group: "min",
	snippets: []snippet{{"env", static(`env -0`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("env")
		env := map[string]any{}
		for _, kv := range strings.Split(body, "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" && !strings.Contains(k, "\n") {
				env[k] = v
			}
		}
		f["env"] = env
	},
}

var dateTimeCollector = collector{
	name: "date_time", group: "min",
	snippets: []snippet{{"date", static(`date '+%s %N %z %Z'`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("date")
		w := strings.Fields(body)
		if len(w) < 4 {
			return
		}
		sec, err1 := strconv.ParseInt(w[0], 10, 64)
		nsec, err2 := strconv.ParseInt(w[1], 10, 64)
		if err1 != nil {
			return
		}
		if err2 != nil {
			nsec = 0 // busybox date has no %N
		}
		off := 0
		if z := w[2]; len(z) == 5 {
			h, _ := strconv.Atoi(z[1:3])
			m, _ := strconv.Atoi(z[3:5])
			off = (h*60 + m) * 60
			if z[0] == '-' {
				off = -off
			}
		}
		f["date_time"] = dateTime(time.Unix(sec, nsec).In(time.FixedZone(w[3], off)), w[2], w[3])
	},
}

// dateTime builds Ansible's date_time fact for t (in the host's zone).
func dateTime(t time.Time, offset, zone string) map[string]any {
	u := t.UTC()
	us := t.Nanosecond() / 1000
	yday := t.YearDay() - 1
	monday0 := (int(t.Weekday()) + 6) % 7
	return map[string]any{
		"year": t.Format("2006"), "month": t.Format("01"), "day": t.Format("02"),
		"hour": t.Format("15"), "minute": t.Format("04"), "second": t.Format("05"),
		"date": t.Format("2006-01-02"), "time": t.Format("15:04:05"),
		"epoch": strconv.FormatInt(t.Unix(), 10), "epoch_int": strconv.FormatInt(t.Unix(), 10),
		"iso8601":             u.Format("2006-01-02T15:04:05Z"),
		"iso8601_micro":       u.Format("2006-01-02T15:04:05.") + pad6(u.Nanosecond()/1000) + "Z",
		"iso8601_basic":       t.Format("20060102T150405") + pad6(us),
		"iso8601_basic_short": t.Format("20060102T150405"),
		"tz":                  zone, "tz_dst": zone, "tz_offset": offset,
		"weekday": t.Weekday().String(), "weekday_number": strconv.Itoa(int(t.Weekday())),
		"weeknumber": pad2((yday + 7 - monday0) / 7),
	}
}

func pad6(n int) string { s := strconv.Itoa(n); return strings.Repeat("0", max(0, 6-len(s))) + s }
func pad2(n int) string { s := strconv.Itoa(n); return strings.Repeat("0", max(0, 2-len(s))) + s }

var serviceMgrCollector = collector{
	name: "service_mgr", group: "min",
	snippets: []snippet{{"service_mgr", static(`cat /proc/1/comm; if [ -d /run/systemd/system ]; then echo systemd; elif command -v openrc >/dev/null || [ -f /sbin/openrc ]; then echo openrc; elif [ -d /etc/init.d ]; then echo sysvinit; else echo service; fi`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("service_mgr")
		l := lines(body)
		if len(l) == 0 {
			return
		}
		pid1, guess := "", l[len(l)-1]
		if len(l) > 1 {
			pid1 = l[0]
		}
		switch {
		case pid1 == "" || pid1 == "init" || strings.HasSuffix(pid1, "sh"):
			f["service_mgr"] = guess
		case pid1 == "systemd" || pid1 == "runit" || pid1 == "openrc":
			f["service_mgr"] = pid1
		default:
			f["service_mgr"] = pid1
		}
	},
}

// pkgManagers are checked in order; the first present wins.
var pkgManagers = []struct{ bin, name string }{
	{"apt-get", "apt"}, {"dnf", "dnf"}, {"yum", "yum"}, {"zypper", "zypper"}, {"apk", "apk"},
	{"pacman", "pacman"}, {"emerge", "portage"}, {"xbps-install", "xbps"},
}

var pkgMgrCollector = collector{
	name: "pkg_mgr", group: "min",
	snippets: []snippet{{"pkg_mgr", func(string, scriptParams) string {
		var b strings.Builder
		for _, p := range pkgManagers {
			b.WriteString("command -v " + p.bin + " >/dev/null && echo " + p.name + "\n")
		}
		return b.String() + "true"
	}}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("pkg_mgr")
		f["pkg_mgr"] = "unknown"
		if l := lines(body); len(l) > 0 {
			f["pkg_mgr"] = l[0]
		}
	},
}

var pythonCollector = collector{
	name: "python", group: "min",
	snippets: []snippet{{"python", static(`for p in python3 python; do if command -v $p >/dev/null; then $p -S -c 'import sys
v = sys.version_info
q = lambda s: "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
print("{\"executable\": %s, \"type\": %s, \"has_sslcontext\": %s, \"version\": {\"major\": %d, \"minor\": %d, \"micro\": %d, \"releaselevel\": %s, \"serial\": %d}, \"version_info\": [%d, %d, %d, %s, %d]}" % (q(sys.executable), q(sys.implementation.name), "true" if v[0] >= 3 else "false", v[0], v[1], v[2], q(v[3]), v[4], v[0], v[1], v[2], q(v[3]), v[4]))'; break; fi; done`)}},
	parse: func(s sections, f factMap) {
		body, _ := s.get("python")
		var py map[string]any
		if json.Unmarshal([]byte(body), &py) != nil {
			return
		}
		normalizeNumbers(py)
		f["python"] = py
		if v, ok := py["version"].(map[string]any); ok {
			f["python_version"] = strings.Join([]string{str(v["major"]), str(v["minor"]), str(v["micro"])}, ".")
		}
	},
}

// normalizeNumbers turns JSON float64 integers into ints, recursively.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int(x)) {
			return int(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

func str(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return ""
}
