package sysctl_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/sysctl"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestSysctlOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{Docker: true})[0] // Docker hosts get a writable /proc/sys/net
	const file = "/etc/sysctl.d/60-ha.conf"
	h.Sh(t, "sysctl -w net.ipv4.ip_nonlocal_bind=0 net.ipv4.ip_forward=0 >/dev/null; printf '# HA\\nnet.ipv4.tcp_syncookies = 1\\n' > "+file)

	t.Run("file and running value", func(t *testing.T) {
		res := h.Converge(t, "sysctl", map[string]any{"name": "net.ipv4.ip_nonlocal_bind", "value": "yes", "sysctl_file": file, "sysctl_set": true},
			[]string{file}, "sysctl -n net.ipv4.ip_nonlocal_bind")
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "# HA\nnet.ipv4.tcp_syncookies=1\nnet.ipv4.ip_nonlocal_bind=1\n", h.Sh(t, "cat "+file))
		assert.Equal(t, "1\n", h.Sh(t, "sysctl -n net.ipv4.ip_nonlocal_bind"))
	})

	t.Run("reload applies the default file", func(t *testing.T) {
		h.Converge(t, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": 1}, []string{"/etc/sysctl.conf"}, "sysctl -n net.ipv4.ip_forward")
		assert.Equal(t, "1\n", h.Sh(t, "sysctl -n net.ipv4.ip_forward"))
		h.Sh(t, "sysctl -w net.ipv4.ip_forward=0 >/dev/null")
		res := h.MustRun(t, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": "1"}, false, false)
		assert.True(t, res.Changed, "reload notices a running value that drifted")
		assert.Equal(t, "1\n", h.Sh(t, "sysctl -n net.ipv4.ip_forward"))
	})

	t.Run("absent", func(t *testing.T) {
		h.Converge(t, "sysctl", map[string]any{"name": "net.ipv4.ip_nonlocal_bind", "state": "absent", "sysctl_file": file, "reload": false}, []string{file})
		assert.Equal(t, "# HA\nnet.ipv4.tcp_syncookies=1\n", h.Sh(t, "cat "+file))
	})

	t.Run("errors", func(t *testing.T) {
		res, err := h.Run(t, "sysctl", map[string]any{"name": "kernel.no_such_key", "value": "1", "sysctl_file": "/tmp/x.conf"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "sysctl -p reports the unknown key")
		res, err = h.Run(t, "sysctl", map[string]any{"name": "net.ipv4.ip_forward", "value": "1; touch /tmp/pwned", "sysctl_file": "/tmp/y.conf", "sysctl_set": true}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
		_, err = h.Run(t, "sysctl", map[string]any{"name": "net.ipv4.ip_forward"}, false, false)
		assert.ErrorContains(t, err, "missing: value")
	})
}
