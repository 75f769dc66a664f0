package pacemaker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// clusterCIB sets properties and defaults with one CIB patch on the actor
// and returns the descriptions of what differed.
func clusterCIB(ctx context.Context, t *module.Target, a module.Args, req clusterReq, actor *member) ([]string, error) {
	if len(req.Properties)+len(req.RscDefaults)+len(req.OpDefs) == 0 {
		return nil, nil
	}
	if !t.Check {
		// The CIB answers once a DC is elected; a cluster just created
		// or started may need a moment.
		if _, err := waitCluster(ctx, actor.Conn, req, time.Duration(a.Int("verify_timeout"))*time.Second); err != nil {
			return nil, fmt.Errorf("before setting properties: %w", err)
		}
	}
	live, err := QueryCIB(ctx, actor.Conn)
	if err != nil {
		if t.Check {
			// No cluster yet: every key will be set.
			return cibDescs(req.Properties, req.RscDefaults, req.OpDefs), nil
		}
		return nil, err
	}
	want := live.Clone()
	props, rd, od := editClusterCIB(want, req)
	if live.Diff(want).Empty() {
		return nil, nil
	}
	descs := cibDescs(props, rd, od)
	if t.Check {
		return descs, nil
	}
	if _, err := Push(ctx, actor.Conn, live, want); err != nil {
		return nil, err
	}
	return descs, nil
}

// editClusterCIB sets the declared properties and defaults in c and
// returns the keys whose value differed.
func editClusterCIB(c *CIB, req clusterReq) (props, rsc, op map[string]string) {
	diff := func(set *Node, kind string, want map[string]string) map[string]string {
		have := nvMap(set, kind)
		out := map[string]string{}
		for k, v := range want {
			if cur, ok := have[k]; !ok || cur != v {
				out[k] = v
			}
		}
		return out
	}
	crm := c.Section("crm_config")
	props = diff(crm, "cluster_property_set", req.Properties)
	setNVs(crm, "cluster_property_set", "cib-bootstrap-options", req.Properties, nil)
	rd := c.Section("rsc_defaults")
	rsc = diff(rd, "meta_attributes", req.RscDefaults)
	setNVs(rd, "meta_attributes", "rsc_defaults-meta_attributes", req.RscDefaults, nil)
	odn := c.Section("op_defaults")
	op = diff(odn, "meta_attributes", req.OpDefs)
	setNVs(odn, "meta_attributes", "op_defaults-meta_attributes", req.OpDefs, nil)
	return props, rsc, op
}

func cibDescs(props, rsc, op map[string]string) []string {
	var out []string
	for _, g := range []struct {
		what string
		m    map[string]string
	}{{"cluster properties", props}, {"resource defaults", rsc}, {"operation defaults", op}} {
		if len(g.m) == 0 {
			continue
		}
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(g.m)) {
			kv = append(kv, k+"="+g.m[k])
		}
		out = append(out, "set "+g.what+" "+strings.Join(kv, " "))
	}
	return out
}

// waitCluster polls crm_mon on conn until every declared node is online,
// a DC is elected and the partition has quorum.
func waitCluster(ctx context.Context, conn transport.Conn, req clusterReq, d time.Duration) (*Status, error) {
	var last *Status
	err := waitFor(ctx, conn, d, func(st *Status) error {
		last = st
		return clusterHealthy(st, req)
	})
	return last, err
}

// clusterHealthy checks one crm_mon reading.
func clusterHealthy(st *Status, req clusterReq) error {
	var off []string
	for _, n := range req.Nodes {
		if !st.Nodes[n.Name].Online {
			off = append(off, n.Name)
		}
	}
	switch {
	case len(off) > 0:
		return fmt.Errorf("nodes not online: %s", strings.Join(off, ", "))
	case st.DC == "":
		return fmt.Errorf("no DC elected")
	case !st.Quorum:
		return fmt.Errorf("the partition has no quorum")
	}
	return nil
}
