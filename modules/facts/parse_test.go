package facts

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

var markerRe = regexp.MustCompile(`@@hactl_[0-9a-f]{16}`)

// canned answers the gather script with the given sections, in order
// (an empty section when none is given).
func canned(t *testing.T, secs ...[2]string) *fakeconn.Conn {
	if len(secs) == 0 {
		secs = [][2]string{{"none", ""}}
	}
	c := fakeconn.New()
	c.Handler = func(call fakeconn.Call) (transport.Result, error) {
		m := markerRe.FindString(call.Cmd)
		require.NotEmpty(t, m, "the script carries a marker")
		var b strings.Builder
		for _, s := range secs {
			b.WriteString("\n" + m + " " + s[0] + "\n" + s[1])
		}
		return transport.Result{Stdout: []byte(b.String())}, nil
	}
	return c
}

func gather(t *testing.T, conn transport.Conn, raw map[string]any) map[string]any {
	t.Helper()
	args, err := Setup{}.Spec().Validate(raw, false)
	require.NoError(t, err)
	res, err := Setup{}.Run(context.Background(), &module.Target{Conn: conn}, args)
	require.NoError(t, err)
	return res.Data["ansible_facts"].(map[string]any)
}

func TestDistributions(t *testing.T) {
	cases := []struct {
		osRelease, debianVersion              string
		dist, family, version, major, release string
	}{
		{"ID=ubuntu\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nID_LIKE=debian\n", "bookworm/sid\n", "Ubuntu", "Debian", "22.04", "22", "jammy"},
		{"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n", "12.11\n", "Debian", "Debian", "12.11", "12", "bookworm"},
		{"ID=\"rocky\"\nNAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nVERSION_ID=\"9.3\"\nID_LIKE=\"rhel centos fedora\"\n", "", "Rocky", "RedHat", "9.3", "9", "Blue Onyx"},
		{"ID=myos\nNAME=\"My OS\"\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=1\n", "", "My OS", "Debian", "1", "1", "NA"},
	}
	for _, c := range cases {
		f := gather(t, canned(t, [2]string{"os_release", c.osRelease}, [2]string{"debian_version", c.debianVersion}), map[string]any{"gather_subset": "distribution,!min"})
		assert.Equal(t, c.dist, f["ansible_distribution"])
		assert.Equal(t, c.family, f["ansible_os_family"], c.dist)
		assert.Equal(t, c.version, f["ansible_distribution_version"], c.dist)
		assert.Equal(t, c.major, f["ansible_distribution_major_version"], c.dist)
		assert.Equal(t, c.release, f["ansible_distribution_release"], c.dist)
	}
}

func TestNetworkTextFallback(t *testing.T) {
	conn := canned(t,
		[2]string{"netsys", "eth0\t52:54:00:aa:bb:cc\t1500\tup\t1\t\t1000\nbr-x\t52:54:00:00:00:01\t1500\tup\t1\tbridge,veth1,veth2\t\nlo\t00:00:00:00:00:00\t65536\tunknown\t772\t\t\n"},
		[2]string{"ipaddr", ""},
		[2]string{"ipaddr_text", "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n" +
			"2: eth0    inet 10.77.0.13/24 brd 10.77.0.255 scope global eth0\\       valid_lft forever\n" +
			"2: eth0    inet 10.77.0.100/32 scope global eth0\\       valid_lft forever\n" +
			"2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever\n"},
		[2]string{"route4", ""},
		[2]string{"route4_text", "8.8.8.8 via 10.77.0.1 dev eth0 src 10.77.0.13 uid 0\n    cache\n"},
		[2]string{"route6", ""},
	)
	f := gather(t, conn, map[string]any{"gather_subset": "!min,network"})
	assert.Equal(t, []any{"eth0", "br-x", "lo"}, f["ansible_interfaces"])
	eth0 := f["ansible_eth0"].(map[string]any)
	assert.Equal(t, map[string]any{"address": "10.77.0.13", "broadcast": "10.77.0.255", "netmask": "255.255.255.0", "network": "10.77.0.0", "prefix": "24"}, eth0["ipv4"])
	assert.Equal(t, []any{map[string]any{"address": "10.77.0.100", "broadcast": "", "netmask": "255.255.255.255", "network": "10.77.0.100", "prefix": "32"}}, eth0["ipv4_secondaries"])
	assert.Equal(t, 1000, eth0["speed"])
	br := f["ansible_br_x"].(map[string]any)
	assert.Equal(t, "bridge", br["type"])
	assert.Equal(t, []any{"veth1", "veth2"}, br["interfaces"])
	assert.NotContains(t, f["ansible_lo"], "macaddress")
	assert.Equal(t, []any{"10.77.0.13", "10.77.0.100"}, f["ansible_all_ipv4_addresses"])
	assert.Equal(t, []any{"fe80::1"}, f["ansible_all_ipv6_addresses"])
	d := f["ansible_default_ipv4"].(map[string]any)
	assert.Equal(t, "10.77.0.1", d["gateway"])
	assert.Equal(t, "eth0", d["interface"])
	assert.Equal(t, "eth0", d["alias"])
	assert.Equal(t, "10.77.0.13", d["address"])
	assert.Equal(t, "255.255.255.0", d["netmask"])
	assert.Equal(t, "52:54:00:aa:bb:cc", d["macaddress"])
	assert.Equal(t, map[string]any{}, f["ansible_default_ipv6"])
}

