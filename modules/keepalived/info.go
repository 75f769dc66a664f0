package keepalived

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Info{}) }

// Info is the keepalived_info module: what one member of a VRRP group
// holds, for a cluster-wide check in the play.
type Info struct{}

// Spec describes keepalived_info.
func (Info) Spec() module.Spec {
	return module.Spec{
		Name:    "keepalived_info",
		Aliases: []string{"hactl.keepalived_info"},
		Short:   "Report the virtual addresses a keepalived host holds",
		Doc: `Reads, in one command, the addresses on the host's interfaces (ip -j addr), the keepalived service state and the virtual addresses of the live keepalived.conf, and reports which of those VIPs (or of the vips given) this host holds. Changes nothing.

keepalived_vrrp runs on each member separately and cannot see the others, so the cluster-wide promise — every VIP held by exactly one member — is checked by the play: register keepalived_info on every member, then assert once over hostvars (see the examples). expect_holder makes a single host's check strict: true fails when the host holds none of the VIPs, false when it holds any.`,
		Params: []module.Param{
			{Name: "path", Type: module.Path, Default: "/etc/keepalived/keepalived.conf", Doc: "The configuration whose virtual_ipaddress blocks list the VIPs."},
			{Name: "vips", Type: module.List, Elements: module.Str, Doc: "Check these addresses instead of the configuration's."},
			{Name: "expect_holder", Type: module.Bool, Doc: "Fail unless this host holds every VIP (true) or none (false)."},
			{Name: "service", Type: module.Str, Default: "keepalived", Doc: "The systemd unit."},
		},
		CheckMode: true,
		Examples: `- name: Which VIPs does each load balancer hold?
  keepalived_info:
  register: vrrp

- name: Every VIP is held by exactly one load balancer
  assert:
    that:
      - ansible_play_hosts | map('extract', hostvars, ['vrrp', 'held']) | flatten | select('equalto', item) | list | length == 1
  loop: "{{ vrrp.vips }}"
  run_once: true`,
		Returns: []module.ReturnValue{
			{Name: "vips", Type: module.List, Doc: "The VIPs checked (from vips or the configuration)."},
			{Name: "held", Type: module.List, Doc: "Those this host holds now."},
			{Name: "addresses", Type: module.List, Doc: "Every address on the host's interfaces, as ip/prefix."},
			{Name: "active", Type: module.Bool, Doc: "Whether keepalived is running."},
			{Name: "master_pid", Type: module.Int, Doc: "keepalived's main PID (0 when stopped)."},
		},
	}
}

// Run implements module.Module.
func (Info) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	marker := hostcmd.Marker()
	q := transport.Quote(a.String("service"))
	script := "ip -j addr show; echo " + marker + "\n" +
		"systemctl show -p ActiveState --value " + q + "; systemctl show -p MainPID --value " + q + "; echo " + marker + "\n" +
		"cat -- " + transport.Quote(a.String("path")) + " 2>/dev/null; true\n"
	out, err := hostcmd.Must(ctx, t.Conn, "read addresses", script)
	if err != nil {
		return module.Result{}, err
	}
	sec := hostcmd.Sections(out, marker)
	if len(sec) != 3 {
		return module.Result{}, fmt.Errorf("read addresses: unexpected output")
	}
	addrs, err := parseIPJSON(sec[0])
	if err != nil {
		return module.Result{}, err
	}
	st := strings.Fields(sec[1])
	active := len(st) > 0 && st[0] == "active"
	pid := 0
	if len(st) > 1 {
		_, _ = fmt.Sscan(st[1], &pid)
	}
	vips := a.Strings("vips")
	if !a.Has("vips") {
		vips = vipsIn(sec[2])
	}
	held := []string{}
	for _, v := range vips {
		ip, _, _ := strings.Cut(v, "/")
		want, err := netip.ParseAddr(ip)
		if err != nil {
			return module.Failf("vips: %q is not an IP address", v), nil
		}
		if slices.ContainsFunc(addrs, func(p netip.Prefix) bool { return p.Addr() == want }) {
			held = append(held, want.String())
		}
	}
	all := make([]string, len(addrs))
	for i, p := range addrs {
		all[i] = p.String()
	}
	res := module.Result{Data: map[string]any{"vips": vips, "held": held, "addresses": all, "active": active, "master_pid": pid}}
	res.Msg = fmt.Sprintf("holds %d of %d VIPs", len(held), len(vips))
	if a.Has("expect_holder") {
		want := a.Bool("expect_holder")
		if want && len(held) != len(vips) {
			return svcunit.Fail(res, fmt.Sprintf("expected to hold %s, holds %s", strings.Join(vips, ", "), strings.Join(held, ", "))), nil
		}
		if !want && len(held) > 0 {
			return svcunit.Fail(res, fmt.Sprintf("expected to hold no VIP, holds %s", strings.Join(held, ", "))), nil
		}
	}
	return res, nil
}

// parseIPJSON reads the addresses of `ip -j addr show`.
func parseIPJSON(s string) ([]netip.Prefix, error) {
	var links []struct {
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(s), &links); err != nil {
		return nil, fmt.Errorf("ip -j addr: %w", err)
	}
	var out []netip.Prefix
	for _, l := range links {
		for _, ai := range l.AddrInfo {
			a, err := netip.ParseAddr(ai.Local)
			if err != nil {
				continue
			}
			out = append(out, netip.PrefixFrom(a, ai.PrefixLen))
		}
	}
	return out, nil
}
