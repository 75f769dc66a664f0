package pacemaker

import (
	"context"
	"errors"
	"fmt"
	"github.com/hactl/hactl/modules/internal/cluster"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Cluster{}) }

// Cluster is the pcs_cluster module.
type Cluster struct{}

// nodeSpec is one declared node.
type nodeSpec struct {
	Name  string
	Addrs []string
}

// clusterReq is the validated request.
type clusterReq struct {
	Name, Transport, State, Password string
	Nodes                            []nodeSpec
	Totem, Quorum                    map[string]string
	Properties, RscDefaults, OpDefs  map[string]string
	StartOnBoot, Force               bool
}

// step is one planned action, run on one member.
type step struct {
	Desc string
	On   *member
	Cmd  string
	// Stdin carries a secret; it is never shown.
	Stdin string
	// Local steps prepare one node; those of different nodes run in
	// parallel, before the cluster-wide steps.
	Local bool
}

// Run brings the cluster to the declared shape.
func (Cluster) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	req, err := clusterFromArgs(t, a)
	if err != nil {
		return module.Failf("pcs_cluster: %v", err), nil
	}
	leader := a.String("cluster_leader")
	if leader == "" {
		leader = req.Nodes[0].Name
	}
	if leader != t.Host {
		return module.Result{Msg: "pcs_cluster is driven by " + leader, Data: map[string]any{"leader": leader}}, nil
	}
	ms, err := connectMembers(ctx, t, req.Nodes)
	if err != nil {
		return module.Result{}, fmt.Errorf("pcs_cluster: %w", err)
	}
	defer closeMembers(ms)
	gerrs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() { gerrs[i] = m.gather(ctx, req.Password) })
	}
	wg.Wait()
	if err := errors.Join(gerrs...); err != nil {
		return module.Result{}, fmt.Errorf("pcs_cluster: %w", err)
	}
	for _, m := range ms {
		if m.ConfigErr != nil {
			return module.Failf("pcs_cluster: %s: %v", m.Name, m.ConfigErr), nil
		}
	}
	steps, actor, err := planCluster(req, ms)
	if err != nil {
		return module.Failf("pcs_cluster: %v", err), nil
	}
	res := module.Result{Data: map[string]any{}}
	var descs []string
	for _, s := range steps {
		descs = append(descs, s.Desc)
	}
	before := describeMembers(ms)
	if !t.Check {
		took, failMsg, err := runSteps(ctx, t, steps, req.Password)
		if len(took) > 0 {
			res.Data["step_seconds"] = took
		}
		if err != nil {
			return module.Result{}, fmt.Errorf("pcs_cluster: %w", err)
		}
		if failMsg != "" {
			res.Failed, res.Changed, res.Msg = true, true, "pcs_cluster: "+failMsg
			res.Data["plan"] = descs
			return res, nil
		}
	}
	if req.State == "present" {
		more, err := clusterCIB(ctx, t, a, req, actor)
		if err != nil {
			res.Changed = len(steps) > 0
			res.Failed, res.Msg = true, "pcs_cluster: "+err.Error()
			res.Data["plan"] = descs
			return res, nil
		}
		descs = append(descs, more...)
		if !t.Check && a.Bool("verify") {
			st, err := waitCluster(ctx, actor.Conn, req, time.Duration(a.Int("verify_timeout"))*time.Second)
			if err != nil {
				res.Changed = len(descs) > 0
				res.Failed, res.Msg = true, "pcs_cluster: verify: "+err.Error()
				res.Data["plan"] = descs
				return res, nil
			}
			res.Data["dc"] = st.DC
		}
	}
	res.Changed = len(descs) > 0
	res.Data["plan"] = descs
	if w := clusterWarnings(req); len(w) > 0 {
		res.Data["warnings"] = w
	}
	if res.Changed {
		res.Msg = strings.Join(descs, "; ")
		if t.Diff {
			res.Diff = []module.FileDiff{{BeforeHeader: "cluster (before)", AfterHeader: "cluster (planned)", Before: before, After: before + "plan:\n  - " + strings.Join(descs, "\n  - ") + "\n"}}
		}
	} else {
		res.Msg = "cluster " + req.Name + " already as declared"
	}
	return res, nil
}

// stdinOf returns a reader for s, or a nil interface when s is empty.
func stdinOf(s string) io.Reader {
	if s == "" {
		return nil
	}
	return strings.NewReader(s)
}

// scrub removes a secret from text shown to the user.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "********")
}

// describeMembers summarises what was gathered, for --diff.
func describeMembers(ms []*member) string {
	var b strings.Builder
	for _, m := range ms {
		cfg := "none"
		switch {
		case m.Config == nil:
		case m.Config.Stock():
			cfg = "stock placeholder"
		default:
			cfg = fmt.Sprintf("%s (%s) nodes %s", m.Config.ClusterName, m.Config.Transport, strings.Join(m.Config.NodeNames(), ","))
		}
		fmt.Fprintf(&b, "%s: corosync.conf %s; pcsd %s, corosync %s, pacemaker %s\n", m.Name, cfg,
			activeWord(m.Units["pcsd"]), activeWord(m.Units["corosync"]), activeWord(m.Units["pacemaker"]))
	}
	return b.String()
}

