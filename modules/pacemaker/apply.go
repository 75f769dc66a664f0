package pacemaker

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hactl/hactl/pkg/module"
)

// LeaderParams returns the arguments ApplyPrimitives reads (cluster_leader,
// wait, verify), for modules built on it.
func LeaderParams() []module.Param { return slices.Clone(leaderArgs) }

// ApplyPrimitives declares prims (all placed as pl says, in order) or,
// with absent, removes them, in one CIB change pushed once per cluster,
// exactly as pacemaker_resource does for one primitive. a must hold the
// LeaderParams arguments.
func ApplyPrimitives(ctx context.Context, t *module.Target, a module.Args, what string, prims []Primitive, pl Placement, absent bool) (module.Result, error) {
	task := cibTask{what: what, wait: time.Duration(a.Int("wait")) * time.Second}
	task.edit = func(c *CIB) error {
		res := c.Section("resources")
		for _, p := range prims {
			if absent {
				RemoveResource(c, p.ID)
				continue
			}
			old, _ := res.FindID(p.ID)
			if err := PlacePrimitive(res, p.Element(old), pl); err != nil {
				return err
			}
		}
		return nil
	}
	task.verify = func(st *Status) error {
		var errs []error
		for _, p := range prims {
			if absent {
				if len(st.InstancesOf(p.ID)) > 0 {
					errs = append(errs, errors.New(p.ID+" is still known to crm_mon"))
				}
				continue
			}
			if err := verifyRunning(st, p.ID, "started"); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	return runCIB(ctx, t, a, task)
}
