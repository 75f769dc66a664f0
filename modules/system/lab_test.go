package system_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/aptrepo"
	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/system"
	"github.com/hactl/hactl/pkg/lab/labtest"
	"github.com/hactl/hactl/pkg/transport"
)

const (
	keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA alice@ops"
	keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB bob@ops"
)

// One lab host serves every module of the package (one lab per package).
func TestSystemModulesOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	h.Sh(t, "useradd -m -s /bin/sh hauser")

	t.Run("authorized_key", func(t *testing.T) {
		const f = "/home/hauser/.ssh/authorized_keys"
		res := h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": keyA + "\n" + keyB}, []string{"/home/hauser"})
		require.Len(t, res.Diff, 1)
		assert.Equal(t, keyA+"\n"+keyB+"\n", h.Sh(t, "cat "+f))
		assert.Equal(t, "700 hauser\n600 hauser\n", h.Sh(t, "stat -c '%a %U' /home/hauser/.ssh "+f))
		assert.Equal(t, f, res.Data["keyfile"])

		h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": keyA, "key_options": `from="10.77.0.0/24",no-pty`}, []string{"/home/hauser"})
		assert.Equal(t, keyB+"\n"+`from="10.77.0.0/24",no-pty `+keyA+"\n", h.Sh(t, "cat "+f))

		h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": keyB, "exclusive": true}, []string{"/home/hauser"})
		assert.Equal(t, keyB+"\n", h.Sh(t, "cat "+f))

		h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": keyB, "state": "absent"}, []string{"/home/hauser"})
		assert.Equal(t, "", h.Sh(t, "cat "+f))

		// Hostile values reach the host only quoted.
		const odd = "/tmp/o d'd $(touch /tmp/pwned)\n/keys"
		h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": keyA, "path": odd, "manage_dir": false, "comment": "x'; touch /tmp/pwned2 #"}, []string{"/tmp"})
		assert.Equal(t, "no\n", h.Sh(t, "ls /tmp/pwned /tmp/pwned2 >/dev/null 2>&1 && echo yes || echo no"))

		assert.Equal(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA x'; touch /tmp/pwned2 #\n", h.Sh(t, "cat \"/tmp/o d'd \\$(touch /tmp/pwned)\"'\n'/keys"))
		res, err := h.Run(t, "authorized_key", map[string]any{"user": "hauser", "key": keyA, "path": "/nonexistent/a/keys"}, false, false)
		require.NoError(t, err)
		assert.Contains(t, res.Msg, "Failed to create directory /nonexistent/a")
		// Keys from a URL are fetched by the host.
		repo := aptrepo.New(t)
		require.NoError(t, os.WriteFile(filepath.Join(repo.Dir, "ops.keys"), []byte(keyA+"\n# a comment\n"+keyB+"\n"), 0o644))
		h.Converge(t, "authorized_key", map[string]any{"user": "hauser", "key": repo.URL + "ops.keys", "exclusive": true}, []string{"/home/hauser"})
		assert.Equal(t, keyA+"\n"+keyB+"\n", h.Sh(t, "cat "+f))
		res, err = h.Run(t, "authorized_key", map[string]any{"user": "hauser", "key": repo.URL + "missing.keys"}, false, false)
		require.NoError(t, err)
		assert.Contains(t, res.Msg, "Error getting key from: "+repo.URL+"missing.keys")

		res, err = h.Run(t, "authorized_key", map[string]any{"user": "nosuchuser", "key": keyA}, true, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Either user must exist")
		res, err = h.Run(t, "authorized_key", map[string]any{"user": "hauser", "key": "not a key"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "invalid key specified: not a key", res.Msg)
		_, err = h.Run(t, "authorized_key", map[string]any{"user": "hauser", "key": keyA, "state": "gone"}, false, false)
		assert.Error(t, err)
	})

	t.Run("hostname", func(t *testing.T) {
		res := h.Converge(t, "hostname", map[string]any{"name": "nfsha01"}, []string{"/etc/hostname"}, "hostname")
		assert.Equal(t, "nfsha01\n", h.Sh(t, "hostname"))
		assert.Equal(t, "nfsha01\n", h.Sh(t, "cat /etc/hostname"))
		facts := res.Data["ansible_facts"].(map[string]any)
		assert.Equal(t, "nfsha01", facts["ansible_hostname"])
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "hostname = nfsha01\n", res.Diff[0].After)

		h.Converge(t, "hostname", map[string]any{"name": "infra02", "use": "alpine"}, []string{"/etc/hostname"}, "hostname")
		assert.Equal(t, "infra02\n", h.Sh(t, "hostname; true"))
		res, err := h.Run(t, "hostname", map[string]any{"name": strings.Repeat("a", 70), "use": "systemd"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "over 64 characters")
		_, err = h.Run(t, "hostname", map[string]any{"name": "x", "use": "plan9"}, false, false)
		assert.Error(t, err)
	})

	t.Run("timezone", func(t *testing.T) {
		h.Converge(t, "timezone", map[string]any{"name": "Europe/Paris"}, []string{"/etc/localtime", "/etc/timezone"}, "readlink /etc/localtime")
		assert.Contains(t, h.Sh(t, "readlink /etc/localtime"), "Europe/Paris")
		res, err := h.Run(t, "timezone", map[string]any{"name": "Mars/Olympus$(touch /tmp/tz)"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "is not available")
		_, err = h.Run(t, "timezone", map[string]any{}, false, false)
		assert.Error(t, err)
	})

	t.Run("wait_for", func(t *testing.T) {
		res := h.MustRun(t, "wait_for", map[string]any{"port": 22, "search_regex": `OpenSSH_(\S+)`, "timeout": 10}, false, false)
		assert.False(t, res.Changed)
		require.Len(t, res.Data["match_groups"], 1)
		assert.Regexp(t, `^\d+\.\d+p\d+$`, res.Data["match_groups"].([]any)[0], "\\S+ stops at the space before Debian")

		h.Sh(t, "rm -f /tmp/wf; (sleep 2; echo 'ready v=42' > /tmp/wf) >/dev/null 2>&1 &")
		res = h.MustRun(t, "wait_for", map[string]any{"path": "/tmp/wf", "search_regex": `^ready v=(?P<v>\d+)$`, "timeout": 20}, false, false)
		assert.Equal(t, map[string]any{"v": "42"}, res.Data["match_groupdict"])
		assert.GreaterOrEqual(t, res.Data["elapsed"], 1)

		h.Sh(t, "(sleep 2; rm -f /tmp/wf) >/dev/null 2>&1 &")
		h.MustRun(t, "wait_for", map[string]any{"path": "/tmp/wf", "state": "absent", "timeout": 20}, false, false)
		h.MustRun(t, "wait_for", map[string]any{"port": 9, "state": "stopped", "timeout": 5}, false, false)
		h.MustRun(t, "wait_for", map[string]any{"port": 22, "state": "drained", "exclude_hosts": []any{"10.77.0.1"}, "timeout": 5}, false, false)

		res, err := h.Run(t, "wait_for", map[string]any{"port": 22, "state": "drained", "timeout": 2}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "our own SSH session is an active connection")
		assert.Equal(t, "Timeout when waiting for 127.0.0.1:22 to drain", res.Msg)
		res, err = h.Run(t, "wait_for", map[string]any{"port": 9, "timeout": 2, "msg": "no discard"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "no discard", res.Msg)
		assert.GreaterOrEqual(t, res.Data["elapsed"], 2)
		res, err = h.Run(t, "wait_for", map[string]any{"path": "/tmp/$(touch /tmp/pwned3)'\n", "timeout": 1, "search_regex": "x'$(touch /tmp/pwned3)"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Timeout when waiting for search string x'$(touch /tmp/pwned3) in /tmp/$(touch /tmp/pwned3)'\n", res.Msg)
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned3 && echo yes || echo no"))
		res, err = h.Run(t, "wait_for", map[string]any{"path": "/tmp/x", "port": 1}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "port and path parameter can not both be passed to wait_for", res.Msg)
	})

	t.Run("cron", func(t *testing.T) {
		const job = "/usr/local/bin/backup --to '/srv/b k' $(date +%F) >/dev/null 2>&1"
		probe := "crontab -u hauser -l"
		h.Sh(t, "printf 'MAILTO=root\\n0 3 * * * /bin/true\\n' | crontab -u hauser -")
		res := h.Converge(t, "cron", map[string]any{"name": "galera backup", "user": "hauser", "minute": "30", "hour": "2", "job": job}, nil, probe)
		assert.Equal(t, "MAILTO=root\n0 3 * * * /bin/true\n#Ansible: galera backup\n30 2 * * * "+job+"\n", h.Sh(t, probe))
		assert.Equal(t, []any{"galera backup"}, anySlice(res.Data["jobs"]))
		require.Len(t, res.Diff, 1)
		assert.Equal(t, `crontab for user "hauser"`, res.Diff[0].BeforeHeader)

		h.Converge(t, "cron", map[string]any{"name": "PATH", "env": true, "job": "/usr/sbin:/usr/bin", "insertafter": "MAILTO", "user": "hauser"}, nil, probe)
		h.Converge(t, "cron", map[string]any{"name": "galera backup", "user": "hauser", "state": "absent"}, nil, probe)
		assert.Equal(t, "MAILTO=root\nPATH=\"/usr/sbin:/usr/bin\"\n0 3 * * * /bin/true\n", h.Sh(t, probe))

		h.Converge(t, "cron", map[string]any{"name": "root job", "special_time": "daily", "job": "echo 'x' > /dev/null"}, nil, "crontab -l")
		assert.Equal(t, "#Ansible: root job\n@daily echo 'x' > /dev/null\n", h.Sh(t, "crontab -l"))

		h.Converge(t, "cron", map[string]any{"name": "gc", "user": "root", "cron_file": "registry-gc", "weekday": "0", "job": "true", "backup": true}, []string{"/etc/cron.d"})
		assert.Equal(t, "#Ansible: gc\n* * * * 0 root true\n", h.Sh(t, "cat /etc/cron.d/registry-gc"))
		assert.Equal(t, "644\n", h.Sh(t, "stat -c %a /etc/cron.d/registry-gc"))
		h.Converge(t, "cron", map[string]any{"name": "gc", "user": "root", "cron_file": "registry-gc", "state": "absent"}, []string{"/etc/cron.d"})
		assert.Equal(t, "gone\n", h.Sh(t, "test -e /etc/cron.d/registry-gc || echo gone"))
	})

	t.Run("pam_limits", func(t *testing.T) {
		const f = "/etc/security/limits.d/ha.conf"
		res := h.Converge(t, "pam_limits", map[string]any{"domain": "mysql", "limit_type": "-", "limit_item": "nofile", "value": "65535", "dest": f, "comment": "galera"}, []string{f})
		assert.Equal(t, "mysql\t-\tnofile\t65535\t#galera\n", h.Sh(t, "cat "+f))
		assert.Equal(t, "mysql\t-\tnofile\t65535\t#galera\n", res.Msg)
		h.Converge(t, "pam_limits", map[string]any{"domain": "@adm$(touch${IFS}/tmp/pwned4)'", "limit_type": "soft", "limit_item": "core", "value": "0", "dest": f}, []string{f})
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned4 && echo yes || echo no"))
		res, err := h.Run(t, "pam_limits", map[string]any{"domain": "x", "limit_type": "soft", "limit_item": "nofile", "value": "many", "dest": f}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		_, err = h.Run(t, "pam_limits", map[string]any{"domain": "x", "limit_type": "medium", "limit_item": "nofile", "value": "1"}, false, false)
		assert.Error(t, err)
	})

	// Containers cannot load modules (and this kernel has no /proc/modules):
	// only the boot files are tested here.
	t.Run("modprobe", func(t *testing.T) {
		dirs := []string{"/etc/modules-load.d", "/etc/modprobe.d"}
		args := map[string]any{"name": "dummy", "state": "absent", "params": "numdummies=2", "persistent": "present"}
		h.Converge(t, "modprobe", args, dirs)
		assert.Equal(t, "dummy\n", h.Sh(t, "cat /etc/modules-load.d/dummy.conf"))
		assert.Equal(t, "options dummy numdummies=2\n", h.Sh(t, "cat /etc/modprobe.d/dummy.conf"))
		args["persistent"] = "absent"
		h.Converge(t, "modprobe", args, dirs)
		assert.Equal(t, "#dummy\n", h.Sh(t, "cat /etc/modules-load.d/dummy.conf"))
		assert.Equal(t, "#options dummy numdummies=2\n", h.Sh(t, "cat /etc/modprobe.d/dummy.conf"))

		res, err := h.Run(t, "modprobe", map[string]any{"name": "hactl_no_such_module"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.NotEmpty(t, res.Msg)
		res, err = h.Run(t, "modprobe", map[string]any{"name": "x; touch /tmp/pwned5"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		res, err = h.Run(t, "modprobe", map[string]any{"name": "dummy", "state": "absent", "persistent": "present", "params": "a='$(touch /tmp/pwned5)'"}, false, false)
		require.NoError(t, err)
		require.False(t, res.Failed, res.Msg)
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned5 && echo yes || echo no"))
	})

	t.Run("side by side with Ansible", func(t *testing.T) { testSideBySide(t, h) })

	// Last: the lab does not restart a container that reboots, so this
	// proves the detached reboot command runs and the host goes down; the
	// coming back is tested with a fake host (reboot_test.go).
	t.Run("reboot goes down", func(t *testing.T) {
		res, err := h.Run(t, "reboot", map[string]any{"reboot_timeout": 8, "connect_timeout": 2}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "Timed out waiting for last boot time check (timeout=8)", res.Msg)
		_, err = h.Conn.Run(context.Background(), "true", transport.RunOpts{Timeout: 3 * time.Second})
		assert.Error(t, err, "the host is down")
	})
}

func anySlice(v any) []any {
	switch s := v.(type) {
	case []any:
		return s
	case []string:
		out := make([]any, len(s))
		for i, x := range s {
			out[i] = x
		}
		return out
	}
	return nil
}
