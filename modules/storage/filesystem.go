// Package storage implements the block storage modules: filesystem
// (community.general.filesystem), lvg and lvol. State is read from
// machine-readable sources: blkid -o export, and the JSON reports of
// vgs, pvs and lvs.
package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Filesystem{}) }

// Filesystem is the filesystem module.
type Filesystem struct{}

// fsKind is what Ansible knows about one filesystem type.
type fsKind struct {
	mkfs  string
	force []string
	class string // types sharing a class are the same filesystem
}

var fsKinds = map[string]fsKind{
	"ext2": {"mkfs.ext2", []string{"-F"}, "ext2"}, "ext3": {"mkfs.ext3", []string{"-F"}, "ext3"},
	"ext4": {"mkfs.ext4", []string{"-F"}, "ext4"}, "ext4dev": {"mkfs.ext4", []string{"-F"}, "ext4"},
	"f2fs": {"mkfs.f2fs", []string{"-f"}, "f2fs"}, "reiserfs": {"mkfs.reiserfs", []string{"-q"}, "reiserfs"},
	"xfs": {"mkfs.xfs", []string{"-f"}, "xfs"}, "btrfs": {"mkfs.btrfs", []string{"-f"}, "btrfs"},
	"vfat": {"mkfs.vfat", nil, "vfat"}, "ocfs2": {"mkfs.ocfs2", []string{"-Fx"}, "ocfs2"},
	"LVM2_member": {"pvcreate", []string{"-f"}, "lvm"}, "swap": {"mkswap", []string{"-f"}, "swap"},
	"ufs": {"newfs", nil, "ufs"},
}

// Spec describes the filesystem module.
func (Filesystem) Spec() module.Spec {
	return module.Spec{
		Name:  "filesystem",
		Short: "Make (or wipe) a filesystem on a block device",
		Doc: `Creates a filesystem of the given type on a device (or an image file), or wipes every signature from it with state absent.

The current type is read with blkid -o export. A device already holding the same type is left alone (unless force); one holding another type is refused unless force is set. With resizefs an ext2/3/4 filesystem smaller than its device is grown with resize2fs (sizes from tune2fs -l and blockdev --getsize64); resizing other types is not implemented by hactl.`,
		Params: []module.Param{
			{Name: "fstype", Type: module.Str, Aliases: []string{"type"}, Choices: []any{"btrfs", "ext2", "ext3", "ext4", "ext4dev", "f2fs", "lvm", "ocfs2", "reiserfs", "xfs", "vfat", "swap", "ufs"}, Doc: "The filesystem type (lvm makes an LVM physical volume)."},
			{Name: "dev", Type: module.Path, Required: true, Aliases: []string{"device"}, Doc: "The device or image file."},
			{Name: "opts", Type: module.Str, Doc: "More options for mkfs, split at spaces."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Make the filesystem even if the device already holds one."},
			{Name: "resizefs", Type: module.Bool, Default: false, Doc: "Grow the filesystem to the device's size."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "present makes the filesystem, absent wipes signatures."},
		},
		RequiredIf: []module.RequiredIf{{Param: "state", Value: "present", Requires: []string{"fstype"}}},
		CheckMode:  true,
		Examples: `- name: The DRBD-backed NFS volume
  filesystem:
    fstype: ext4
    dev: /dev/vg_data/lv_nfs
    opts: -L nfsdata`,
	}
}

// devState is what gatherDev learned.
type devState struct {
	exists bool
	fstype string
	size   int64 // device size in bytes (0 when unknown)
}

func gatherDev(ctx context.Context, conn transport.Conn, dev string) (devState, error) {
	script := fmt.Sprintf(`d=%s
[ -e "$d" ] || { echo missing; exit 0; }
echo present
if [ -b "$d" ]; then blockdev --getsize64 "$d" 2>/dev/null || echo 0; else stat -L -c %%s -- "$d"; fi
blkid -c /dev/null -o export -- "$d" 2>/dev/null; true`, transport.Quote(dev))
	out, err := hostcmd.Must(ctx, conn, "filesystem: gather", script)
	if err != nil {
		return devState{}, err
	}
	return parseDevState(out), nil
}

// parseDevState reads the gather script's output.
func parseDevState(out string) devState {
	lines := strings.SplitN(out, "\n", 3)
	if len(lines) < 2 || lines[0] != "present" {
		return devState{}
	}
	st := devState{exists: true}
	st.size, _ = strconv.ParseInt(strings.TrimSpace(lines[1]), 10, 64)
	if len(lines) == 3 {
		st.fstype = hostcmd.KeyValues(lines[2])["TYPE"]
	}
	return st
}

// Run makes or wipes the filesystem.
func (Filesystem) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	dev, state, fstype := a.String("dev"), a.String("state"), a.String("fstype")
	st, err := gatherDev(ctx, t.Conn, dev)
	if err != nil {
		return module.Result{}, err
	}
	if !st.exists {
		msg := fmt.Sprintf("Device %s not found.", dev)
		return module.Result{Failed: state == "present", Msg: msg}, nil
	}
	if state == "absent" {
		if st.fstype == "" {
			return module.Result{}, nil
		}
		if !t.Check {
			if _, err := hostcmd.Must(ctx, t.Conn, "filesystem: wipefs", transport.QuoteArgs([]string{"wipefs", "--all", dev})); err != nil {
				return module.Result{Failed: true, Msg: err.Error()}, nil
			}
		}
		return module.Result{Changed: true}, nil
	}
	if fstype == "lvm" {
		fstype = "LVM2_member"
	}
	kind := fsKinds[fstype]
	cur, known := fsKinds[st.fstype]
	same := st.fstype != "" && known && cur.class == kind.class
	switch {
	case same && !a.Bool("resizefs") && !a.Bool("force"):
		return module.Result{}, nil
	case same && a.Bool("resizefs"):
		return growFS(ctx, t, dev, fstype, st.size)
	case st.fstype != "" && !a.Bool("force"):
		return module.Failf("'%s' is already used as %s, use force=true to overwrite", dev, st.fstype), nil
	}
	if t.Check {
		return module.Result{Changed: true}, nil
	}
	argv := append([]string{kind.mkfs}, kind.force...)
	argv = append(append(argv, strings.Fields(a.String("opts"))...), dev)
	if _, err := hostcmd.Must(ctx, t.Conn, "filesystem: "+kind.mkfs, transport.QuoteArgs(argv)); err != nil {
		return module.Result{Failed: true, Msg: err.Error()}, nil
	}
	return module.Result{Changed: true}, nil
}

