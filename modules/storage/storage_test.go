package storage

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

var markerRe = regexp.MustCompile(`__hactl_[0-9a-f]+`)

// lvmHost answers gather scripts with canned reports (the marker is taken
// from the script) and records every other command as succeeding, unless
// failing says otherwise.
func lvmHost(sections []string, failing map[string]string) *fakeconn.Conn {
	c := fakeconn.New()
	c.Handler = func(call fakeconn.Call) (transport.Result, error) {
		if m := markerRe.FindString(call.Cmd); m != "" {
			return transport.Result{Stdout: []byte(strings.Join(sections, "\n"+m+"\n"))}, nil
		}
		for prefix, stderr := range failing {
			if strings.HasPrefix(call.Cmd, prefix) {
				return transport.Result{RC: 5, Stderr: []byte(stderr)}, nil
			}
		}
		return transport.Result{}, nil
	}
	return c
}

func run(t *testing.T, m module.Module, conn *fakeconn.Conn, args map[string]any, check bool) module.Result {
	t.Helper()
	a, err := m.Spec().Validate(args, false)
	require.NoError(t, err)
	res, err := m.Run(context.Background(), &module.Target{Conn: conn, Check: check}, a)
	require.NoError(t, err)
	return res
}

// commands returns the recorded commands that are not gather scripts.
func commands(c *fakeconn.Conn) []string {
	var out []string
	for _, cmd := range c.Commands() {
		if !markerRe.MatchString(cmd) {
			out = append(out, cmd)
		}
	}
	return out
}

const (
	noPVs = `{"report":[{"pv":[]}]}`
	noVGs = `{"report":[{"vg":[]}]}`
)

func TestLvgCreatesExtendsAndRemoves(t *testing.T) {
	c := lvmHost([]string{"/dev/sdb", noPVs, noVGs}, nil)
	res := run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "pvs": []any{"/dev/sdb"}}, true)
	assert.True(t, res.Changed)
	assert.Empty(t, commands(c), "check mode runs nothing")

	c = lvmHost([]string{"/dev/sdb", noPVs, noVGs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "pvs": []any{"/dev/sdb"}, "pesize": "32M"}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"pvcreate -f /dev/sdb", "vgcreate -s 32M vg_data /dev/sdb"}, commands(c))

	pvs := `{"report":[{"pv":[{"pv_name":"/dev/sdb","vg_name":"vg_data","dev_size":"1073741824","pv_size":"1069547520","pe_start":"1048576","vg_extent_size":"4194304"},{"pv_name":"/dev/sdd","vg_name":"vg_other"}]}]}`
	vgs := `{"report":[{"vg":[{"vg_name":"vg_data","pv_count":"1","lv_count":"2"}]}]}`
	c = lvmHost([]string{"/dev/sdb", pvs, vgs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "pvs": []any{"/dev/sdb"}, "pvresize": true}, false)
	assert.False(t, res.Changed, "nothing to add and the PV fills its device")
	assert.Empty(t, commands(c))

	c = lvmHost([]string{"/dev/sdc", pvs, vgs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "pvs": []any{"/dev/sdc"}}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"pvcreate -f /dev/sdc", "vgextend vg_data /dev/sdc", "vgreduce --force vg_data /dev/sdb"}, commands(c))

	c = lvmHost([]string{"/dev/sdd", pvs, vgs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "pvs": []any{"/dev/sdd"}}, false)
	assert.Equal(t, "Device /dev/sdd is already in vg_other volume group.", res.Msg)

	c = lvmHost([]string{"missing /dev/nope", noPVs, noVGs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "v", "pvs": []any{"/dev/nope"}}, false)
	assert.Equal(t, "Device /dev/nope not found.", res.Msg)

	c = lvmHost([]string{"", pvs, vgs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "state": "absent"}, false)
	assert.Equal(t, "Refuse to remove non-empty volume group vg_data without force=true", res.Msg)
	c = lvmHost([]string{"", pvs, vgs}, nil)
	res = run(t, Lvg{}, c, map[string]any{"vg": "vg_data", "state": "absent", "force": true}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"vgremove --force vg_data"}, commands(c))

	res = run(t, Lvg{}, lvmHost(nil, nil), map[string]any{"vg": "v"}, false)
	assert.Equal(t, "No physical volumes given.", res.Msg)
}

func TestLvolSizes(t *testing.T) {
	s, msg := parseLvSize("+100%FREE")
	assert.Empty(t, msg)
	assert.Equal(t, []string{"-l", "+100%FREE"}, s.sizeArg(true))
	s, _ = parseLvSize("10g")
	assert.Equal(t, []string{"-L", "10g"}, s.sizeArg(false))
	s, _ = parseLvSize("512")
	assert.Equal(t, "m", s.unit)
	for in, want := range map[string]string{
		"120%VG": "Size percentage cannot be larger than 100%", "50%ORIGIN": "Snapshot Volumes are not supported",
		"50%X": "Specify extents as a percentage of VG|PVS|FREE", "big": "Bad size specification of 'bi'", ".5g": "Bad size specification of '.5'",
	} {
		_, msg := parseLvSize(in)
		assert.Equal(t, want, msg, in)
	}
	assert.Equal(t, "12.0", pyFloat(12))
	assert.Equal(t, "1.5", pyFloat(1.5))
}

