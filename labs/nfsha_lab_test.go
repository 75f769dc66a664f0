package labs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/apt"
	_ "github.com/hactl/hactl/modules/command"
	_ "github.com/hactl/hactl/modules/facts"
	_ "github.com/hactl/hactl/modules/files"
	_ "github.com/hactl/hactl/modules/nfs"
	_ "github.com/hactl/hactl/modules/pacemaker"
	_ "github.com/hactl/hactl/modules/systemd"
	_ "github.com/hactl/hactl/modules/util"
	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/transport"
)

// nfshaDir writes a throwaway lab directory with the fil-rouge's NFS-HA
// hosts (nfsha01, nfsha02, NFS export directories) on addresses reserved
// for it, and copies of labs/filrouge's nfsha.yml and its group_vars,
// nfs_vip rewritten to a reserved VIP. The fil-rouge's fixed addresses
// stay free for its own lab. (This test sits beside labs/filrouge, not in
// it: a lab directory is read as an inventory.)
func nfshaDir(t *testing.T) (dir, vip string) {
	t.Helper()
	if err := lab.CheckHost(); err != nil {
		t.Skipf("local lab unavailable, skipping: %v (CI runs these tests as root)", err)
	}
	if _, err := exec.LookPath("nfs-cat"); err != nil {
		t.Skipf("nfs-cat is not installed on this machine (apt-get install libnfs-utils): %v", err)
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "t" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hosts := []string{"nfsha01", "nfsha02"}
	addrs, err := lab.ReserveAddresses(ctx, name, len(hosts))
	require.NoError(t, err)
	// Reserved under its own name: lab.Up replaces the lab's reservations
	// with its hosts' addresses, which would free the VIP.
	vips, err := lab.ReserveAddresses(ctx, name+"-vip", 1)
	require.NoError(t, err)
	vip = vips[0].String()

	dir = t.TempDir()
	inv := "[nfsha]\nnfsha01 nfsharole=primary\nnfsha02 nfsharole=secondary\n"
	cfg := "name: " + name + "\nhosts:\n"
	for i, h := range hosts {
		cfg += fmt.Sprintf("  %s: {address: %s, nfs: true}\n", h, addrs[i])
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hosts"), []byte(inv), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, lab.ConfigFile), []byte(cfg), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755))
	for _, f := range []string{"nfsha.yml", "group_vars/all.yml", "group_vars/nfsha.yml"} {
		data, err := os.ReadFile(filepath.Join("filrouge", f))
		require.NoError(t, err)
		if f == "group_vars/all.yml" {
			re := regexp.MustCompile(`(?m)^nfs_vip: .*$`)
			require.True(t, re.Match(data), "group_vars/all.yml defines nfs_vip")
			data = re.ReplaceAll(data, []byte("nfs_vip: "+vip))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return dir, vip
}

// nfshaLastOutput is the report of the last nfshaPlay, logged when a run
// changes what it should not.
var nfshaLastOutput string

// nfshaPlay runs playbook and returns the number of changed tasks per host.
func nfshaPlay(t *testing.T, ctx context.Context, opts runner.Options, playbook string) map[string]int {
	t.Helper()
	changed, out := labtest.Play(t, ctx, opts, playbook)
	t.Logf("%s: changed per host %v", filepath.Base(playbook), changed)
	nfshaLastOutput = out
	return changed
}

// nfshaSh runs cmd on a lab host as root and returns its output.
func nfshaSh(t *testing.T, vars map[string]any, cmd string) string {
	t.Helper()
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := transport.Dial(ctx, cfg)
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	r, err := c.Run(ctx, cmd, transport.RunOpts{})
	require.NoError(t, err)
	require.Zero(t, r.RC, "%s: %s", cmd, r.Stderr)
	return string(r.Stdout)
}

// nfshaCat reads url with nfs-cat from the machine until it returns want or
// limit passes, and returns how long that took.
func nfshaCat(t *testing.T, url, want string, limit time.Duration) time.Duration {
	t.Helper()
	var last string
	start := time.Now()
	for time.Since(start) < limit {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, "nfs-cat", url).CombinedOutput()
		cancel()
		last = string(out)
		if err == nil && last == want {
			return time.Since(start)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("nfs-cat %s: want %q within %s, last: %q", url, want, limit, last)
	return 0
}

// TestNFSHATierOnLab plays nfsha.yml (roles nfs_ha and pacemaker) on two
// bare lab hosts, in check mode first (nothing may change), checks that a
// second run changes nothing and that a VIP parameter changed by hand is
// seen in check mode and put back (by a run limited to the second node),
// reads a file through the NFS VIP, then kills the node that serves it and
// reads it again through the VIP from the other node.
func TestNFSHATierOnLab(t *testing.T) {
	dir, vip := nfshaDir(t)
	labtest.Dir(t, dir)
	opts := labtest.PlayOptions(t, dir)
	opts.Exec.Diff = true
	cv := opts.HostOverrides
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	pb := filepath.Join(dir, "nfsha.yml")

	// Check mode on bare hosts: every task predicts, nothing changes
	// (the resources cannot be compared with a cluster that does not
	// exist yet: they predict a change).
	check := opts
	check.Exec.Check = true
	assert.Positive(t, nfshaPlay(t, ctx, check, pb)["nfsha01"], "check mode predicts the cluster")
	for _, h := range []string{"nfsha01", "nfsha02"} {
		assert.Equal(t, "inactive\n", nfshaSh(t, cv[h], "systemctl is-active pacemaker || true"), "check mode started nothing on %s", h)
		assert.Equal(t, "absent\n", nfshaSh(t, cv[h], "test -e /etc/ganesha/hactl && echo present || echo absent"), "check mode wrote no export on %s", h)
	}

	start := time.Now()
	first := nfshaPlay(t, ctx, opts, pb)
	t.Logf("first run from bare hosts in %.1fs", time.Since(start).Seconds())
	for _, h := range []string{"nfsha01", "nfsha02"} {
		assert.Positive(t, first[h], "the first run configures %s", h)
	}
	start = time.Now()
	second := nfshaPlay(t, ctx, opts, pb)
	t.Logf("second run in %.1fs", time.Since(start).Seconds())
	for h, n := range second {
		if !assert.Zero(t, n, "the second run changes nothing on %s", h) {
			t.Log(nfshaLastOutput)
		}
	}

	// Someone changes the VIP's netmask by hand: check mode sees it and
	// leaves it, a real run puts it back.
	vipXML := "cibadmin --query --xpath \"//primitive[@id='nfs-vip']\""
	nfshaSh(t, cv["nfsha02"], "pcs resource update nfs-vip cidr_netmask=25")
	assert.Positive(t, nfshaPlay(t, ctx, check, pb)["nfsha01"], "check mode sees the drift")
	assert.Contains(t, nfshaSh(t, cv["nfsha01"], vipXML), `name="cidr_netmask" value="25"`, "check mode changes nothing")
	// Played on nfsha02 alone (--limit), the run_once tasks run there and
	// nfsha02 drives the change itself.
	limited := opts
	limited.Exec.Limit = "nfsha02"
	assert.Equal(t, map[string]int{"nfsha02": 1}, nfshaPlay(t, ctx, limited, pb), "one task puts the VIP back")
	assert.Contains(t, nfshaSh(t, cv["nfsha01"], vipXML), `name="cidr_netmask" value="24"`)
	assert.Zero(t, nfshaPlay(t, ctx, opts, pb)["nfsha01"], "and then nothing is left to change")

	// The lab has no replicated volume: the same file on both nodes
	// stands in for it, and "who" tells which node serves.
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	data := "nfsha " + hex.EncodeToString(b) + "\n"
	for _, h := range []string{"nfsha01", "nfsha02"} {
		nfshaSh(t, cv[h], "printf '"+data+"' > /srv/nfs/exports/data.txt && hostname > /srv/nfs/exports/who")
		assert.Equal(t, "disabled\n", nfshaSh(t, cv[h], "systemctl is-enabled nfs-ganesha || true"), "only Pacemaker starts ganesha")
	}
	mon := nfshaSh(t, cv["nfsha01"], "crm_mon --one-shot --output-as=xml")
	assert.Contains(t, mon, `<group id="nfs" number_resources="2"`)
	m := regexp.MustCompile(`<resource id="nfs-vip"[^>]*>\s*<node name="(\w+)"`).FindStringSubmatch(mon)
	require.NotNil(t, m, mon)
	from := m[1]
	to := map[string]string{"nfsha01": "nfsha02", "nfsha02": "nfsha01"}[from]
	url := "nfs://" + vip + "/srv/nfs/exports/"
	d := nfshaCat(t, url+"data.txt", data, 90*time.Second)
	nfshaCat(t, url+"who", from+"\n", 10*time.Second)
	// NFSv4 clients see the export at its pseudo path (after ganesha's
	// grace period).
	d4 := nfshaCat(t, "nfs://"+vip+"/exports/data.txt?version=4", data, 3*time.Minute)
	t.Logf("NFSv4 read of the pseudo path /exports answered after %s", d4.Round(100*time.Millisecond))
	t.Logf("the export answers through the VIP %s (served by %s) %s after the file was written", vip, from, d.Round(100*time.Millisecond))

	require.NoError(t, lab.Kill(ctx, dir, from, lab.Options{}))
	d = nfshaCat(t, url+"who", to+"\n", 3*time.Minute)
	nfshaCat(t, url+"data.txt", data, 30*time.Second)
	t.Logf("%s killed: the VIP and the export moved to %s, read through the VIP %s after the kill", from, to, d.Round(100*time.Millisecond))
	d4 = nfshaCat(t, "nfs://"+vip+"/exports/data.txt?version=4", data, 3*time.Minute)
	t.Logf("NFSv4 through the VIP after the kill: %s more (ganesha's grace period on %s)", d4.Round(100*time.Millisecond), to)
	assert.True(t, strings.Contains(nfshaSh(t, cv[to], "ip -o -4 addr show"), vip+"/24"))
}