func activeWord(u unitState) string {
	w := "inactive"
	if u.Active {
		w = "active"
	}
	if u.Enabled {
		return w + "/enabled"
	}
	return w + "/disabled"
}

// clusterFromArgs validates the arguments.
func clusterFromArgs(t *module.Target, a module.Args) (clusterReq, error) {
	r := clusterReq{
		Name: a.String("name"), Transport: a.String("transport"), State: a.String("state"),
		Password: a.String("hacluster_password"), StartOnBoot: a.Bool("start_on_boot"), Force: a.Bool("force_recreate"),
		Totem: strMap(a.Dict("totem")), Quorum: strMap(a.Dict("quorum")),
		Properties: strMap(a.Dict("properties")), RscDefaults: strMap(a.Dict("resource_defaults")), OpDefs: strMap(a.Dict("op_defaults")),
	}
	if r.Name == "" || strings.ContainsAny(r.Name, " \t\n'\"") {
		return r, fmt.Errorf("name %q is not a valid cluster name", r.Name)
	}
	if strings.ContainsAny(r.Password, "\n\r") {
		return r, fmt.Errorf("hacluster_password must be one line")
	}
	seen := map[string]bool{}
	for i, raw := range a.List("nodes") {
		var n nodeSpec
		switch v := raw.(type) {
		case string:
			n.Name = v
		case map[string]any:
			n.Name, _ = v["name"].(string)
			switch ad := v["addrs"].(type) {
			case []any:
				for _, x := range ad {
					n.Addrs = append(n.Addrs, fmt.Sprint(x))
				}
			case []string:
				n.Addrs = ad
			case string:
				n.Addrs = []string{ad}
			}
		default:
			return r, fmt.Errorf("nodes[%d]: want a name or {name, addrs}, got %T", i, raw)
		}
		if n.Name == "" || strings.ContainsAny(n.Name, " \t\n'\"=") {
			return r, fmt.Errorf("nodes[%d]: invalid name %q", i, n.Name)
		}
		if seen[n.Name] {
			return r, fmt.Errorf("node %s listed twice", n.Name)
		}
		seen[n.Name] = true
		if len(n.Addrs) == 0 {
			n.Addrs = []string{n.Name}
			if vars, err := cluster.HostVars(t, n.Name); err == nil {
				n.Addrs = []string{cluster.Address(vars, n.Name)}
			}
		}
		r.Nodes = append(r.Nodes, n)
	}
	if len(r.Nodes) == 0 {
		return r, fmt.Errorf("nodes must not be empty")
	}
	return r, nil
}

