package ufw_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/ansiblecmp"
	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/ufw"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestUFWOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	files := []string{"/etc/ufw", "/etc/default/ufw"}
	tuples := func() string { return h.Sh(t, "grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules || true") }

	t.Run("ssh first, then enable with a deny policy", func(t *testing.T) {
		res := h.Converge(t, "ufw", map[string]any{"rule": "allow", "port": "22", "proto": "tcp"}, files)
		assert.Contains(t, tuples(), "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n")
		assert.Contains(t, res.Data["commands"], "/usr/sbin/ufw allow from any to any port 22 proto tcp")

		h.Converge(t, "ufw", map[string]any{"state": "enabled", "default": "deny"}, files, "iptables -S ufw-user-input 2>&1 | sort")
		assert.Contains(t, h.Sh(t, "cat /etc/ufw/ufw.conf"), "ENABLED=yes")
		assert.Contains(t, h.Sh(t, "iptables -S ufw-user-input"), "--dport 22 -j ACCEPT")
		assert.Equal(t, "ok\n", h.Sh(t, "echo ok"), "SSH still answers")
	})

	t.Run("rules by address, comment, insert and delete", func(t *testing.T) {
		args := map[string]any{"rule": "deny", "from_ip": "10.77.0.99", "to_port": "3306", "proto": "tcp", "comment": "no db $(touch /tmp/pwned) `id`"}
		h.Converge(t, "ufw", args, files)
		assert.Contains(t, tuples(), "deny tcp 3306 0.0.0.0/0 any 10.77.0.99 in comment=")
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))

		h.Converge(t, "ufw", map[string]any{"rule": "allow", "from_ip": "10.77.0.1", "insert": 1}, files)
		first := h.Sh(t, "grep -m1 '^### tuple' /etc/ufw/user.rules")
		assert.Contains(t, first, "allow any any 0.0.0.0/0 any 10.77.0.1 in")

		args["delete"] = true
		h.Converge(t, "ufw", args, files)
		assert.NotContains(t, tuples(), "3306")
	})

	t.Run("logging and routed default", func(t *testing.T) {
		h.Converge(t, "ufw", map[string]any{"logging": "medium"}, files)
		assert.Contains(t, h.Sh(t, "cat /etc/ufw/ufw.conf"), "LOGLEVEL=medium")
		h.Converge(t, "ufw", map[string]any{"default": "reject", "direction": "outgoing"}, files)
		assert.Contains(t, h.Sh(t, "cat /etc/default/ufw"), `DEFAULT_OUTPUT_POLICY="REJECT"`)
		h.Converge(t, "ufw", map[string]any{"default": "allow", "direction": "outgoing"}, files)
	})

	t.Run("errors and reload", func(t *testing.T) {
		res := h.MustRun(t, "ufw", map[string]any{"state": "reloaded"}, false, false)
		assert.True(t, res.Changed, "reloaded always changes, as in Ansible")
		res, err := h.Run(t, "ufw", map[string]any{"rule": "allow", "direction": "incoming"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, `For rules, direction must be one of "in" and "out", or direction must not be specified.`, res.Msg)
		res, err = h.Run(t, "ufw", map[string]any{"rule": "allow", "interface_in": "eth0", "interface_out": "eth1"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Only route rules can combine interface_in and interface_out", res.Msg)
		_, err = h.Run(t, "ufw", map[string]any{"direction": "in"}, false, false)
		assert.Error(t, err, "one of state, default, rule, logging is required")
		res, err = h.Run(t, "ufw", map[string]any{"rule": "allow", "to_port": "notaport;x"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "ufw rejects the port")
	})

	t.Run("disable", func(t *testing.T) {
		h.Converge(t, "ufw", map[string]any{"state": "disabled"}, files)
		assert.Contains(t, h.Sh(t, "cat /etc/ufw/ufw.conf"), "ENABLED=no")
	})

	t.Run("side by side with Ansible", func(t *testing.T) {
		ansiblecmp.Require(t)
		reset := "ufw --force reset >/dev/null && rm -f /etc/ufw/*.rules.[0-9]* && ufw logging low >/dev/null && ufw default allow outgoing >/dev/null && ufw allow 22/tcp >/dev/null && ufw deny from 10.77.0.50 >/dev/null && ufw --force enable >/dev/null"
		read := "grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules; grep -E '^(ENABLED|LOGLEVEL)' /etc/ufw/ufw.conf; grep POLICY /etc/default/ufw"
		for _, args := range []map[string]any{
			{"rule": "allow", "from_ip": "10.77.0.0/24", "to_port": "4567:4568", "proto": "tcp", "comment": "galera"},
			{"rule": "limit", "port": "22", "proto": "tcp"},
			{"rule": "reject", "direction": "out", "interface": "lo", "to_ip": "10.77.0.9"},
			{"rule": "allow", "from_ip": "10.77.0.7", "insert": 0, "insert_relative_to": "first-ipv4"},
			{"rule": "deny", "from_ip": "10.77.0.50", "delete": true},
			{"rule": "allow", "route": true, "interface_in": "lo", "interface_out": "lo"},
			{"logging": "high"},
			{"default": "reject", "direction": "outgoing"},
		} {
			ansiblecmp.SideBySide(t, h, "community.general.ufw", args, reset, read)
		}
	})
}
