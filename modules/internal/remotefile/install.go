package remotefile

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// InstallTemp puts a file that is already on the host (tmp, such as a
// download or an extracted file) in place of the destination, the way
// Write does after its upload: validate, backup, owner, group and mode,
// then one rename. o.Content is ignored. When tmp lies outside the
// destination's directory it is first copied beside the destination, so
// the final step is still an atomic rename on one file system. It returns
// the backup file's path ("" when none was made). tmp is gone afterwards,
// whether the install succeeded or not.
func InstallTemp(ctx context.Context, c transport.Conn, tmp string, o WriteOpts) (string, error) {
	dest := o.Dest
	if o.Current.Resolved != "" {
		dest = o.Current.Resolved
	}
	if err := CheckValidate(o.Validate); err != nil {
		_, _ = c.Run(ctx, "rm -f -- "+transport.Quote(tmp), transport.RunOpts{})
		return "", err
	}
	mode, err := finalMode(o)
	if err != nil {
		_, _ = c.Run(ctx, "rm -f -- "+transport.Quote(tmp), transport.RunOpts{})
		return "", fmt.Errorf("install %s: %w", dest, err)
	}
	final, prefix := tmp, ""
	if parentOf(tmp) != parentOf(dest) {
		final = path.Join(parentOf(dest), ".hactl."+nonce()+".tmp")
		prefix = fmt.Sprintf("s=%s\ncp -- \"$s\" %s || { rm -f -- \"$s\" %s; exit 1; }\nrm -f -- \"$s\"\n",
			transport.Quote(tmp), transport.Quote(final), transport.Quote(final))
		if o.Validate != "" {
			res, err := c.Run(ctx, prefix, transport.RunOpts{})
			if err != nil {
				return "", fmt.Errorf("install %s: %w", dest, err)
			}
			if res.RC != 0 {
				return "", fmt.Errorf("install %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
			}
			prefix = ""
		}
	}
	if o.Validate != "" {
		if err := validate(ctx, c, o.Validate, final); err != nil {
			return "", err
		}
	}
	res, err := c.Run(ctx, prefix+installScript(final, dest, o, mode), transport.RunOpts{})
	if err != nil {
		return "", fmt.Errorf("install %s: %w", dest, err)
	}
	if res.RC != 0 {
		return "", fmt.Errorf("install %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
	}
	return backupName(res.Stdout), nil
}
