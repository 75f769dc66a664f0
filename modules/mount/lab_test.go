package mount_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/ansiblecmp"
	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/mount"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestMountOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	const dir = "/srv/scratch dir"
	probe := "findmnt -n -o SOURCE,FSTYPE,OPTIONS --target '" + dir + "' || true"
	fstab := []string{"/etc/fstab"}

	t.Run("mounted creates the entry, the directory and the mount", func(t *testing.T) {
		res := h.Converge(t, "mount", map[string]any{"path": dir, "src": "tmpfs", "fstype": "tmpfs", "opts": "size=8m,mode=0750", "state": "mounted"}, fstab, probe)
		assert.Contains(t, h.Sh(t, "cat /etc/fstab"), `tmpfs /srv/scratch\040dir tmpfs size=8m,mode=0750 0 0`+"\n")
		assert.Contains(t, h.Sh(t, "findmnt -n -o FSTYPE,OPTIONS -M '"+dir+"'"), "size=8192k")
		assert.Equal(t, "size=8m,mode=0750", res.Data["opts"])
		require.Len(t, res.Diff, 1)
	})

	t.Run("changed options remount", func(t *testing.T) {
		h.Converge(t, "mount", map[string]any{"path": dir, "src": "tmpfs", "fstype": "tmpfs", "opts": "size=16m,mode=0750", "state": "mounted"}, fstab, probe)
		assert.Contains(t, h.Sh(t, "findmnt -n -o OPTIONS -M '"+dir+"'"), "size=16384k")
	})

	t.Run("unmounted keeps the entry", func(t *testing.T) {
		h.Converge(t, "mount", map[string]any{"path": dir, "state": "unmounted"}, fstab, probe, "mountpoint '"+dir+"'")
		assert.Contains(t, h.Sh(t, "cat /etc/fstab"), `/srv/scratch\040dir`)
	})

	t.Run("absent removes the entry and the directory", func(t *testing.T) {
		h.MustRun(t, "mount", map[string]any{"path": dir, "src": "tmpfs", "fstype": "tmpfs", "opts": "size=16m,mode=0750", "state": "mounted"}, false, false)
		h.Converge(t, "mount", map[string]any{"path": dir, "state": "absent"}, fstab, probe, "ls -d '"+dir+"' 2>&1")
		assert.NotContains(t, h.Sh(t, "cat /etc/fstab"), "scratch")
		assert.Equal(t, "gone\n", h.Sh(t, "test -e '"+dir+"' || echo gone"))
	})

	t.Run("bind mount in another fstab", func(t *testing.T) {
		h.Sh(t, "mkdir -p /srv/src && echo hi > /srv/src/f")
		h.Converge(t, "mount", map[string]any{"path": "/mnt/b", "src": "/srv/src", "fstype": "none", "opts": "bind", "state": "mounted", "fstab": "/etc/fstab.d/extra"}, []string{"/etc/fstab.d"}, "cat /mnt/b/f 2>&1")
		assert.Equal(t, "hi\n", h.Sh(t, "cat /mnt/b/f"))
		assert.Equal(t, "/srv/src /mnt/b none bind 0 0\n", h.Sh(t, "cat /etc/fstab.d/extra"))
	})

	t.Run("ephemeral leaves fstab alone", func(t *testing.T) {
		before := h.Sh(t, "cat /etc/fstab")
		res := h.MustRun(t, "mount", map[string]any{"path": "/mnt/e", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=4m", "state": "ephemeral"}, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, before, h.Sh(t, "cat /etc/fstab"))
		assert.Contains(t, h.Sh(t, "findmnt -n -o OPTIONS -M /mnt/e"), "size=4096k")
		res, err := h.Run(t, "mount", map[string]any{"path": "/mnt/e", "src": "/dev/other", "fstype": "ext4", "state": "ephemeral"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "already mounted with a different source")
	})

	t.Run("errors", func(t *testing.T) {
		res, err := h.Run(t, "mount", map[string]any{"path": "/mnt/bad$(touch /tmp/pwned)", "src": "/dev/nonexistent'x", "fstype": "ext4", "state": "mounted", "fstab": "/tmp/fstab.test"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Error mounting /mnt/bad$(touch /tmp/pwned)")
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
		assert.Equal(t, "", h.Sh(t, "cat /tmp/fstab.test"), "fstab restored after the failed mount")
		assert.Equal(t, "gone\n", h.Sh(t, "test -e '/mnt/bad$(touch /tmp/pwned)' || echo gone"), "created directory removed")
		_, err = h.Run(t, "mount", map[string]any{"path": "/mnt/x", "state": "mounted"}, false, false)
		assert.Error(t, err, "src and fstype are required")
	})

	t.Run("side by side with Ansible", func(t *testing.T) {
		ansiblecmp.Require(t)
		const tab = "/etc/fstab.cmp"
		reset := "umount /mnt/c 2>/dev/null; rmdir /mnt/c 2>/dev/null; printf '# t\\nUUID=1 / ext4 defaults 0 1\\ntmpfs   /mnt/c  tmpfs  size=1m\\n/swapfile none swap sw 0 0' > " + tab
		read := "cat " + tab + "; findmnt -n -o SOURCE,FSTYPE,OPTIONS -M /mnt/c || true"
		ansiblecmp.SideBySide(t, h, "ansible.posix.mount", map[string]any{"path": "/mnt/c", "src": "tmpfs", "fstype": "tmpfs", "opts": "size=2m", "state": "mounted", "fstab": tab}, reset, read)
		ansiblecmp.SideBySide(t, h, "ansible.posix.mount", map[string]any{"path": "/mnt/my dir", "src": "//srv/a&b", "fstype": "cifs", "opts": "ro", "boot": false, "state": "present", "fstab": tab}, reset, read)
		ansiblecmp.SideBySide(t, h, "ansible.posix.mount", map[string]any{"path": "/mnt/c", "state": "absent_from_fstab", "fstab": tab}, reset, read)
		ansiblecmp.SideBySide(t, h, "ansible.posix.mount", map[string]any{"path": "none", "src": "/swap2", "fstype": "swap", "state": "present", "fstab": tab}, reset, read)
	})
}
