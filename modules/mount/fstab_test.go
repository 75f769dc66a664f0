package mount

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Expected files are what ansible.posix.mount wrote for the same inputs.
func TestFstabEditsLikeAnsible(t *testing.T) {
	const base = "# fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1   /srv/data  ext4  defaults\n/dev/sdc1 /srv/x ext4 defaults 0 2\n/swapfile none swap sw 0 0\nnoeol /z ext4 defaults 0 0"
	const fixed = "# fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1   /srv/data  ext4  defaults\n/dev/sdc1 /srv/x ext4 defaults 0 2\n/swapfile none swap sw 0 0\nnoeol /z ext4 defaults 0 0\n"
	ent := func(src, name, fstype, opts, passno string) entry {
		return entry{src: escapeFstab(src), name: escapeFstab(name), fstype: fstype, opts: opts, dump: "0", passno: passno, rawSrc: src, hasSrc: true}
	}
	out, changed := setMount(base, ent("/dev/sdb1", "/srv/data", "ext4", "defaults", "0"))
	assert.True(t, changed, "a 4-field line is completed")
	assert.Equal(t, "# fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1 /srv/data ext4 defaults 0 0\n/dev/sdc1 /srv/x ext4 defaults 0 2\n/swapfile none swap sw 0 0\nnoeol /z ext4 defaults 0 0\n", out)

	_, changed = setMount(base, ent("/dev/sdc1", "/srv/x", "ext4", "defaults", "2"))
	assert.False(t, changed)
	_, changed = setMount(base, ent("noeol", "/z", "ext4", "defaults", "0"))
	assert.False(t, changed)

	out, changed = setMount(base, ent("//h/a&b", "/srv/my dir", "cifs", "ro,noauto", "0"))
	assert.True(t, changed)
	assert.Equal(t, fixed+`//h/a\046b /srv/my\040dir cifs ro,noauto 0 0`+"\n", out)

	out, changed = setMount(base, ent("/swap2", "none", "swap", "defaults", "0"))
	assert.True(t, changed, "another swap source is another entry")
	assert.Equal(t, fixed+"/swap2 none swap defaults 0 0\n", out)

	out, changed = unsetMount(base, entry{name: "/srv/x"})
	assert.True(t, changed)
	assert.Equal(t, "# fstab\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/sdb1   /srv/data  ext4  defaults\n/swapfile none swap sw 0 0\nnoeol /z ext4 defaults 0 0", out)
	_, changed = unsetMount(base, entry{name: "/srv/data"})
	assert.False(t, changed, "only 6-field lines are removed, as in Ansible")
}

func TestLinuxMountsLikeAnsible(t *testing.T) {
	const info = `21 1 0:19 / / rw,relatime - overlay overlay rw
30 21 0:30 / /run rw - tmpfs tmpfs rw
31 21 8:1 /srv/data /mnt/bind rw - ext4 /dev/sda1 rw
32 30 0:30 /sub /run/b rw - tmpfs tmpfs rw
`
	m := linuxMounts(info)
	assert.Equal(t, "overlay", m["/"].src, "parent 1 keeps the source")
	assert.Equal(t, "/", m["/run"].src)
	assert.Equal(t, "/srv/data", m["/mnt/bind"].src)
	assert.Equal(t, "/run/sub", m["/run/b"].src)
	assert.Equal(t, "tmpfs", m["/run/b"].source)
	assert.Equal(t, "ext4", m["/mnt/bind"].fs)
}