func TestHardwareParsing(t *testing.T) {
	cpu := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncpu cores\t: 2\n\n" +
		"processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncpu cores\t: 2\n\n" +
		"processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncpu cores\t: 2\n\n" +
		"processor\t: 3\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncpu cores\t: 2\n"
	conn := canned(t,
		[2]string{"meminfo", "MemTotal:        2048000 kB\nMemFree:         1024000 kB\nBuffers:           10240 kB\nCached:           102400 kB\nSwapTotal:        0 kB\nSwapFree:         0 kB\nSwapCached: 0 kB\n"},
		[2]string{"cpuinfo", cpu},
		[2]string{"nproc", "4\n"},
		[2]string{"uptime", "330.12 600.00\n1.52 0.54 0.20 1/100 123\n"},
		[2]string{"dmi", "product_name=KVM\nsystem_vendor=QEMU\nform_factor=17\n"},
		[2]string{"mounts", "/dev/sda1\t/\text4\trw\t4096 4096 1000 400 300 100 40\n/dev/sdb1\t/mnt/my\\040disk\txfs\tro\t\n"},
	)
	f := gather(t, conn, map[string]any{"gather_subset": "!min,hardware"})
	assert.Equal(t, 2000, f["ansible_memtotal_mb"])
	assert.Equal(t, 1000, f["ansible_memfree_mb"])
	mem := f["ansible_memory_mb"].(map[string]any)
	assert.Equal(t, map[string]any{"free": 1110, "used": 890}, mem["nocache"])
	assert.Equal(t, 1, f["ansible_processor_count"])
	assert.Equal(t, 2, f["ansible_processor_cores"])
	assert.Equal(t, 2, f["ansible_processor_threads_per_core"])
	assert.Equal(t, 4, f["ansible_processor_vcpus"])
	assert.Equal(t, []any{"0", "GenuineIntel", "Xeon", "1", "GenuineIntel", "Xeon", "2", "GenuineIntel", "Xeon", "3", "GenuineIntel", "Xeon"}, f["ansible_processor"])
	assert.Equal(t, 330, f["ansible_uptime_seconds"])
	assert.Equal(t, map[string]any{"1m": 1.52, "5m": 0.54, "15m": 0.2}, f["ansible_loadavg"])
	assert.Equal(t, "KVM", f["ansible_product_name"])
	assert.Equal(t, "NA", f["ansible_bios_version"])
	assert.Equal(t, "Main Server Chassis", f["ansible_form_factor"])
	mounts := f["ansible_mounts"].([]any)
	require.Len(t, mounts, 2)
	root := mounts[0].(map[string]any)
	assert.Equal(t, int64(4096*1000), root["size_total"])
	assert.Equal(t, int64(4096*300), root["size_available"])
	assert.Equal(t, int64(700), root["block_used"])
	assert.Equal(t, int64(60), root["inode_used"])
	assert.Equal(t, "/mnt/my disk", mounts[1].(map[string]any)["mount"])
}

