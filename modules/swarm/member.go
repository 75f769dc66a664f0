package swarm

import (
	"context"
	"errors"
	"fmt"
	peers "github.com/hactl/hactl/modules/internal/cluster"
	"net"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// memberRun is one swarm_member task.
type memberRun struct {
	t        *module.Target
	a        module.Args
	self     local
	mgr      transport.Conn
	mgrName  string
	mgrLocal local
	res      module.Result
	actions  []string
	warnings []string
}

func (r *memberRun) did(format string, args ...any) {
	r.res.Changed = true
	r.actions = append(r.actions, fmt.Sprintf(format, args...))
}

// Run implements module.Module.
func (Member) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	self, err := gatherLocal(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	r := &memberRun{t: t, a: a, self: self, res: module.Result{Data: map[string]any{}}}
	if names := a.Strings("manager"); len(names) > 0 {
		closeFn, err := r.findManager(ctx, names)
		defer closeFn()
		if err != nil {
			if t.Check && a.String("state") == "present" {
				r.did("join the swarm of %s (%v)", strings.Join(names, " or "), err)
				r.res.Data["predicted"] = "unknown-dependency"
				return r.result(), nil
			}
			if a.String("state") == "present" {
				return module.Failf("%v", err), nil
			}
		}
	}
	if want := a.String("cluster_id"); want != "" && r.mgr != nil && r.mgrLocal.clusterID() != want {
		return module.Failf("manager %s is in cluster %s, not the expected %s", r.mgrName, r.mgrLocal.clusterID(), want), nil
	}
	if a.String("state") == "absent" {
		err = r.absent(ctx)
	} else {
		err = r.present(ctx)
	}
	if err != nil {
		var fail failure
		if errors.As(err, &fail) {
			res := r.result()
			res.Failed, res.Msg = true, fail.msg
			return res, nil
		}
		return module.Result{}, err
	}
	return r.result(), nil
}

// failure is a refusal reported as a failed task rather than an error.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func (r *memberRun) result() module.Result {
	res := r.res
	res.Data["actions"] = toAny(r.actions)
	res.Data["warnings"] = toAny(r.warnings)
	if _, ok := res.Data["cluster_id"]; !ok {
		res.Data["cluster_id"] = r.mgrLocal.clusterID()
	}
	if _, ok := res.Data["node_id"]; !ok {
		res.Data["node_id"] = r.self.NodeID
	}
	if r.res.Changed {
		res.Msg = strings.Join(r.actions, "; ")
		if r.t.Diff {
			res.Diff = []module.FileDiff{{BeforeHeader: "swarm member " + r.t.Host, AfterHeader: "swarm member " + r.t.Host,
				Before: fmt.Sprintf("state: %s\n", r.self.LocalNodeState), After: strings.Join(r.actions, "\n") + "\n"}}
		}
	}
	return res
}

func (r *memberRun) present(ctx context.Context) error {
	role := r.a.String("role")
	switch {
	case r.self.active():
		nodes, err := inspectNodes(ctx, r.mgr, r.self.NodeID)
		if err != nil {
			return err
		}
		if len(nodes) == 1 {
			return r.adjust(ctx, nodes[0], role)
		}
		if !r.a.Bool("force_leave_foreign") {
			own := r.self.clusterID()
			if own == "" {
				own = "unknown to a worker"
			}
			return failure{fmt.Sprintf("this host is in another swarm: manager %s (cluster %s) does not know its node ID %s (its own cluster: %s). Set force_leave_foreign: true to leave that swarm and join this one",
				r.mgrName, r.mgrLocal.clusterID(), r.self.NodeID, own)}
		}
		r.did("left a foreign swarm (node %s)", r.self.NodeID)
		if r.t.Check {
			r.did("joined as %s", role)
			return nil
		}
		if err := r.leave(ctx, true); err != nil {
			return err
		}
	case r.self.LocalNodeState != "inactive":
		r.did("left a %s swarm state (%s)", r.self.LocalNodeState, r.self.Error)
		if r.t.Check {
			r.did("joined as %s", role)
			return nil
		}
		if err := r.leave(ctx, true); err != nil {
			return err
		}
	}
	return r.join(ctx, role)
}

