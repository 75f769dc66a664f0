package files

import (
	"bytes"
	"context"
	"fmt"
	"path"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

// copyRemote copies a file that is already on the host (remote_src). The
// content travels through the controller so that it gets the same
// validate, backup and atomic rename as any other copy.
func copyRemote(ctx context.Context, t *module.Target, a module.Args, job putJob) (module.Result, error) {
	srcPath := a.String("src")
	data := map[string]any{"dest": job.dest, "src": srcPath}
	src, err := remotefile.Gather(ctx, t.Conn, srcPath, remotefile.GatherOpts{Follow: true})
	if err != nil {
		return module.Result{}, err
	}
	switch src.Type {
	case remotefile.TypeFile:
	case remotefile.TypeAbsent:
		return failed(fmt.Sprintf("Source %s not found", srcPath), data), nil
	case remotefile.TypeDirectory:
		return failed(fmt.Sprintf("Source %s is a directory: hactl does not copy directories with remote_src yet", srcPath), data), nil
	default:
		return failed(fmt.Sprintf("Source %s is not a regular file", srcPath), data), nil
	}
	var buf bytes.Buffer
	if err := t.Conn.Get(ctx, src.Resolved, &buf); err != nil {
		return failed(fmt.Sprintf("Source %s not readable: %v", srcPath, err), data), nil
	}
	job.content = buf.Bytes()
	if a.String("mode") == "preserve" {
		spec, err := remotefile.ParseModeSpec(src.ModeString())
		if err != nil {
			return failed(err.Error(), data), nil
		}
		job.attrs.Mode = spec
	}
	if job.dest, job.parentPlanned, err = intoDir(ctx, t, job.dest, path.Base(src.Resolved)); err != nil {
		return module.Result{}, err
	}
	return finishPut(ctx, t, job, a.String("checksum"), data)
}
