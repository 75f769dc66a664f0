package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mimepkg "mime"
	"net/url"
	"path"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// download is a response body waiting in a temporary file on the host
// (uri's and get_url's dest).
type download struct {
	tmp    string // the temporary file
	sha1   string // its SHA-1
	size   int64
	dest   string // where it goes
	attrs  remotefile.Attrs
	backup bool
}

// installed is what placing a download did (or would do in check mode).
type installed struct {
	changed      bool
	before       remotefile.State // the destination before
	after        remotefile.State // and after (predicted in check mode)
	backup       string
	destMissing  bool // the destination's directory does not exist
	destIsDir    bool
	checksumDest string // SHA-1 of the destination before, "" when absent
}

// install compares the download with its destination and, outside check
// mode, renames it into place when the content differs (atomically, with
// a backup when asked) and brings the attributes in line. The temporary
// file is always removed.
func (d download) install(ctx context.Context, t *module.Target) (installed, error) {
	var out installed
	st, err := gatherFollowing(ctx, t.Conn, d.dest, remotefile.GatherOpts{Sums: []string{"sha1"}})
	if err != nil {
		removeTemp(ctx, t.Conn, d.tmp)
		return out, err
	}
	out.before, out.checksumDest = st, st.Sums["sha1"]
	switch {
	case st.Type == remotefile.TypeDirectory:
		out.destIsDir = true
	case !st.Exists && !st.ParentDir:
		out.destMissing = true
	}
	if out.destIsDir || out.destMissing {
		removeTemp(ctx, t.Conn, d.tmp)
		return out, nil
	}
	rewrite := !st.Exists || st.Type != remotefile.TypeFile || st.Sums["sha1"] != d.sha1
	var plan remotefile.AttrPlan
	if !rewrite {
		if plan, err = d.attrs.PlanAttrs(st); err != nil {
			removeTemp(ctx, t.Conn, d.tmp)
			return out, err
		}
	}
	out.changed = rewrite || !plan.Empty()
	if t.Check || !rewrite {
		removeTemp(ctx, t.Conn, d.tmp)
	}
	if t.Check || !out.changed {
		out.after = predicted(st, putJob{attrs: d.attrs}, false, plan)
		if rewrite {
			out.after.Exists, out.after.Type, out.after.Size = true, remotefile.TypeFile, d.size
			out.after.Sums = map[string]string{"sha1": d.sha1}
		}
		return out, nil
	}
	if rewrite {
		out.backup, err = remotefile.InstallTemp(ctx, t.Conn, d.tmp, remotefile.WriteOpts{
			Dest: st.Resolved, Attrs: d.attrs, Current: st, Backup: d.backup,
		})
	} else {
		err = applyAttrs(ctx, t.Conn, st.Resolved, plan, false)
	}
	if err != nil {
		return out, err
	}
	after, err := remotefile.Gather(ctx, t.Conn, st.Resolved, remotefile.GatherOpts{Sums: []string{"sha1", "md5"}})
	if err != nil {
		return out, err
	}
	if rewrite && after.Sums["sha1"] != d.sha1 {
		return out, fmt.Errorf("%s: checksum after writing is %q, want %s", st.Resolved, after.Sums["sha1"], d.sha1)
	}
	out.after = after
	return out, nil
}

// gatherFollowing gathers p, and the target instead when p is a symlink
// (a download replaces the file a link points to, as Ansible's
// atomic_move does).
func gatherFollowing(ctx context.Context, c transport.Conn, p string, o remotefile.GatherOpts) (remotefile.State, error) {
	st, err := remotefile.Gather(ctx, c, p, o)
	if err != nil {
		return st, err
	}
	if st.Type == remotefile.TypeLink && st.RealPath != "" {
		return remotefile.Gather(ctx, c, st.RealPath, o)
	}
	return st, nil
}

// removeTemp deletes a temporary file on the host, best effort.
func removeTemp(ctx context.Context, c transport.Conn, p string) {
	if p == "" {
		return
	}
	_, _ = c.Run(ctx, "rm -f -- "+transport.Quote(p), transport.RunOpts{})
}

// urlFilename is the last element of the URL's path, unescaped, or
// "index.html" when it has none (get_url's and uri's naming of a
// download into a directory).
func urlFilename(u string) string {
	p := u
	if parsed, err := url.Parse(u); err == nil {
		p = parsed.Path
	}
	name := path.Base(strings.TrimRight(p, "/"))
	if name == "." || name == "/" || name == ".." || name == "" {
		return "index.html"
	}
	return name
}

// dispositionFilename is the file name a Content-Disposition header
// suggests, reduced to its last element ("" when none or unsafe).
func dispositionFilename(h string) string {
	if h == "" {
		return ""
	}
	_, params, err := mimepkg.ParseMediaType(h)
	if err != nil {
		return ""
	}
	name := path.Base(strings.ReplaceAll(params["filename"], "\\", "/"))
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// responseFilename names a download saved into a directory: the
// Content-Disposition file name, else the last URL's file name.
func responseFilename(r httpResponse, requested string) string {
	if n := dispositionFilename(r.header("content-disposition")); n != "" {
		return n
	}
	u := requested
	if r.EffectiveURL != "" {
		u = r.EffectiveURL
	}
	return urlFilename(u)
}

// randomHex returns 16 random hex digits for temporary names.
func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}