func TestLvol(t *testing.T) {
	vg := `{"report":[{"vg":[{"vg_name":"vg_data","vg_size":"10.00","vg_free":"6.00","vg_extent_size":"0.00"}]}]}`
	lvs := `{"report":[{"lv":[{"lv_name":"lv_nfs","lv_size":"4.00","lv_attr":"-wi-a-----"},{"lv_name":"lv_off","lv_size":"1.00","lv_attr":"-wi-------"}]}]}`
	host := func(failing map[string]string) *fakeconn.Conn { return lvmHost([]string{vg, lvs}, failing) }

	c := host(nil)
	res := run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_new", "size": "100%FREE"}, true)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"lvcreate --test --yes -n lv_new -l '100%FREE' vg_data"}, commands(c), "check mode asks lvcreate --test, as Ansible")

	c = host(nil)
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "4g"}, false)
	assert.False(t, res.Changed)
	assert.Equal(t, []string{"lvchange -ay vg_data/lv_nfs"}, commands(c))

	c = host(nil)
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "6g", "resizefs": true, "pvs": "/dev/sdb,/dev/sdc"}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"lvextend --resizefs -L 6g vg_data/lv_nfs /dev/sdb /dev/sdc", "lvchange -ay vg_data/lv_nfs"}, commands(c))

	res = run(t, Lvol{}, host(nil), map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "2g"}, false)
	assert.Equal(t, "Sorry, no shrinking of lv_nfs without force=true.", res.Msg)

	c = host(nil)
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "100%VG"}, false)
	assert.Equal(t, "Volume lv_nfs resized to 10.0m", res.Msg)
	assert.Equal(t, "lvextend -l '100%VG' vg_data/lv_nfs", commands(c)[0])
	res = run(t, Lvol{}, host(nil), map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "+100%VG"}, false)
	assert.Equal(t, "Logical Volume lv_nfs could not be extended. Not enough free space left (10.0m required / 6.0m available)", res.Msg)

	c = host(map[string]string{"lvextend": "  New size (1024 extents) matches existing size (1024 extents)."})
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_nfs", "size": "+0g"}, false)
	assert.False(t, res.Failed)
	assert.False(t, res.Changed)

	c = host(nil)
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_off"}, false)
	assert.True(t, res.Changed, "activating an inactive volume is a change")

	res = run(t, Lvol{}, host(nil), map[string]any{"vg": "vg_data", "lv": "lv_nfs", "state": "absent"}, false)
	assert.Equal(t, "Sorry, no removal of logical volume lv_nfs without force=true.", res.Msg)
	c = host(nil)
	res = run(t, Lvol{}, c, map[string]any{"vg": "vg_data", "lv": "lv_nfs", "state": "absent", "force": true}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"lvremove --force vg_data/lv_nfs"}, commands(c))

	res = run(t, Lvol{}, host(nil), map[string]any{"vg": "vg_data", "lv": "lv_new"}, false)
	assert.Equal(t, "No size given.", res.Msg)
	res = run(t, Lvol{}, lvmHost([]string{"novg"}, nil), map[string]any{"vg": "nope", "lv": "x", "size": "1g"}, false)
	assert.Equal(t, "Volume group nope does not exist.", res.Msg)
}

func TestFilesystemDecisions(t *testing.T) {
	fs := func(out string, args map[string]any, check bool) (module.Result, []string) {
		c := fakeconn.New()
		c.Handler = func(call fakeconn.Call) (transport.Result, error) {
			if strings.Contains(call.Cmd, "blkid") {
				return transport.Result{Stdout: []byte(out)}, nil
			}
			return transport.Result{}, nil
		}
		res := run(t, Filesystem{}, c, args, check)
		var cmds []string
		for _, cmd := range c.Commands() {
			if !strings.Contains(cmd, "blkid") {
				cmds = append(cmds, cmd)
			}
		}
		return res, cmds
	}
	blank := "present\n1073741824\n"
	ext4 := blank + "DEVNAME=/dev/sdb\nUUID=1234\nBLOCK_SIZE=4096\nTYPE=ext4\n"

	res, cmds := fs(blank, map[string]any{"dev": "/dev/sdb", "fstype": "ext4", "opts": "-L data -m 0"}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"mkfs.ext4 -F -L data -m 0 /dev/sdb"}, cmds)
	res, cmds = fs(blank, map[string]any{"dev": "/dev/sdb", "fstype": "lvm"}, true)
	assert.True(t, res.Changed)
	assert.Empty(t, cmds)
	res, _ = fs(ext4, map[string]any{"dev": "/dev/sdb", "fstype": "ext4dev"}, false)
	assert.False(t, res.Changed, "ext4dev is ext4")
	res, _ = fs(ext4, map[string]any{"dev": "/dev/sdb", "fstype": "xfs"}, false)
	assert.Equal(t, "'/dev/sdb' is already used as ext4, use force=true to overwrite", res.Msg)
	res, cmds = fs(ext4, map[string]any{"dev": "/dev/sdb", "state": "absent"}, false)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"wipefs --all /dev/sdb"}, cmds)
	res, _ = fs("missing\n", map[string]any{"dev": "/dev/nope", "fstype": "ext4"}, false)
	assert.Equal(t, "Device /dev/nope not found.", res.Msg)
	res, _ = fs(ext4, map[string]any{"dev": "/dev/sdb", "fstype": "ext4", "resizefs": true}, false)
	assert.True(t, res.Failed, "tune2fs gave no sizes")

	n, ok := extSize("Filesystem volume name:   <none>\nBlock count:              262144\nBlock size:               4096\n")
	assert.True(t, ok)
	assert.Equal(t, int64(1073741824), n)
}