func (r *memberRun) leave(ctx context.Context, force bool) error {
	cmd := "docker swarm leave"
	if force {
		cmd += " --force"
	}
	_, err := docker(ctx, r.t.Conn, "docker swarm leave", cmd, transport.RunOpts{Timeout: 2 * time.Minute})
	return err
}

// joinAddr is where the host joins: manager_addr, else the manager's
// address on port 2377.
func (r *memberRun) joinAddr() (string, error) {
	if a := r.a.String("manager_addr"); a != "" {
		return a, nil
	}
	vars, err := peers.HostVars(r.t, r.mgrName)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(peers.Address(vars, r.mgrName), "2377"), nil
}

func (r *memberRun) join(ctx context.Context, role string) error {
	r.did("joined as %s", role)
	if role == "manager" && r.mgrLocal.Managers%2 == 1 {
		r.warnings = append(r.warnings, fmt.Sprintf("the swarm will have %d managers: an even count tolerates no more failures than one less manager; add another", r.mgrLocal.Managers+1))
	}
	if r.t.Check {
		return nil
	}
	addr, err := r.joinAddr()
	if err != nil {
		return err
	}
	token := r.a.String("join_token")
	if token == "" {
		out, err := docker(ctx, r.mgr, "fetch the join token", "docker swarm join-token -q "+transport.Quote(role), transport.RunOpts{})
		if err != nil {
			return err
		}
		token = strings.TrimSpace(out)
	}
	args := []string{}
	for _, f := range [][2]string{{"advertise_addr", "--advertise-addr"}, {"listen_addr", "--listen-addr"}, {"data_path_addr", "--data-path-addr"}} {
		if v := r.a.String(f[0]); v != "" {
			args = append(args, f[1], v)
		}
	}
	args = append(args, addr)
	// The token arrives on stdin; it is on docker's argv on the host
	// only, never in the command hactl sends or in any output.
	script := `IFS= read -r __t || exit 97
exec docker swarm join --token "$__t" ` + transport.QuoteArgs(args)
	out, err := r.t.Conn.Run(ctx, script, transport.RunOpts{Stdin: strings.NewReader(token + "\n"), Timeout: 2 * time.Minute})
	if err != nil {
		return fmt.Errorf("docker swarm join: %w", err)
	}
	if out.RC != 0 {
		msg := strings.ReplaceAll(strings.TrimSpace(string(out.Stderr)), token, "********")
		return fmt.Errorf("docker swarm join %s: exit status %d: %s", addr, out.RC, msg)
	}
	self, err := gatherLocal(ctx, r.t.Conn)
	if err != nil {
		return err
	}
	r.self = self
	r.res.Data["node_id"] = self.NodeID
	n, err := r.waitNode(ctx, self.NodeID, role)
	if err != nil {
		return err
	}
	return r.setAvailability(ctx, n)
}

// adjust fixes the role and availability of a node already in the
// right swarm.
func (r *memberRun) adjust(ctx context.Context, n node, role string) error {
	if n.Spec.Role != role {
		verb := "promote"
		if role == "worker" {
			verb = "demote"
		}
		r.did("%sd to %s", verb, role)
		if role == "manager" && r.mgrLocal.Managers%2 == 1 {
			r.warnings = append(r.warnings, fmt.Sprintf("the swarm will have %d managers: add another to tolerate a failure", r.mgrLocal.Managers+1))
		}
		if !r.t.Check {
			if _, err := docker(ctx, r.mgr, "docker node "+verb, "docker node "+verb+" "+transport.Quote(n.ID), transport.RunOpts{Timeout: time.Minute}); err != nil {
				return err
			}
			var err error
			if n, err = r.waitNode(ctx, n.ID, role); err != nil {
				return err
			}
		}
	}
	r.res.Data["role"] = role
	return r.setAvailability(ctx, n)
}

func (r *memberRun) setAvailability(ctx context.Context, n node) error {
	r.res.Data["role"] = n.Spec.Role
	want := r.a.String("availability")
	if want == "" || n.Spec.Availability == want {
		return nil
	}
	r.did("availability %s", want)
	if r.t.Check {
		return nil
	}
	_, err := docker(ctx, r.mgr, "docker node update", "docker node update --availability "+transport.Quote(want)+" "+transport.Quote(n.ID), transport.RunOpts{})
	return err
}

