package nfs

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/pacemaker"
	"github.com/hactl/hactl/pkg/module"
)

// exportfsPrimitives builds one ocf:heartbeat:exportfs primitive per
// client.
func exportfsPrimitives(r request) []pacemaker.Primitive {
	out := make([]pacemaker.Primitive, 0, len(r.Clients))
	for i, c := range r.Clients {
		params := map[string]string{"clientspec": c.Host, "directory": r.Path, "fsid": r.Fsid}
		if len(c.Options) > 0 {
			params["options"] = strings.Join(c.Options, ",")
		}
		out = append(out, pacemaker.Primitive{
			ID: fmt.Sprintf("%s-%d", r.Name, i+1), Class: "ocf", Provider: "heartbeat", Type: "exportfs",
			Params: params,
			Ops:    []pacemaker.Op{{Name: "monitor", Interval: "30s", Attrs: map[string]string{"timeout": "20s"}}},
		})
	}
	return out
}

// runPacemaker declares the exportfs primitives in the CIB.
func runPacemaker(ctx context.Context, t *module.Target, a module.Args, r request) (module.Result, error) {
	return pacemaker.ApplyPrimitives(ctx, t, a, "nfs_export "+r.Path, exportfsPrimitives(r),
		pacemaker.Placement{Group: a.String("group")}, r.State == "absent")
}