// planCluster decides the steps from the gathered members; actor is the
// member that runs cluster-wide commands.
func planCluster(req clusterReq, ms []*member) ([]step, *member, error) {
	var steps []step
	actor := ms[0]
	if req.State == "absent" {
		for _, m := range ms {
			if m.Config != nil && !m.Config.Stock() && m.Config.ClusterName == req.Name {
				steps = append(steps, step{Desc: "destroy the cluster configuration on " + m.Name, On: m, Cmd: "pcs cluster destroy --force", Local: true})
			}
		}
		return steps, actor, nil
	}
	desired := map[string]nodeSpec{}
	for _, n := range req.Nodes {
		desired[n.Name] = n
	}
	// Members of a real cluster of this name and transport, and conflicts.
	var inCluster *member
	var conflicts []string
	for _, m := range ms {
		c := m.Config
		if c == nil || c.Stock() {
			continue
		}
		if c.ClusterName == req.Name && c.Transport == req.Transport {
			if inCluster == nil {
				inCluster = m
			}
			continue
		}
		conflicts = append(conflicts, fmt.Sprintf("%s belongs to cluster %q (transport %s)", m.Name, c.ClusterName, c.Transport))
	}
	if len(conflicts) > 0 && !req.Force {
		return nil, nil, fmt.Errorf("%s; re-creating it destroys that cluster: set force_recreate: true to do so", strings.Join(conflicts, "; "))
	}
	recreate := len(conflicts) > 0
	if recreate {
		inCluster = nil
	}
	for _, m := range ms {
		if !m.PasswordOK {
			steps = append(steps, step{Desc: "set the hacluster password on " + m.Name, On: m, Cmd: "chpasswd", Stdin: "hacluster:" + req.Password + "\n", Local: true})
		}
		if u := m.Units["pcsd"]; !u.Active || !u.Enabled {
			steps = append(steps, step{Desc: "start and enable pcsd on " + m.Name, On: m, Cmd: "systemctl enable --now pcsd && sleep 1", Local: true})
		}
	}
	fresh := func(m *member) bool {
		if m.Config == nil {
			return false
		}
		if m.Config.Stock() {
			return true
		}
		return recreate
	}
	if inCluster != nil {
		actor = inCluster
	}
	// Nodes to wipe: stock placeholders, and with force_recreate every
	// real configuration — but never a node of the cluster being kept.
	for _, m := range ms {
		if fresh(m) && (inCluster == nil || !slices.Contains(inCluster.Config.NodeNames(), m.Name)) {
			steps = append(steps, step{Desc: "remove the placeholder or foreign cluster configuration on " + m.Name, On: m, Cmd: "pcs cluster destroy --force", Local: true})
		}
	}
	var unknown []string
	for _, n := range req.Nodes {
		if !actor.KnownHosts[n.Name] {
			unknown = append(unknown, n.Name)
		}
	}
	if len(unknown) > 0 {
		if req.Password == "" {
			return nil, nil, fmt.Errorf("nodes %s are not authenticated and hacluster_password is not given", strings.Join(unknown, ", "))
		}
		steps = append(steps, step{Desc: "authenticate " + strings.Join(unknown, ", ") + " with pcsd", On: actor,
			Cmd: "pcs host auth " + nodeArgs(req.Nodes, unknown) + " -u hacluster", Stdin: req.Password + "\n"})
	}
	enable := ""
	if req.StartOnBoot {
		enable = " --enable"
	}
	if inCluster == nil {
		cmd := "pcs cluster setup " + transport.Quote(req.Name) + " " + nodeArgs(req.Nodes, nil) + " transport " + req.Transport
		if len(req.Totem) > 0 {
			cmd += " totem " + kvArgs(req.Totem)
		}
		if len(req.Quorum) > 0 {
			cmd += " quorum " + kvArgs(req.Quorum)
		}
		steps = append(steps, step{Desc: "create cluster " + req.Name, On: actor, Cmd: cmd + " --start --wait=180" + enable})
		return steps, actor, nil
	}
	have := inCluster.Config.NodeNames()
	for _, n := range req.Nodes {
		if !slices.Contains(have, n.Name) {
			steps = append(steps, step{Desc: "add node " + n.Name, On: actor, Cmd: "pcs cluster node add " + nodeArgs([]nodeSpec{n}, nil) + " --start --wait=180" + enable})
		}
	}
	for _, h := range have {
		if _, ok := desired[h]; !ok {
			steps = append(steps, step{Desc: "remove node " + h, On: actor, Cmd: "pcs cluster node remove " + transport.Quote(h)})
		}
	}
	var stopped, boot []string
	for _, m := range ms {
		if !slices.Contains(have, m.Name) {
			continue // added above, started and enabled by node add
		}
		if !m.running() {
			stopped = append(stopped, m.Name)
		}
		if (m.Units["corosync"].Enabled && m.Units["pacemaker"].Enabled) != req.StartOnBoot {
			boot = append(boot, m.Name)
		}
	}
	if len(stopped) > 0 {
		steps = append(steps, step{Desc: "start the cluster on " + strings.Join(stopped, ", "), On: actor, Cmd: "pcs cluster start " + quoteAll(stopped) + " --wait=180"})
	}
	if len(boot) > 0 {
		verb := "disable"
		if req.StartOnBoot {
			verb = "enable"
		}
		steps = append(steps, step{Desc: verb + " the cluster at boot on " + strings.Join(boot, ", "), On: actor, Cmd: "pcs cluster " + verb + " " + quoteAll(boot)})
	}
	return steps, actor, nil
}

// nodeArgs renders "name addr=A addr=B …" for the named nodes (all when
// only is nil).
func nodeArgs(nodes []nodeSpec, only []string) string {
	var parts []string
	for _, n := range nodes {
		if only != nil && !slices.Contains(only, n.Name) {
			continue
		}
		parts = append(parts, transport.Quote(n.Name))
		for _, a := range n.Addrs {
			parts = append(parts, transport.Quote("addr="+a))
		}
	}
	return strings.Join(parts, " ")
}

func kvArgs(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, transport.Quote(k+"="+m[k]))
	}
	return strings.Join(parts, " ")
}

func quoteAll(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = transport.Quote(s)
	}
	return strings.Join(out, " ")
}

// clusterWarnings flags settings that are fine in a lab and dangerous in
// production.
func clusterWarnings(req clusterReq) []string {
	var w []string
	if v, ok := req.Properties["stonith-enabled"]; ok && isFalse(v) {
		w = append(w, "stonith-enabled=false: without fencing a split brain can run resources twice; acceptable in a lab only")
	}
	if req.Properties["no-quorum-policy"] == "ignore" {
		w = append(w, "no-quorum-policy=ignore: a partition without quorum keeps running resources")
	}
	if len(req.Nodes) == 2 {
		w = append(w, "two nodes: quorum comes from two_node (wait_for_all); add a qdevice or fencing for production")
	}
	return w
}

func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "no", "0", "off", "n":
		return true
	}
	return false
}