func TestMinimalFactsParsing(t *testing.T) {
	conn := canned(t,
		[2]string{"platform", "Linux\n6.1.0\n#1 SMP\nx86_64\nnfsha01\nnfsha01.lab.example\n64\n"},
		[2]string{"machine_id", "abc123\n"},
		[2]string{"cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet console=tty0 console=ttyS0\n"},
		[2]string{"dns", "# comment\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nsearch lab.example example\noptions ndots:2 rotate\n"},
		[2]string{"date", "1700000000 123456789 +0100 CET\n"},
		[2]string{"service_mgr", "init\nsystemd\n"},
		[2]string{"ssh_keys", "ssh-ed25519 AAAAC3Nz root@h\necdsa-sha2-nistp256 AAAAE2V root@h\n"},
		[2]string{"local_facts", ""},
		[2]string{"local", "app.fact\n{\"port\": 8080}\n"},
		[2]string{"local", "ini.fact\n[main]\nName = x\n"},
		[2]string{"selinux", "1\n33\n"},
		[2]string{"env", "A=1\x00B=two=2\x00"},
	)
	f := gather(t, conn, map[string]any{"gather_subset": "min"})
	assert.Equal(t, "nfsha01", f["ansible_hostname"])
	assert.Equal(t, "nfsha01.lab.example", f["ansible_fqdn"])
	assert.Equal(t, "lab.example", f["ansible_domain"])
	assert.Equal(t, "abc123", f["ansible_machine_id"])
	assert.Equal(t, "64", f["ansible_userspace_bits"])
	assert.Equal(t, []any{"tty0", "ttyS0"}, f["ansible_proc_cmdline"].(map[string]any)["console"])
	assert.Equal(t, "ttyS0", f["ansible_cmdline"].(map[string]any)["console"])
	assert.Equal(t, true, f["ansible_cmdline"].(map[string]any)["ro"])
	dns := f["ansible_dns"].(map[string]any)
	assert.Equal(t, []any{"10.0.0.1", "10.0.0.2"}, dns["nameservers"])
	assert.Equal(t, map[string]any{"ndots": "2", "rotate": true}, dns["options"])
	dt := f["ansible_date_time"].(map[string]any)
	assert.Equal(t, "2023-11-14", dt["date"])
	assert.Equal(t, "23:13:20", dt["time"])
	assert.Equal(t, "2023-11-14T22:13:20Z", dt["iso8601"])
	assert.Equal(t, "2023-11-14T22:13:20.123456Z", dt["iso8601_micro"])
	assert.Equal(t, "20231114T231320123456", dt["iso8601_basic"])
	assert.Equal(t, "Tuesday", dt["weekday"])
	assert.Equal(t, "2", dt["weekday_number"])
	assert.Equal(t, "46", dt["weeknumber"])
	assert.Equal(t, "+0100", dt["tz_offset"])
	assert.Equal(t, "systemd", f["ansible_service_mgr"])
	assert.Equal(t, "AAAAC3Nz", f["ansible_ssh_host_key_ed25519_public"])
	assert.Equal(t, "ecdsa-sha2-nistp256", f["ansible_ssh_host_key_ecdsa_public_keytype"])
	assert.Equal(t, map[string]any{"app": map[string]any{"port": 8080}, "ini": map[string]any{"main": map[string]any{"name": "x"}}}, f["ansible_local"])
	assert.Equal(t, map[string]any{"status": "enabled", "mode": "enforcing", "policyvers": "33"}, f["ansible_selinux"])
	assert.Equal(t, map[string]any{"A": "1", "B": "two=2"}, f["ansible_env"])
	assert.NotContains(t, f, "ansible_memtotal_mb", "min does not gather hardware")
}

func TestGatherSubsetSelectsSnippets(t *testing.T) {
	conn := canned(t)
	gather(t, conn, map[string]any{"gather_subset": []any{"!all", "!min", "network"}})
	script := conn.Last().Cmd
	assert.Contains(t, script, "ip -j -d addr show")
	assert.NotContains(t, script, "/proc/meminfo")
	assert.NotContains(t, script, "os-release")

	conn = canned(t)
	gather(t, conn, map[string]any{"gather_subset": []any{"!hardware"}})
	assert.Contains(t, conn.Last().Cmd, "os-release")
	assert.Contains(t, conn.Last().Cmd, "ip -j")
	assert.NotContains(t, conn.Last().Cmd, "/proc/meminfo")

	conn = canned(t)
	f := gather(t, conn, map[string]any{"gather_subset": []any{"!all", "!min"}})
	assert.Empty(t, conn.Calls, "nothing to gather: no round trip")
	assert.Equal(t, map[string]any{"gather_subset": []any{"!all", "!min"}, "module_setup": true}, f)

	args, err := Setup{}.Spec().Validate(map[string]any{"gather_subset": "hardwar"}, false)
	require.NoError(t, err)
	_, err = Setup{}.Run(context.Background(), &module.Target{Conn: canned(t)}, args)
	assert.ErrorContains(t, err, `bad subset "hardwar"`)

	_, err = Setup{}.Spec().Validate(map[string]any{"filters": "x"}, true)
	assert.ErrorContains(t, err, `did you mean "filter"`)
}

func TestSetupFactPathIsQuoted(t *testing.T) {
	conn := canned(t)
	gather(t, conn, map[string]any{"gather_subset": "local,!min", "fact_path": "/etc/my facts/$(reboot)"})
	assert.Contains(t, conn.Last().Cmd, `'/etc/my facts/$(reboot)'/*.fact`)
}

func TestSetupNoOutputIsAnError(t *testing.T) {
	args, err := Setup{}.Spec().Validate(map[string]any{}, false)
	require.NoError(t, err)
	_, err = Setup{}.Run(context.Background(), &module.Target{Conn: fakeconn.New(fakeconn.RC(127, "", "sh: not found"))}, args)
	assert.ErrorContains(t, err, "no facts")
}
