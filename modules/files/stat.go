package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Stat{}) }

// Stat is the stat module: describe a path.
type Stat struct{}

// Spec describes the stat module.
func (Stat) Spec() module.Spec {
	return module.Spec{
		Name:  "stat",
		Short: "Retrieve file or file system status",
		Doc: `Describes a path on the host in the dictionary "stat", with the same keys as Ansible: exists, and for an existing path its type flags (isreg, isdir, islnk, …), mode, owner and group (uid, pw_name, …), size, times, inode, permission flags (rusr, wgrp, …), what the connecting user may do (readable, writeable, executable), a checksum of regular files, and lnk_source/lnk_target for links. Never changes anything.

get_mime runs file(1) when the host has it (mimetype and charset are "unknown" otherwise). get_attributes is accepted but file attributes (lsattr) are not reported.`,
		Params: []module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest", "name"}, Doc: "The path to describe."},
			{Name: "follow", Type: module.Bool, Default: false, Doc: "Describe the target of a symlink instead of the link."},
			{Name: "get_checksum", Type: module.Bool, Default: true, Doc: "Return the checksum of a regular file."},
			{Name: "checksum_algorithm", Type: module.Str, Default: "sha1", Aliases: []string{"checksum", "checksum_algo"},
				Choices: []any{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}, Doc: "Algorithm of the checksum."},
			{Name: "get_mime", Type: module.Bool, Default: true, Aliases: []string{"mime", "mime_type", "mime-type"}, Doc: "Return mimetype and charset (needs file(1) on the host)."},
			{Name: "get_attributes", Type: module.Bool, Default: true, Aliases: []string{"attr", "attributes"}, Doc: "Accepted for compatibility; attributes are not reported."},
		},
		CheckMode: true,
		Examples: `- stat:
    path: /etc/haproxy/haproxy.cfg
  register: cfg

- fail:
    msg: the configuration is missing
  when: not cfg.stat.exists`,
		Returns: []module.ReturnValue{{Name: "stat", Type: module.Dict, Doc: "The description of the path (only exists: false when it is missing)."}},
	}
}

// Run describes the path.
func (Stat) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	opts := remotefile.GatherOpts{Follow: a.Bool("follow")}
	alg := a.String("checksum_algorithm")
	if a.Bool("get_checksum") {
		opts.Sums = []string{alg}
	}
	st, err := remotefile.Gather(ctx, t.Conn, a.String("path"), opts)
	if err != nil {
		return module.Result{}, err
	}
	if st.Err != "" {
		return failed(fmt.Sprintf("Permission denied or error reading %s: %s", a.String("path"), st.Err), nil), nil
	}
	out := statDict(st)
	if st.Exists {
		if sum, ok := st.Sums[alg]; ok {
			out["checksum"] = sum
		}
		if a.Bool("get_mime") {
			out["mimetype"], out["charset"] = mime(ctx, t.Conn, st.Resolved)
		}
	}
	return module.Result{Data: map[string]any{"stat": out}}, nil
}

// statDict builds Ansible's stat dictionary.
func statDict(st remotefile.State) map[string]any {
	if !st.Exists {
		return map[string]any{"exists": false}
	}
	m := st.Mode
	bit := func(b uint32) bool { return m&b != 0 }
	d := map[string]any{
		"exists": true, "path": st.Resolved, "mode": st.ModeString(),
		"isdir": st.Type == remotefile.TypeDirectory, "isreg": st.Type == remotefile.TypeFile,
		"islnk": st.Type == remotefile.TypeLink, "ischr": st.Type == remotefile.TypeChar,
		"isblk": st.Type == remotefile.TypeBlock, "isfifo": st.Type == remotefile.TypeFifo,
		"issock": st.Type == remotefile.TypeSocket,
		"uid":    st.UID, "gid": st.GID, "pw_name": st.Owner, "gr_name": st.Group,
		"size": st.Size, "inode": st.Inode, "dev": st.Dev, "nlink": st.Nlink,
		"atime": st.Atime, "mtime": st.Mtime, "ctime": st.Ctime,
		"blocks": st.Blocks, "block_size": st.BlockSize,
		"device_type": makedev(st.RDevMajor, st.RDevMinor),
		"rusr":        bit(0o400), "wusr": bit(0o200), "xusr": bit(0o100),
		"rgrp": bit(0o040), "wgrp": bit(0o020), "xgrp": bit(0o010),
		"roth": bit(0o004), "woth": bit(0o002), "xoth": bit(0o001),
		"isuid": bit(0o4000), "isgid": bit(0o2000),
		"readable": st.Readable, "writeable": st.Writable, "executable": st.Executable,
	}
	if st.Type == remotefile.TypeLink {
		d["lnk_source"] = st.RealPath
		d["lnk_target"] = st.LinkTarget
	}
	return d
}

// makedev encodes a device number as Linux's st_rdev does.
func makedev(major, minor uint64) uint64 {
	return (major&0xfff)<<8 | (major&^0xfff)<<32 | (minor & 0xff) | (minor&^0xff)<<12
}

// mime asks file(1) for a path's MIME type and charset.
func mime(ctx context.Context, c transport.Conn, p string) (string, string) {
	res, err := c.Run(ctx, "file -b --mime-type --mime-encoding -- "+transport.Quote(p), transport.RunOpts{})
	if err != nil || res.RC != 0 {
		return "unknown", "unknown"
	}
	typ, cs, _ := strings.Cut(strings.TrimSpace(string(res.Stdout)), ";")
	cs = strings.TrimPrefix(strings.TrimSpace(cs), "charset=")
	if typ == "" || cs == "" {
		return "unknown", "unknown"
	}
	return typ, cs
}
