package systemd_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/systemd"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

const unit = `[Unit]
Description=hactl test unit
[Service]
ExecStart=/bin/sleep infinity
ExecReload=/bin/true
[Install]
WantedBy=multi-user.target
`

func TestSystemdOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	h.Sh(t, "cat > /etc/systemd/system/hactl-demo.service <<'EOF'\n"+unit+"EOF\n")
	paths := []string{"/etc/systemd/system/multi-user.target.wants"}
	probes := []string{"systemctl is-active hactl-demo", "systemctl is-enabled hactl-demo"}

	t.Run("start and enable after daemon-reload", func(t *testing.T) {
		res := h.Converge(t, "systemd", map[string]any{"name": "hactl-demo", "state": "started", "enabled": true, "daemon_reload": true}, paths, probes...)
		assert.Equal(t, "started", res.Data["state"])
		assert.Equal(t, true, res.Data["enabled"])
		assert.Equal(t, "inactive", res.Data["status"].(map[string]any)["ActiveState"], "status is read before the change")
		assert.Equal(t, "active\n", h.Sh(t, "systemctl is-active hactl-demo"))
		assert.Equal(t, "enabled\n", h.Sh(t, "systemctl is-enabled hactl-demo"))
	})

	t.Run("restarted always changes and restarts", func(t *testing.T) {
		pid := h.Sh(t, "systemctl show -p MainPID --value hactl-demo")
		res := h.MustRun(t, "systemd", map[string]any{"name": "hactl-demo", "state": "restarted"}, true, false)
		assert.True(t, res.Changed)
		assert.Equal(t, pid, h.Sh(t, "systemctl show -p MainPID --value hactl-demo"), "check mode restarted it")
		res = h.MustRun(t, "systemd", map[string]any{"name": "hactl-demo", "state": "restarted"}, false, false)
		assert.True(t, res.Changed)
		assert.NotEqual(t, pid, h.Sh(t, "systemctl show -p MainPID --value hactl-demo"))
		res = h.MustRun(t, "systemd_service", map[string]any{"unit": "hactl-demo", "state": "reloaded"}, false, false)
		assert.True(t, res.Changed)
	})

	t.Run("stop and disable", func(t *testing.T) {
		h.Converge(t, "systemd", map[string]any{"name": "hactl-demo.service", "state": "stopped", "enabled": false}, paths, probes...)
		assert.Equal(t, "disabled\n", h.Sh(t, "systemctl is-enabled hactl-demo || true"))
	})

	t.Run("mask and unmask", func(t *testing.T) {
		cron := []string{"systemctl is-enabled cron", "systemctl is-active cron"}
		h.Converge(t, "systemd", map[string]any{"name": "cron", "masked": true, "state": "stopped"}, []string{"/etc/systemd/system/cron.service"}, cron...)
		assert.Equal(t, "masked\n", h.Sh(t, "systemctl is-enabled cron || true"))
		res, err := h.Run(t, "systemd", map[string]any{"name": "cron", "state": "started"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "a masked unit cannot start")
		assert.Contains(t, res.Msg, "Unable to start service cron")
		h.Converge(t, "systemd", map[string]any{"name": "cron", "masked": false, "state": "started"}, []string{"/etc/systemd/system/cron.service"}, cron...)
	})

	t.Run("service module drives haproxy", func(t *testing.T) {
		res := h.Converge(t, "service", map[string]any{"name": "haproxy", "state": "started", "enabled": true}, []string{"/etc/systemd/system/multi-user.target.wants"},
			"systemctl is-active haproxy", "systemctl is-enabled haproxy")
		assert.Equal(t, "haproxy", res.Data["name"])
		h.Converge(t, "ansible.builtin.service", map[string]any{"name": "haproxy", "state": "stopped", "enabled": false}, []string{"/etc/systemd/system/multi-user.target.wants"},
			"systemctl is-active haproxy", "systemctl is-enabled haproxy")
	})

	t.Run("missing unit and hostile names", func(t *testing.T) {
		res, err := h.Run(t, "service", map[string]any{"name": "no-such-unit", "state": "started"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Could not find the requested service no-such-unit: host", res.Msg)
		for _, name := range []string{"x'; touch /tmp/pwned; '", "$(touch /tmp/pwned)", "--now", "a\"b`touch /tmp/pwned`"} {
			res, err := h.Run(t, "systemd", map[string]any{"name": name, "state": "started", "enabled": true}, false, false)
			require.NoError(t, err, name)
			assert.True(t, res.Failed, name)
		}
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
	})

	t.Run("daemon_reload alone reports no change", func(t *testing.T) {
		res := h.MustRun(t, "systemd", map[string]any{"daemon_reload": true}, false, false)
		assert.False(t, res.Changed)
		assert.Empty(t, res.Data["status"])
	})
}
