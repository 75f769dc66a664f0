package keepalived

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func bookArgs() (map[string]any, []any, []any, []any) {
	global := map[string]any{"router_id": "infra01", "enable_script_security": "yes", "script_user": "root"}
	scripts := []any{map[string]any{"name": "check_haproxy", "script": "/usr/bin/killall -0 haproxy", "interval": 1, "fall": 2, "rise": 2}}
	groups := []any{map[string]any{"name": "VI_lb1", "group": []any{"VI_intra", "VI_lan"}, "notify_master": "/etc/keepalived/master.sh"}}
	instances := []any{
		map[string]any{"name": "VI_intra", "interface": "enp0s1", "vrid": 20, "priority": 101, "advert_int": 1, "nopreempt": true,
			"authentication": map[string]any{"auth_pass": "pw"}, "vips": []any{"192.168.1.110/24 dev enp0s1", "192.168.1.111"},
			"track_scripts": []any{"check_haproxy"}},
		map[string]any{"name": "VI_lan", "interface": "enp0s2", "virtual_router_id": 30, "priority": 101, "advert_int": 1, "nopreempt": true,
			"unicast_src_ip": "192.168.56.13", "unicast_peers": []any{"192.168.56.14"},
			"virtual_ipaddress": []any{map[string]any{"address": "192.168.56.16/24", "dev": "enp0s2", "label": "enp0s2:vip"}},
			"track_script":      []any{map[string]any{"name": "check_haproxy", "weight": -20}}, "track_interface": []any{"enp0s2"}},
	}
	return global, scripts, groups, instances
}

const bookConf = header + `
global_defs {
    router_id infra01
    enable_script_security
    script_user root
}

vrrp_script check_haproxy {
    script "/usr/bin/killall -0 haproxy"
    interval 1
    fall 2
    rise 2
}

vrrp_sync_group VI_lb1 {
    group {
        VI_intra
        VI_lan
    }
    notify_master /etc/keepalived/master.sh
}

vrrp_instance VI_intra {
    state BACKUP
    interface enp0s1
    virtual_router_id 20
    priority 101
    advert_int 1
    nopreempt
    authentication {
        auth_type PASS
        auth_pass pw
    }
    virtual_ipaddress {
        192.168.1.110/24 dev enp0s1
        192.168.1.111/32
    }
    track_script {
        check_haproxy
    }
}

vrrp_instance VI_lan {
    state BACKUP
    interface enp0s2
    virtual_router_id 30
    priority 101
    advert_int 1
    nopreempt
    unicast_src_ip 192.168.56.13
    unicast_peer {
        192.168.56.14
    }
    virtual_ipaddress {
        192.168.56.16/24 dev enp0s2 label enp0s2:vip
    }
    track_interface {
        enp0s2
    }
    track_script {
        check_haproxy weight -20
    }
}
`

func TestRenderBookTopology(t *testing.T) {
	c, err := parseConfig(bookArgs())
	require.NoError(t, err)
	assert.Empty(t, c.warnings)
	assert.Equal(t, bookConf, c.render())
	again, err := parseConfig(bookArgs())
	require.NoError(t, err)
	assert.Equal(t, c.render(), again.render(), "deterministic")
	assert.Equal(t, []string{"192.168.1.110", "192.168.1.111", "192.168.56.16"}, vipsIn(c.render()))
	assert.Contains(t, maskSecrets(c.render()), "        auth_pass ********\n")
	assert.NotContains(t, maskSecrets(c.render()), "auth_pass pw")
}

func TestWarnings(t *testing.T) {
	_, _, _, inst := bookArgs()
	inst = inst[:1]
	m := inst[0].(map[string]any)
	m["state"] = "master"
	m["authentication"] = map[string]any{"auth_pass": "longer-than-8"}
	delete(m, "track_scripts")
	c, err := parseConfig(nil, nil, nil, inst)
	require.NoError(t, err)
	require.Len(t, c.warnings, 2)
	assert.Contains(t, c.warnings[0], "nopreempt only works with state BACKUP")
	assert.Contains(t, c.warnings[1], "first 8 characters")
	assert.Contains(t, c.render(), "    state MASTER\n")
}

func TestParseConfigRejects(t *testing.T) {
	inst := func(kv ...any) []any {
		m := map[string]any{"name": "VI", "interface": "eth0", "virtual_router_id": 5, "virtual_ipaddress": []any{"10.0.0.5/24"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return []any{m}
	}
	ok, err := parseConfig(nil, nil, nil, inst())
	require.NoError(t, err)
	assert.Equal(t, 100, ok.instances[0].priority, "default priority")
	assert.Equal(t, "BACKUP", ok.instances[0].state, "default state")

	for name, c := range map[string]struct {
		scripts, groups, instances []any
	}{
		"no instances":       {},
		"vrid range":         {instances: inst("virtual_router_id", 256)},
		"no vrid":            {instances: inst("virtual_router_id", nil)},
		"bad state":          {instances: inst("state", "LEADER")},
		"bad vip":            {instances: inst("virtual_ipaddress", []any{"10.0.0.300/24"})},
		"vip option":         {instances: inst("virtual_ipaddress", []any{"10.0.0.5/24 via x"})},
		"no vip":             {instances: inst("virtual_ipaddress", []any{})},
		"bad peer":           {instances: inst("unicast_peer", []any{"peer1"})},
		"unknown key":        {instances: inst("preempt", true)},
		"injection":          {instances: inst("interface", "eth0\n}\nvrrp_instance X {")},
		"notify quote":       {instances: inst("notify_master", `/bin/x "a"`)},
		"unknown script":     {instances: inst("track_script", []any{"nope"})},
		"vrid and alias":     {instances: inst("vrid", 7)},
		"duplicate instance": {instances: append(inst(), inst("virtual_router_id", 6)...)},
		"vrid reused":        {instances: append(inst(), inst("name", "VI2")...)},
		"group member":       {instances: inst(), groups: []any{map[string]any{"name": "G", "group": []any{"VX"}}}},
		"two groups":         {instances: inst(), groups: []any{map[string]any{"name": "G", "group": []any{"VI"}}, map[string]any{"name": "H", "group": []any{"VI"}}}},
		"script no cmd":      {instances: inst(), scripts: []any{map[string]any{"name": "s"}}},
		"auth type":          {instances: inst("authentication", map[string]any{"auth_type": "MD5", "auth_pass": "x"})},
		"extra braces":       {instances: inst("extra", []any{"}"})},
	} {
		_, err := parseConfig(nil, c.scripts, c.groups, c.instances)
		assert.Error(t, err, name)
	}
}

func TestParseIPJSON(t *testing.T) {
	p, err := parseIPJSON(`[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
	{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.77.0.5","prefixlen":24},{"family":"inet","local":"10.77.0.100","prefixlen":24,"label":"eth0:vip"},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]`)
	require.NoError(t, err)
	require.Len(t, p, 4)
	assert.Equal(t, "10.77.0.100/24", p[2].String())
	_, err = parseIPJSON("Object \"addr\" is unknown")
	assert.Error(t, err)
}
