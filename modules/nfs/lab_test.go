package nfs_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// nfsClient runs a libnfs-utils command (nfs-ls, nfs-cat) on the
// controller against a lab address, bounded in time.
func nfsClient(t *testing.T, tool, url string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s is not installed on this machine (apt-get install libnfs-utils): %v", tool, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, url).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", tool, url, err, out)
	}
	return string(out), nil
}

// eventually retries f for up to d (a freshly started ganesha is in its
// grace period for a moment).
func eventually(t *testing.T, d time.Duration, f func() (string, error)) string {
	t.Helper()
	var out string
	var err error
	for start := time.Now(); time.Since(start) < d; time.Sleep(time.Second) {
		if out, err = f(); err == nil {
			return out
		}
	}
	require.NoError(t, err)
	return out
}

func TestGaneshaExportOnLab(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{NFS: true})[0]
	ip, _ := h.Vars["ansible_host"].(string)
	require.NotEmpty(t, ip)
	h.Sh(t, "mkdir -p /srv/nfs/data && echo 'served by ganesha' > /srv/nfs/data/hello.txt")
	args := map[string]any{
		"backend": "ganesha", "path": "/srv/nfs/data", "pseudo": "/data", "export_id": 10,
		"clients": []any{map[string]any{"host": "10.77.0.0/24", "options": []any{"rw", "no_root_squash"}}},
	}
	paths := []string{"/etc/ganesha", "/srv/nfs"}
	probe := "systemctl is-active nfs-ganesha"

	res := h.Converge(t, "nfs_export", args, paths, probe)
	t.Logf("first run: %s", res.Msg)
	ls := eventually(t, 60*time.Second, func() (string, error) { return nfsClient(t, "nfs-ls", "nfs://"+ip+"/srv/nfs/data") })
	assert.Contains(t, ls, "hello.txt")
	cat := eventually(t, 20*time.Second, func() (string, error) {
		return nfsClient(t, "nfs-cat", "nfs://"+ip+"/srv/nfs/data/hello.txt")
	})
	assert.Equal(t, "served by ganesha\n", cat)
	pid := h.Sh(t, "systemctl show -p MainPID --value nfs-ganesha")

	two := map[string]any{"backend": "ganesha", "path": "/srv/nfs/two", "pseudo": "/two", "export_id": 11,
		"clients": []any{"10.77.0.0/24(ro)"}}
	t.Run("a second export is added live over D-Bus", func(t *testing.T) {
		res := h.Converge(t, "nfs_export", two, paths, probe, "dbus-send --system --print-reply --dest=org.ganesha.nfsd /org/ganesha/nfsd/ExportMgr org.ganesha.nfsd.exportmgr.ShowExports | grep -c uint16")
		assert.Contains(t, res.Data["actions"], "AddExport")
		h.Sh(t, "echo two > /srv/nfs/two/f")
		ls := eventually(t, 20*time.Second, func() (string, error) { return nfsClient(t, "nfs-ls", "nfs://"+ip+"/srv/nfs/two") })
		assert.Contains(t, ls, " f")
		assert.Equal(t, pid, h.Sh(t, "systemctl show -p MainPID --value nfs-ganesha"), "no restart")
	})

	t.Run("a changed export is updated live", func(t *testing.T) {
		changed := map[string]any{}
		for k, v := range args {
			changed[k] = v
		}
		changed["clients"] = []any{"10.77.0.0/24(ro)"}
		res := h.MustRun(t, "nfs_export", changed, false, true)
		assert.True(t, res.Changed)
		assert.Contains(t, res.Data["actions"], "UpdateExport")
		require.NotEmpty(t, res.Diff)
		assert.Contains(t, res.Diff[0].After, "Access_Type = RO;")
		assert.Equal(t, pid, h.Sh(t, "systemctl show -p MainPID --value nfs-ganesha"), "no restart")
		res = h.MustRun(t, "nfs_export", changed, false, false)
		assert.False(t, res.Changed)
	})

	t.Run("absent removes the export live", func(t *testing.T) {
		abs := map[string]any{"backend": "ganesha", "path": "/srv/nfs/two", "export_id": 11, "state": "absent"}
		res := h.Converge(t, "nfs_export", abs, paths, probe)
		assert.Contains(t, res.Data["actions"], "RemoveExport")
		assert.NotContains(t, h.Sh(t, "cat /etc/ganesha/ganesha.conf"), "srv-nfs-two")
		_, err := nfsClient(t, "nfs-ls", "nfs://"+ip+"/srv/nfs/two")
		assert.Error(t, err, "the removed export is no longer served")
		ls := eventually(t, 20*time.Second, func() (string, error) { return nfsClient(t, "nfs-ls", "nfs://"+ip+"/srv/nfs/data") })
		assert.Contains(t, ls, "hello.txt", "the other export stays")
		assert.True(t, strings.Contains(h.Sh(t, "systemctl is-active nfs-ganesha"), "active"))
	})
}
