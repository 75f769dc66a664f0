package system_test

import (
	"testing"

	"github.com/hactl/hactl/modules/internal/ansiblecmp"
	"github.com/hactl/hactl/modules/internal/modtest"
)

// testSideBySide runs modules with Ansible and with hactl from the same
// starting state on the lab host and compares the results.
func testSideBySide(t *testing.T, h *modtest.Host) {
	ansiblecmp.Require(t)
	const f = "/home/hauser/.ssh/authorized_keys"
	ansiblecmp.SideBySide(t, h, "ansible.posix.authorized_key", map[string]any{"user": "hauser", "key": keyA + "\n" + keyB, "key_options": `no-pty,from="10.77.0.0/24"`},
		"mkdir -p /home/hauser/.ssh && printf '# keys\\n\\n"+keyB+"\\n\\njunk\\n' > "+f, "cat "+f+"; stat -c '%a %U' "+f)
	ansiblecmp.SideBySide(t, h, "ansible.posix.authorized_key", map[string]any{"user": "hauser", "key": keyB, "exclusive": true},
		"printf '"+keyA+"\\n"+keyB+" old\\n' > "+f, "cat "+f)

	const tab = "crontab -u hauser -l"
	ansiblecmp.SideBySide(t, h, "cron", map[string]any{"name": "backup", "user": "hauser", "minute": "5", "job": "/bin/backup --all"},
		"printf 'MAILTO=x\\n#Ansible: backup\\n1 * * * * /bin/old\\n0 1 * * * /bin/backup --all\\n' | crontab -u hauser -", tab)
	ansiblecmp.SideBySide(t, h, "cron", map[string]any{"name": "PATH", "env": true, "job": "/bin", "insertbefore": "MAILTO", "user": "hauser"},
		"printf 'A=1\\nMAILTO=x\\n' | crontab -u hauser -", tab)

	const limits = "/etc/security/limits.d/cmp.conf"
	ansiblecmp.SideBySide(t, h, "community.general.pam_limits", map[string]any{"domain": "mysql", "limit_type": "soft", "limit_item": "nofile", "value": "8192", "use_max": true, "dest": limits},
		"printf '# x\\nmysql soft nofile 4096 # low\\n@adm - nproc 10\\n' > "+limits, "cat "+limits)

	// modprobe is left out: Ansible's module fails on this kernel, which
	// has no /proc/modules.

	ansiblecmp.SideBySide(t, h, "community.general.timezone", map[string]any{"name": "America/New_York"},
		"timedatectl set-timezone UTC", "readlink /etc/localtime; timedatectl show -p Timezone --value")
	ansiblecmp.SideBySide(t, h, "hostname", map[string]any{"name": "db01"},
		"hostnamectl set-hostname h1", "hostname; cat /etc/hostname")
}
