package facts

import (
	"context"
	"encoding/json"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// gatherLocal runs setup for real on this machine through /bin/sh.
func gatherLocal(t *testing.T, raw map[string]any) map[string]any {
	t.Helper()
	args, err := Setup{}.Spec().Validate(raw, false)
	require.NoError(t, err)
	conn := fakeconn.NewShell()
	res, err := Setup{}.Run(context.Background(), &module.Target{Host: "localhost", Conn: conn}, args)
	require.NoError(t, err)
	require.LessOrEqual(t, len(conn.Calls), 1, "one round trip")
	return res.Data["ansible_facts"].(map[string]any)
}

func TestSetupOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fact gathering targets Linux hosts")
	}
	f := gatherLocal(t, map[string]any{})
	host, err := os.Hostname()
	require.NoError(t, err)
	short, _, _ := strings.Cut(host, ".")
	assert.Equal(t, short, f["ansible_hostname"])
	assert.Equal(t, host, f["ansible_nodename"])
	assert.Equal(t, "Linux", f["ansible_system"])
	assert.NotEmpty(t, f["ansible_distribution"])
	if _, err := os.Stat("/etc/debian_version"); err == nil {
		assert.Equal(t, "Debian", f["ansible_os_family"])
		assert.Equal(t, "apt", f["ansible_pkg_mgr"])
	}
	assert.Greater(t, f["ansible_memtotal_mb"], 0)
	assert.Equal(t, runtime.NumCPU(), f["ansible_processor_nproc"])
	assert.GreaterOrEqual(t, f["ansible_processor_vcpus"], 1)
	u, err := user.Current()
	require.NoError(t, err)
	assert.Equal(t, u.Username, f["ansible_user_id"])
	assert.Equal(t, u.HomeDir, f["ansible_user_dir"])
	uid, _ := strconv.Atoi(u.Uid)
	assert.Equal(t, uid, f["ansible_user_uid"])
	assert.Equal(t, os.Getenv("PATH"), f["ansible_env"].(map[string]any)["PATH"])

	dt := f["ansible_date_time"].(map[string]any)
	epoch, err := strconv.ParseInt(dt["epoch"].(string), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), epoch, 60)

	assert.Contains(t, f["ansible_interfaces"], "lo")
	if lo, ok := f["ansible_lo"].(map[string]any); ok && lo["ipv4"] != nil {
		assert.Equal(t, "127.0.0.1", lo["ipv4"].(map[string]any)["address"])
		assert.Equal(t, "255.0.0.0", lo["ipv4"].(map[string]any)["netmask"])
	}
	for _, a := range f["ansible_all_ipv4_addresses"].([]any) {
		assert.False(t, strings.HasPrefix(a.(string), "127."), "loopback is not listed")
	}
	mounts := f["ansible_mounts"].([]any)
	var root map[string]any
	for _, m := range mounts {
		if m.(map[string]any)["mount"] == "/" {
			root = m.(map[string]any)
		}
	}
	require.NotNil(t, root, "the root filesystem is mounted")
	assert.Greater(t, root["size_total"], int64(0))
	assert.Equal(t, true, f["module_setup"])
	assert.Equal(t, []any{"all"}, f["gather_subset"])
	// JSON-encodable, as register and the fact cache need.
	_, err = json.Marshal(f)
	assert.NoError(t, err)
}

func TestSetupLocalSubsetAndFilter(t *testing.T) {
	f := gatherLocal(t, map[string]any{"gather_subset": "!all,!min,network", "filter": []any{"ansible_default_ipv*", "ansible_interfaces"}})
	assert.Contains(t, f, "ansible_interfaces")
	assert.NotContains(t, f, "ansible_hostname")
	assert.NotContains(t, f, "ansible_all_ipv4_addresses")
	for k := range f {
		if k != "gather_subset" && k != "module_setup" {
			assert.Regexp(t, `^ansible_(default_ipv[46]|interfaces)$`, k)
		}
	}
}

func TestDumpLocal(t *testing.T) {
	if os.Getenv("HACTL_DUMP") == "" {
		t.Skip("set HACTL_DUMP=1 to print the local facts (to compare with `ansible localhost -m setup`)")
	}
	b, _ := json.MarshalIndent(gatherLocal(t, map[string]any{}), "", " ")
	os.Stdout.Write(b)
}

func TestSetupThroughLocalTransport(t *testing.T) {
	args, err := Setup{}.Spec().Validate(map[string]any{"gather_subset": "!all"}, false)
	require.NoError(t, err)
	res, err := Setup{}.Run(context.Background(), &module.Target{Host: "localhost", Conn: transport.NewLocal()}, args)
	require.NoError(t, err)
	f := res.Data["ansible_facts"].(map[string]any)
	assert.Equal(t, "Linux", f["ansible_system"])
	assert.NotContains(t, f, "ansible_mounts", "!all keeps only the minimal facts")
	assert.NotContains(t, f, "ansible_interfaces")
}