// waitNode waits until the manager sees the node ready with role (and
// reachable, for a manager).
func (r *memberRun) waitNode(ctx context.Context, id, role string) (node, error) {
	timeout := time.Duration(r.a.Int("timeout")) * time.Second
	deadline := time.Now().Add(timeout)
	last := "unknown to the manager"
	for {
		ns, err := inspectNodes(ctx, r.mgr, id)
		if err != nil {
			return node{}, err
		}
		if len(ns) == 1 {
			n := ns[0]
			ok := n.Status.State == "ready" && n.Spec.Role == role
			if role == "manager" {
				ok = ok && n.ManagerStatus != nil && n.ManagerStatus.Reachability == "reachable"
			}
			if ok {
				return n, nil
			}
			last = fmt.Sprintf("state %s, role %s", n.Status.State, n.Spec.Role)
		}
		if time.Now().After(deadline) {
			return node{}, fmt.Errorf("node %s is not a ready %s %s after the change: %s", id, role, timeout, last)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return node{}, err
		}
	}
}

func (r *memberRun) absent(ctx context.Context) error {
	if r.self.LocalNodeState == "inactive" {
		return nil
	}
	id := r.self.NodeID
	if r.self.ControlAvailable {
		if r.self.Managers <= 1 {
			return failure{"this host is the swarm's last manager: leaving would destroy the swarm (swarm_cluster state absent does that on purpose)"}
		}
		r.did("demoted")
		if !r.t.Check {
			ctl := r.mgr
			if ctl == nil {
				ctl = r.t.Conn
			}
			if _, err := docker(ctx, ctl, "docker node demote", "docker node demote "+transport.Quote(id), transport.RunOpts{Timeout: time.Minute}); err != nil {
				return err
			}
			if err := r.waitWorker(ctx); err != nil {
				return err
			}
		}
	}
	r.did("left the swarm")
	if r.mgr != nil && r.mgr != r.t.Conn {
		r.did("removed node %s", id)
	}
	if r.t.Check {
		return nil
	}
	if err := r.leave(ctx, false); err != nil {
		return err
	}
	if r.mgr == nil || r.mgr == r.t.Conn {
		return nil
	}
	deadline := time.Now().Add(time.Duration(r.a.Int("timeout")) * time.Second)
	for {
		out, err := r.mgr.Run(ctx, "docker node rm "+transport.Quote(id), transport.RunOpts{})
		if err != nil {
			return fmt.Errorf("docker node rm: %w", err)
		}
		if out.RC == 0 || strings.Contains(string(out.Stderr), "not found") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("docker node rm %s on the manager: %s", id, strings.TrimSpace(string(out.Stderr)))
		}
		if err := sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

// waitWorker waits until this host no longer has manager control.
func (r *memberRun) waitWorker(ctx context.Context) error {
	deadline := time.Now().Add(time.Duration(r.a.Int("timeout")) * time.Second)
	for {
		l, err := gatherLocal(ctx, r.t.Conn)
		if err != nil {
			return err
		}
		if !l.ControlAvailable {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("this host still has manager control after its demotion")
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// findManager connects to the first of names that is an active manager
// with control (a manager that is down or lost quorum is skipped). The
// returned function closes the connection.
func (r *memberRun) findManager(ctx context.Context, names []string) (func(), error) {
	var errs []string
	for _, name := range names {
		conn, closeFn, err := peers.Dial(ctx, r.t, name, time.Duration(r.a.Int("connect_timeout"))*time.Second)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		l, err := gatherLocal(ctx, conn)
		if err == nil && !(l.active() && l.ControlAvailable) {
			err = fmt.Errorf("%s is not a swarm manager (state %q)", name, l.LocalNodeState)
		}
		if err != nil {
			closeFn()
			errs = append(errs, fmt.Sprintf("manager %s: %v", name, err))
			continue
		}
		r.mgr, r.mgrName, r.mgrLocal = conn, name, l
		return closeFn, nil
	}
	return func() {}, errors.New(strings.Join(errs, "; "))
}
