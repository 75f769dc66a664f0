package storage_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/ansiblecmp"
	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/storage"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// Lab hosts have no device mapper (lvg and lvol are tested with fake
// reports), but mkfs, blkid, resize2fs and wipefs work on an image file.
func TestFilesystemOnAnImageFile(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	const img = "/srv/disk one.img"
	h.Sh(t, "truncate -s 32M '"+img+"'")
	probe := "blkid -c /dev/null -o export '" + img + "' | grep -v UUID"
	paths := []string{img}

	h.Converge(t, "filesystem", map[string]any{"dev": img, "fstype": "ext4", "opts": "-L nfsdata"}, paths, probe)
	assert.Contains(t, h.Sh(t, probe), "TYPE=ext4")
	assert.Contains(t, h.Sh(t, probe), "LABEL=nfsdata")

	h.Sh(t, "truncate -s 64M '"+img+"'")
	res := h.Converge(t, "filesystem", map[string]any{"dev": img, "fstype": "ext4", "resizefs": true}, paths, "dumpe2fs -h '"+img+"' 2>/dev/null | grep 'Block count'")
	assert.True(t, res.Changed)
	assert.Contains(t, h.Sh(t, "dumpe2fs -h '"+img+"' 2>/dev/null | grep 'Block count'"), "65536")
	res = h.MustRun(t, "filesystem", map[string]any{"dev": img, "fstype": "ext4", "resizefs": true}, false, false)
	assert.Equal(t, "Ext4 filesystem is using the whole device "+img, res.Msg)

	res, err := h.Run(t, "filesystem", map[string]any{"dev": img, "fstype": "swap"}, false, false)
	require.NoError(t, err)
	assert.Equal(t, "'"+img+"' is already used as ext4, use force=true to overwrite", res.Msg)
	// force makes the filesystem again on every run, as in Ansible.
	res = h.MustRun(t, "filesystem", map[string]any{"dev": img, "fstype": "swap", "force": true}, false, false)
	assert.True(t, res.Changed)
	assert.Contains(t, h.Sh(t, probe), "TYPE=swap")
	assert.False(t, h.MustRun(t, "filesystem", map[string]any{"dev": img, "fstype": "swap"}, false, false).Changed)

	h.Converge(t, "filesystem", map[string]any{"dev": img, "state": "absent"}, paths, probe)
	assert.NotContains(t, h.Sh(t, probe+"; true"), "TYPE=")

	res, err = h.Run(t, "filesystem", map[string]any{"dev": "/srv/$(touch /tmp/pwned)", "fstype": "ext4"}, false, false)
	require.NoError(t, err)
	assert.Equal(t, "Device /srv/$(touch /tmp/pwned) not found.", res.Msg)
	assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
	_, err = h.Run(t, "filesystem", map[string]any{"dev": img}, false, false)
	assert.Error(t, err, "fstype is required with state present")

	t.Run("side by side with Ansible", func(t *testing.T) {
		ansiblecmp.Require(t)
		const cmp = "/srv/cmp.img"
		read := "blkid -c /dev/null -o export " + cmp + " | grep -E '^(TYPE|LABEL)=' || true"
		ansiblecmp.SideBySide(t, h, "community.general.filesystem", map[string]any{"dev": cmp, "fstype": "ext4", "opts": "-L cmp"}, "rm -f "+cmp+"; truncate -s 16M "+cmp, read)
		ansiblecmp.SideBySide(t, h, "community.general.filesystem", map[string]any{"dev": cmp, "fstype": "ext4"}, "rm -f "+cmp+"; truncate -s 16M "+cmp+"; mkfs.ext4 -q -L old "+cmp, read)
		ansiblecmp.SideBySide(t, h, "community.general.filesystem", map[string]any{"dev": cmp, "state": "absent"}, "rm -f "+cmp+"; truncate -s 16M "+cmp+"; mkswap "+cmp+" >/dev/null", read)
		reset := "rm -f " + cmp + "; truncate -s 16M " + cmp + "; mkfs.ext4 -q " + cmp + "; truncate -s 32M " + cmp
		ansiblecmp.SideBySide(t, h, "community.general.filesystem", map[string]any{"dev": cmp, "fstype": "ext4", "resizefs": true}, reset, read+"; dumpe2fs -h "+cmp+" 2>/dev/null | grep 'Block count'")
	})
}
