package pacemaker_test

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/nfs"
	_ "github.com/hactl/hactl/modules/pacemaker"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// labCluster brings up two lab hosts that see each other in hostvars,
// as hosts of one play do.
func labCluster(t *testing.T) ([]labtest.Host, []*modtest.Host) {
	t.Helper()
	lhs := labtest.Hosts(t, 2, labtest.Options{NFS: true})
	hv := map[string]any{}
	hs := make([]*modtest.Host, len(lhs))
	for i, lh := range lhs {
		hs[i] = modtest.Connect(t, lh.Name, lh.Vars)
		hv[lh.Name] = hs[i].Vars
	}
	for _, h := range hs {
		h.Vars["hostvars"] = hv
		h.Vars["ansible_play_hosts"] = []any{lhs[0].Name, lhs[1].Name}
	}
	return lhs, hs
}

// epoch reads admin_epoch:epoch of the live CIB.
func epoch(t *testing.T, h *modtest.Host) string {
	t.Helper()
	head := h.Sh(t, "cibadmin --query | head -1")
	a := regexp.MustCompile(` admin_epoch="(\d+)"`).FindStringSubmatch(head)
	e := regexp.MustCompile(` epoch="(\d+)"`).FindStringSubmatch(head)
	require.NotNil(t, a, head)
	require.NotNil(t, e, head)
	return a[1] + ":" + e[1]
}

