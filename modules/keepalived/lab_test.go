package keepalived_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/keepalived"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
)

func vrrpArgs(vip string, priority int, routerID string) map[string]any {
	return map[string]any{
		"global_defs": map[string]any{"router_id": routerID, "enable_script_security": true, "script_user": "root"},
		"scripts": []any{map[string]any{
			"name": "chk_true", "script": "/bin/true", "interval": 1, "fall": 2, "rise": 2,
		}},
		"instances": []any{map[string]any{
			"name": "VI_lan", "interface": "eth0", "state": "BACKUP", "virtual_router_id": 77,
			"priority": priority, "advert_int": 1,
			"authentication":    map[string]any{"auth_pass": "s3cret"},
			"virtual_ipaddress": []any{vip + "/24 dev eth0 label eth0:vip"},
			"track_script":      []any{"chk_true"},
		}},
	}
}

// TestKeepalivedOnLab runs a VRRP pair (h1 priority 150, h2 100) on a
// lab address reserved for the VIP, and moves the VIP by stopping and
// cutting its holder.
func TestKeepalivedOnLab(t *testing.T) {
	parent := t
	lh := labtest.Hosts(t, 2, labtest.Options{})
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	rsv, err := lab.ReserveAddresses(ctx, "vip-"+hex.EncodeToString(b), 1)
	require.NoError(t, err)
	vip := rsv[0].String()
	t.Logf("VIP %s", vip)

	hosts := []*modtest.Host{modtest.Connect(t, lh[0].Name, lh[0].Vars), modtest.Connect(t, lh[1].Name, lh[1].Vars)}
	prio := []int{150, 100}
	paths := []string{"/etc/keepalived"}
	probes := []string{"systemctl is-active keepalived", "systemctl is-enabled keepalived"}

	t.Run("converge", func(t *testing.T) {
		first := hosts[0].Converge(t, "keepalived_vrrp", vrrpArgs(vip, 150, "h1"), paths, probes...)
		assert.Equal(t, true, first.Data["started"])
		require.Len(t, first.Diff, 2)
		assert.Contains(t, first.Diff[0].After, "auth_pass ********")
		assert.NotContains(t, first.Diff[0].After, "s3cret")
		assert.Contains(t, hosts[0].Sh(t, "cat /etc/keepalived/keepalived.conf"), "auth_pass s3cret")
		hosts[1].MustRun(t, "keepalived_vrrp", vrrpArgs(vip, 100, "h2"), false, false)
		took := waitHolder(t, hosts, vip, 0, 15*time.Second)
		t.Logf("h1 holds the VIP %.1fs after h2 started", took.Seconds())
	})

	t.Run("cluster-wide assert from the docs", func(t *testing.T) {
		hostvars := map[string]any{}
		for _, h := range hosts {
			res := h.MustRun(t, "keepalived_info", map[string]any{}, false, false)
			assert.Equal(t, []string{vip}, res.Data["vips"], "VIPs read from the live configuration")
			hostvars[h.Name] = map[string]any{"vrrp": res.Data}
		}
		expr := "ansible_play_hosts | map('extract', hostvars, ['vrrp', 'held']) | flatten | select('equalto', item) | list | length == 1"
		vars := map[string]any{"ansible_play_hosts": []any{hosts[0].Name, hosts[1].Name}, "hostvars": hostvars, "item": vip}
		got, err := template.New().Eval(expr, vars)
		require.NoError(t, err)
		assert.Equal(t, true, got)
		// The same expression catches a split brain.
		hostvars[hosts[1].Name].(map[string]any)["vrrp"].(map[string]any)["held"] = []string{vip}
		got, err = template.New().Eval(expr, vars)
		require.NoError(t, err)
		assert.Equal(t, false, got)
	})

	t.Run("reload keeps the VIP", func(t *testing.T) {
		watcher := modtest.Connect(t, lh[0].Name, lh[0].Vars)
		var missing, samples string
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 60 samples, 50 ms apart: 3 s around the reload.
			r, err := watcher.Conn.Run(ctx, "n=0; m=0; for i in $(seq 60); do n=$((n+1)); ip -o addr show dev eth0 | grep -q ' "+vip+"/' || m=$((m+1)); sleep 0.05; done; echo $m $n", transport.RunOpts{Timeout: 30 * time.Second})
			if f := strings.Fields(string(r.Stdout)); err == nil && len(f) == 2 {
				missing, samples = f[0], f[1]
			}
		}()
		time.Sleep(300 * time.Millisecond)
		master := strings.TrimSpace(hosts[0].Sh(t, "systemctl show -p MainPID --value keepalived"))
		res := hosts[0].MustRun(t, "keepalived_vrrp", vrrpArgs(vip, 150, "h1-v2"), false, true)
		require.True(t, res.Changed)
		assert.Equal(t, true, res.Data["reloaded"])
		assert.Equal(t, master, strings.TrimSpace(hosts[0].Sh(t, "systemctl show -p MainPID --value keepalived")))
		wg.Wait()
		t.Logf("reload took %.3fs; VIP missing in %s of %s samples", res.Data["reload_seconds"], missing, samples)
		assert.Equal(t, "0", missing)
		assert.False(t, hosts[0].MustRun(t, "keepalived_vrrp", vrrpArgs(vip, 150, "h1-v2"), false, false).Changed)
	})

	t.Run("invalid configuration changes nothing", func(t *testing.T) {
		sum := hosts[0].Sh(t, "sha256sum /etc/keepalived/keepalived.conf")
		args := vrrpArgs(vip, 150, "h1-v2")
		args["instances"].([]any)[0].(map[string]any)["extra"] = []any{"bogus_keyword 12"}
		for _, check := range []bool{true, false} {
			res, err := hosts[0].Run(t, "keepalived_vrrp", args, check, false)
			require.NoError(t, err)
			assert.True(t, res.Failed, "check=%t", check)
			t.Logf("check=%t: %s", check, res.Msg)
		}
		assert.Equal(t, sum, hosts[0].Sh(t, "sha256sum /etc/keepalived/keepalived.conf"))
		waitHolder(t, hosts, vip, 0, time.Second)
	})

	t.Run("failover", func(t *testing.T) {
		fctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		start := time.Now()
		require.NoError(t, lab.Stop(fctx, lh[0].LabDir, lh[0].Name, lab.Options{}))
		stopped := time.Since(start)
		took := waitHolder(t, hosts[1:], vip, 0, 15*time.Second)
		t.Logf("stop h1: h2 holds the VIP %.1fs after the stop began (the halt took %.1fs)", (stopped + took).Seconds(), stopped.Seconds())
		assert.LessOrEqual(t, stopped+took, 5*time.Second)

		require.NoError(t, lab.Start(fctx, lh[0].LabDir, lh[0].Name, lab.Options{}))
		hosts[0] = modtest.Connect(parent, lh[0].Name, lh[0].Vars) // used by later subtests
		took = waitHolder(t, hosts, vip, 0, 20*time.Second)
		t.Logf("h1 back: exactly one holder (h1, priority %d) %.1fs after it answered ssh", prio[0], took.Seconds())

		require.NoError(t, lab.Cut(fctx, lh[0].LabDir, lh[0].Name))
		healed := false
		defer func() {
			if !healed {
				_ = lab.Heal(context.Background(), lh[0].LabDir, lh[0].Name)
			}
		}()
		took = waitHolder(t, hosts[1:], vip, 0, 15*time.Second)
		t.Logf("cut h1: h2 holds the VIP after %.1fs", took.Seconds())
		assert.LessOrEqual(t, took, 5*time.Second)
		require.NoError(t, lab.Heal(fctx, lh[0].LabDir, lh[0].Name))
		healed = true
		took = waitHolder(t, hosts, vip, 0, 20*time.Second)
		t.Logf("heal h1: exactly one holder (h1) after %.1fs", took.Seconds())
		time.Sleep(3 * time.Second)
		waitHolder(t, hosts, vip, 0, time.Second)
	})

	t.Run("unicast and a priority change by reload", func(t *testing.T) {
		addrs := []string{lh[0].Address, lh[1].Address}
		unicast := func(i, priority int) map[string]any {
			a := vrrpArgs(vip, priority, hosts[i].Name)
			in := a["instances"].([]any)[0].(map[string]any)
			in["unicast_src_ip"] = addrs[i]
			in["unicast_peer"] = []any{addrs[1-i]}
			return a
		}
		for i := range hosts {
			res := hosts[i].MustRun(t, "keepalived_vrrp", unicast(i, prio[i]), false, false)
			require.Equal(t, true, res.Data["reloaded"], hosts[i].Name)
		}
		took := waitHolder(t, hosts, vip, 0, 15*time.Second)
		t.Logf("unicast: exactly one holder (h1) %.1fs after both reloaded", took.Seconds())
		time.Sleep(3 * time.Second)
		waitHolder(t, hosts, vip, 0, time.Second)

		// A higher priority on h2 takes effect through the reload: h2 preempts.
		res := hosts[1].MustRun(t, "keepalived_vrrp", unicast(1, 200), false, false)
		require.Equal(t, true, res.Data["reloaded"])
		took = waitHolder(t, hosts, vip, 1, 15*time.Second)
		t.Logf("h2 priority 200 by reload: h2 holds the VIP alone after %.1fs", took.Seconds())
		assert.False(t, hosts[1].MustRun(t, "keepalived_vrrp", unicast(1, 200), false, false).Changed)
	})
}

// waitHolder waits until hosts[want] holds vip and no other host does,
// checking every 100 ms through keepalived_info, and returns how long it
// took.
func waitHolder(t *testing.T, hosts []*modtest.Host, vip string, want int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last []string
	for {
		last = last[:0]
		ok := true
		for i, h := range hosts {
			res, err := h.Run(t, "keepalived_info", map[string]any{"vips": []any{vip}}, false, false)
			require.NoError(t, err)
			held := len(res.Data["held"].([]string)) == 1
			last = append(last, h.Name+map[bool]string{true: " holds", false: " does not hold"}[held])
			if held != (i == want) {
				ok = false
			}
		}
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("after %s: %s", limit, strings.Join(last, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