// growFS grows an ext filesystem smaller than its device.
func growFS(ctx context.Context, t *module.Target, dev, fstype string, devSize int64) (module.Result, error) {
	if !strings.HasPrefix(fstype, "ext") {
		return module.Failf("module does not support resizing %s filesystem yet", fstype), nil
	}
	out, err := hostcmd.Run(ctx, t.Conn, "filesystem: tune2fs", transport.QuoteArgs([]string{"tune2fs", "-l", dev}), transport.RunOpts{Env: map[string]string{"LANG": "C", "LC_ALL": "C"}})
	if err != nil {
		return module.Result{}, err
	}
	fsSize, ok := extSize(out.Stdout)
	if out.RC != 0 || !ok {
		return module.Failf("unable to process tune2fs output for %s", dev), nil
	}
	name := map[string]string{"ext2": "Ext2", "ext3": "Ext3", "ext4": "Ext4", "ext4dev": "Ext4"}[fstype]
	if fsSize >= devSize {
		return module.Result{Msg: fmt.Sprintf("%s filesystem is using the whole device %s", name, dev)}, nil
	}
	if t.Check {
		return module.Result{Changed: true, Msg: fmt.Sprintf("resizing filesystem %s on device %s", name, dev)}, nil
	}
	res, err := hostcmd.Run(ctx, t.Conn, "filesystem: resize2fs", transport.QuoteArgs([]string{"resize2fs", dev}), transport.RunOpts{})
	if err != nil {
		return module.Result{}, err
	}
	if res.RC != 0 {
		return module.Failf("resize2fs %s: %s", dev, hostcmd.FirstLine(res.Stderr, res.Stdout)), nil
	}
	return module.Result{Changed: true, Msg: res.Stdout}, nil
}

// extSize reads "Block count" and "Block size" from tune2fs -l.
func extSize(out string) (int64, bool) {
	var count, size int64
	for l := range strings.SplitSeq(out, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch strings.TrimSpace(k) {
		case "Block count":
			count = n
		case "Block size":
			size = n
		}
		if err != nil && (strings.TrimSpace(k) == "Block count" || strings.TrimSpace(k) == "Block size") {
			return 0, false
		}
	}
	return count * size, count > 0 && size > 0
}