// holder returns the node whose crm_mon shows rsc active ("" none).
func holder(t *testing.T, h *modtest.Host, rsc string) string {
	t.Helper()
	out := h.Sh(t, "crm_resource --locate --resource "+rsc+" 2>/dev/null || true")
	m := regexp.MustCompile(`is running on: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// waitAddress polls until the host carries addr: crm_resource may report
// the new location a moment before IPaddr2's start has added it.
func waitAddress(t *testing.T, h *modtest.Host, addr string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		out := h.Sh(t, "ip -o -4 addr show")
		if strings.Contains(out, addr) {
			return
		}
		if time.Since(start) > limit {
			t.Fatalf("%s does not carry %s %s after its resource moved there:\n%s", h.Name, addr, limit, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitHolder polls until rsc runs on want, and returns how long it took.
func waitHolder(t *testing.T, h *modtest.Host, rsc, want string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if holder(t, h, rsc) == want {
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s did not move to %s within %s", rsc, want, limit)
	return 0
}

func TestPacemakerOnLab(t *testing.T) {
	lhs, hs := labCluster(t)
	h1, h2 := hs[0], hs[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	vips, err := lab.ReserveAddresses(ctx, "pcmk-vip-"+lhs[0].Name+strings.ReplaceAll(lhs[0].Address, ".", ""), 2)
	cancel()
	require.NoError(t, err)
	vip := vips[0].String()

	clusterArgs := map[string]any{
		"name":               "hacl",
		"nodes":              []any{"h1", "h2"},
		"hacluster_password": "Lab-s3cret!",
		"properties":         map[string]any{"stonith-enabled": false, "no-quorum-policy": "ignore"},
		"resource_defaults":  map[string]any{"resource-stickiness": 100, "migration-threshold": 3},
	}

	t.Run("pcs_cluster creates a two-node cluster", func(t *testing.T) {
		start := time.Now()
		res := h1.Converge(t, "pcs_cluster", clusterArgs, []string{"/etc/corosync/corosync.conf", "/var/lib/pcsd/known-hosts"},
			"systemctl is-active corosync pacemaker pcsd")
		t.Logf("pcs_cluster converged (check, create, rerun, check) in %s; plan: %v", time.Since(start).Round(time.Second), res.Data["plan"])
		assert.NotContains(t, res.Msg, "Lab-s3cret!")
		for _, d := range res.Diff {
			assert.NotContains(t, d.Before+d.After, "Lab-s3cret!")
		}
		conf := h2.Sh(t, "cat /etc/corosync/corosync.conf")
		assert.Contains(t, conf, "cluster_name: hacl")
		assert.Regexp(t, `two_node:\s*1`, conf)
		mon := h2.Sh(t, "crm_mon --one-shot --output-as=xml")
		assert.Regexp(t, `<node name="h1"[^>]* online="true"`, mon)
		assert.Regexp(t, `<node name="h2"[^>]* online="true"`, mon)
		assert.Contains(t, mon, `with_quorum="true"`)
		assert.Contains(t, h1.Sh(t, "crm_attribute --type crm_config --name stonith-enabled --query"), "value=false")
		assert.Contains(t, h1.Sh(t, "crm_attribute --type rsc_defaults --name migration-threshold --query"), "value=3")
		assert.Equal(t, "enabled\n", h2.Sh(t, "systemctl is-enabled pacemaker"))
	})

	t.Run("pcs_cluster on another node leaves it to the leader", func(t *testing.T) {
		res := h2.MustRun(t, "pcs_cluster", clusterArgs, false, false)
		assert.False(t, res.Changed)
		assert.Contains(t, res.Msg, "h1")
	})

	t.Run("pcs_cluster refuses another cluster name", func(t *testing.T) {
		args := map[string]any{"name": "other", "nodes": []any{"h1", "h2"}, "hacluster_password": "Lab-s3cret!"}
		before := epoch(t, h1)
		res, err := h1.Run(t, "pcs_cluster", args, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "force_recreate")
		assert.Contains(t, h1.Sh(t, "cat /etc/corosync/corosync.conf"), "cluster_name: hacl")
		assert.Equal(t, before, epoch(t, h1))
	})

	vipArgs := map[string]any{
		"id":     "vip",
		"agent":  "ocf:heartbeat:IPaddr2",
		"params": map[string]any{"ip": vip, "cidr_netmask": 24},
		"ops":    []any{map[string]any{"name": "monitor", "interval": "10s"}},
		"wait":   90,
	}
	cibProbe := "cibadmin --query --scope configuration | grep -v -e dc-version -e have-watchdog"
	locArgs := map[string]any{"type": "location", "rsc": "vip", "node": "h1", "score": "INFINITY", "wait": 90}

	t.Run("pacemaker_resource creates a VIP", func(t *testing.T) {
		h1.Converge(t, "pacemaker_resource", vipArgs, nil, cibProbe)
		h1.Converge(t, "pacemaker_constraint", locArgs, nil, cibProbe)
		assert.Equal(t, "h1", holder(t, h1, "vip"))
		assert.Contains(t, h1.Sh(t, "ip -o -4 addr show"), vip+"/24")
		// The second host sees nothing to do.
		res := h2.MustRun(t, "pacemaker_resource", vipArgs, false, false)
		assert.False(t, res.Changed)
	})

	t.Run("a constraint made by pcs is recognised by meaning", func(t *testing.T) {
		h2.Sh(t, "pcs resource create vip-dummy ocf:pacemaker:Dummy --no-default-ops && pcs constraint colocation add vip-dummy with vip INFINITY")
		ep := epoch(t, h1)
		res := h1.MustRun(t, "pacemaker_constraint", map[string]any{"type": "colocation", "rsc": "vip-dummy", "with_rsc": "vip"}, false, false)
		assert.False(t, res.Changed, "pcs named it differently, but it is the same constraint: %s", res.Msg)
		assert.Equal(t, ep, epoch(t, h1))
		res = h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "vip-dummy", "state": "absent"}, false, false)
		assert.True(t, res.Changed)
		assert.NotContains(t, h1.Sh(t, "cibadmin --query --scope constraints"), "vip-dummy", "constraints naming a removed resource go with it")
	})

	t.Run("drift is corrected", func(t *testing.T) {
		h2.Sh(t, "pcs resource update vip cidr_netmask=25 && pcs resource update vip op monitor interval=20s")
		require.Contains(t, h1.Sh(t, "cibadmin --query --xpath \"//primitive[@id='vip']\""), `value="25"`)
		res := h1.MustRun(t, "pacemaker_resource", vipArgs, false, true)
		assert.True(t, res.Changed)
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].Before, `value="25"`)
		assert.Contains(t, res.Diff[0].After, `value="24"`)
		xml := h1.Sh(t, "cibadmin --query --xpath \"//primitive[@id='vip']\"")
		assert.Contains(t, xml, `name="cidr_netmask" value="24"`)
		assert.Contains(t, xml, `interval="10s"`)
		assert.NotContains(t, xml, `interval="20s"`)
		res = h1.MustRun(t, "pacemaker_resource", vipArgs, false, false)
		assert.False(t, res.Changed, res.Msg)
	})

	t.Run("check mode leaves the CIB epoch alone", func(t *testing.T) {
		before := epoch(t, h1)
		args := map[string]any{}
		for k, v := range vipArgs {
			args[k] = v
		}
		args["params"] = map[string]any{"ip": vip, "cidr_netmask": 26}
		res := h1.MustRun(t, "pacemaker_resource", args, true, true)
		assert.True(t, res.Changed)
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].After, `value="26"`)
		res = h1.MustRun(t, "pcs_cluster", map[string]any{"name": "hacl", "nodes": []any{"h1", "h2"}, "properties": map[string]any{"no-quorum-policy": "stop"}}, true, false)
		assert.True(t, res.Changed)
		assert.Equal(t, before, epoch(t, h1))
	})

	t.Run("a VIP colocated with the Promoted instance of a promotable clone", func(t *testing.T) {
		stateful := map[string]any{"id": "state", "agent": "ocf:pacemaker:Stateful", "wait": 90,
			"promotable": map[string]any{"meta": map[string]any{"promoted-max": 1, "notify": true}},
			"ops": []any{
				map[string]any{"name": "monitor", "interval": "10s", "role": "Promoted"},
				map[string]any{"name": "monitor", "interval": "11s", "role": "Unpromoted"},
			}}
		h1.Converge(t, "pacemaker_resource", stateful, nil, cibProbe)
		assert.Contains(t, h1.Sh(t, "cibadmin --query --scope resources"), `<clone id="state-clone">`)
		col := map[string]any{"type": "colocation", "rsc": "vip", "with_rsc": "state-clone", "with_rsc_role": "Promoted", "wait": 90}
		// vip is pinned to h1 by the location constraint: the promoted
		// instance must follow it there (the colocation is mandatory).
		h1.Converge(t, "pacemaker_constraint", col, nil, cibProbe)
		promoted := regexp.MustCompile(`<resource id="state"[^>]*role="Promoted"[^>]*>\s*<node name="(\w+)"`).FindStringSubmatch(h1.Sh(t, "crm_mon --one-shot --output-as=xml"))
		require.NotNil(t, promoted)
		assert.Equal(t, holder(t, h1, "vip"), promoted[1])
		// Legacy role names are the same constraint.
		legacy := map[string]any{"type": "colocation", "rsc": "vip", "with_rsc": "state-clone", "with_rsc_role": "Master"}
		assert.False(t, h1.MustRun(t, "pacemaker_constraint", legacy, false, false).Changed)
		col["state"] = "absent"
		h1.MustRun(t, "pacemaker_constraint", col, false, false)
		h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "state", "state": "absent"}, false, false)
		assert.NotContains(t, h1.Sh(t, "cibadmin --query --scope configuration"), "state-clone")
	})

	t.Run("ganesha and a VIP in a group fail over", func(t *testing.T) {
		if _, err := exec.LookPath("nfs-cat"); err != nil {
			t.Skipf("nfs-cat is not installed on this machine (libnfs-utils): %v", err)
		}
		nfsVIP := vips[1].String()
		for _, h := range hs {
			h.Sh(t, "mkdir -p /srv/nfs/data && hostname > /srv/nfs/data/who")
			res := h.MustRun(t, "nfs_export", map[string]any{"backend": "ganesha", "path": "/srv/nfs/data", "export_id": 20,
				"clients": []any{"10.77.0.0/24(ro)"}, "ganesha_service": "unmanaged"}, false, false)
			assert.True(t, res.Changed)
		}
		h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "nfs-vip", "agent": "ocf:heartbeat:IPaddr2", "group": "nfs",
			"params": map[string]any{"ip": nfsVIP, "cidr_netmask": 24}, "ops": []any{map[string]any{"name": "monitor", "interval": "10s"}}}, false, false)
		h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "nfs-daemon", "agent": "systemd:nfs-ganesha", "group": "nfs", "wait": 120,
			"ops": []any{map[string]any{"name": "monitor", "interval": "10s", "timeout": "30s"}}}, false, false)
		from := holder(t, h1, "nfs-daemon")
		require.NotEmpty(t, from)
		require.Equal(t, from, holder(t, h1, "nfs-vip"), "group members run together")
		url := "nfs://" + nfsVIP + "/srv/nfs/data/who"
		require.Equal(t, from+"\n", readNFS(t, url, "", 90*time.Second))
		to := map[string]string{"h1": "h2", "h2": "h1"}[from]
		start := time.Now()
		h1.Sh(t, "pcs node standby "+from)
		got := readNFS(t, url, to+"\n", 120*time.Second)
		t.Logf("standby %s: NFS through the VIP served by %s after %s", from, strings.TrimSpace(got), time.Since(start).Round(100*time.Millisecond))
		h1.Sh(t, "pcs node unstandby "+from)
		h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "nfs-daemon", "state": "absent"}, false, false)
		h1.MustRun(t, "pacemaker_resource", map[string]any{"id": "nfs-vip", "state": "absent"}, false, false)
	})

	t.Run("the VIP moves on standby and when its holder stops", func(t *testing.T) {
		start := time.Now()
		h1.Sh(t, "pcs node standby h1")
		waitHolder(t, h2, "vip", "h2", 60*time.Second)
		t.Logf("standby h1: vip on h2 %s after the command started", time.Since(start).Round(10*time.Millisecond))
		waitAddress(t, h2, vip+"/24", 15*time.Second)
		start = time.Now()
		h1.Sh(t, "pcs node unstandby h1")
		waitHolder(t, h2, "vip", "h1", 60*time.Second)
		t.Logf("unstandby h1: vip back on h1 %s after the command started", time.Since(start).Round(10*time.Millisecond))

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start = time.Now()
		require.NoError(t, lab.Stop(ctx, lhs[0].LabDir, "h1", lab.Options{HaltTimeout: 30 * time.Second}))
		stopped := time.Since(start)
		d := waitHolder(t, h2, "vip", "h2", 60*time.Second)
		t.Logf("lab.Stop h1 (clean halt, took %s): vip on h2 %s after the stop returned (%s after it began)", stopped.Round(10*time.Millisecond), d.Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond))
		waitAddress(t, h2, vip+"/24", 15*time.Second)
	})
}

// readNFS reads url with nfs-cat from the controller until it succeeds
// (and, when want is set, returns want) or limit passes.
func readNFS(t *testing.T, url, want string, limit time.Duration) string {
	t.Helper()
	var last string
	for start := time.Now(); time.Since(start) < limit; time.Sleep(500 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, "nfs-cat", url).Output()
		cancel()
		last = string(out)
		if err == nil && (want == "" || last == want) {
			return last
		}
		if err != nil {
			last = err.Error()
		}
	}
	t.Fatalf("nfs-cat %s: want %q within %s, last: %q", url, want, limit, last)
	return ""
}

func TestPcsClusterGrowShrinkDestroy(t *testing.T) {
	lhs := labtest.Hosts(t, 3, labtest.Options{})
	hv := map[string]any{}
	hs := make([]*modtest.Host, len(lhs))
	for i, lh := range lhs {
		hs[i] = modtest.Connect(t, lh.Name, lh.Vars)
		hv[lh.Name] = hs[i].Vars
	}
	for _, h := range hs {
		h.Vars["hostvars"] = hv
	}
	h1 := hs[0]
	args := func(nodes ...any) map[string]any {
		return map[string]any{"name": "grow", "nodes": nodes, "hacluster_password": "pw-Grow-1",
			"properties": map[string]any{"stonith-enabled": false}}
	}
	start := time.Now()
	res := h1.MustRun(t, "pcs_cluster", args("h1", "h2"), false, false)
	require.True(t, res.Changed)
	t.Logf("two-node cluster created in %s; steps: %v", time.Since(start).Round(time.Second), res.Data["step_seconds"])

	start = time.Now()
	res = h1.MustRun(t, "pcs_cluster", args("h1", "h2", "h3"), false, false)
	assert.True(t, res.Changed)
	assert.Contains(t, res.Data["plan"], "add node h3")
	t.Logf("h3 added in %s: %v", time.Since(start).Round(time.Second), res.Data["plan"])
	mon := hs[2].Sh(t, "crm_mon --one-shot --output-as=xml")
	assert.Regexp(t, `<node name="h3"[^>]* online="true"`, mon)
	assert.Contains(t, hs[2].Sh(t, "cat /etc/corosync/corosync.conf"), "cluster_name: grow")
	assert.False(t, h1.MustRun(t, "pcs_cluster", args("h1", "h2", "h3"), false, false).Changed)

	res = h1.MustRun(t, "pcs_cluster", args("h1", "h2"), false, false)
	assert.True(t, res.Changed)
	assert.Contains(t, res.Data["plan"], "remove node h3")
	assert.NotContains(t, h1.Sh(t, "cat /etc/corosync/corosync.conf"), "h3")
	assert.False(t, h1.MustRun(t, "pcs_cluster", args("h1", "h2"), false, false).Changed)

	// h3 left the cluster; a new cluster of another name on h2+h3 is
	// refused while h2 belongs to "grow", and forced it re-creates.
	other := map[string]any{"name": "other", "nodes": []any{"h2", "h3"}, "hacluster_password": "pw-Grow-1", "cluster_leader": "h2"}
	r, err := hs[1].Run(t, "pcs_cluster", other, false, false)
	require.NoError(t, err)
	assert.True(t, r.Failed)
	assert.Contains(t, r.Msg, `h2 belongs to cluster "grow"`)

	abs := map[string]any{"name": "grow", "nodes": []any{"h1", "h2"}, "state": "absent"}
	res = h1.MustRun(t, "pcs_cluster", abs, true, false)
	assert.True(t, res.Changed)
	assert.Contains(t, h1.Sh(t, "cat /etc/corosync/corosync.conf"), "cluster_name: grow", "check mode destroyed nothing")
	res = h1.MustRun(t, "pcs_cluster", abs, false, false)
	assert.True(t, res.Changed)
	assert.Equal(t, "absent\n", h1.Sh(t, "test -e /etc/corosync/corosync.conf && echo present || echo absent"))
	assert.False(t, h1.MustRun(t, "pcs_cluster", abs, false, false).Changed)
}
