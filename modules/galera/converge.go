package galera

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

// run is one galera_cluster invocation: the gathered members and what
// was done so far.
type run struct {
	o       options
	t       *module.Target
	ms      []*Member
	want    map[*Member][]byte
	plan    []string
	changed bool
	diffs   []module.FileDiff
	data    map[string]any
	notes   []string
}

// step records (and, outside check mode, performs) one step.
func (r *run) step(ctx context.Context, desc string, f func(context.Context) error) error {
	r.plan = append(r.plan, desc)
	if r.t.Check {
		return nil
	}
	r.changed = true
	start := time.Now()
	err := f(ctx)
	r.plan[len(r.plan)-1] += fmt.Sprintf(" (%.1fs)", time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("%s: %w", desc, err)
	}
	return nil
}

// drifted reports whether m's option file differs from the desired one.
func (r *run) drifted(m *Member) bool {
	return !m.ConfigExists || !bytes.Equal(m.Config, r.want[m])
}

// writeIfDrifted writes m's option file when it differs.
func (r *run) writeIfDrifted(ctx context.Context, m *Member) error {
	if !r.drifted(m) {
		return nil
	}
	want := r.want[m]
	return r.step(ctx, "write config on "+m.Name, func(ctx context.Context) error { return r.o.act.writeConfig(ctx, m, want) })
}

// converge decides and applies the plan, then verifies.
func (r *run) converge(ctx context.Context) (module.Result, error) {
	members := map[string]any{}
	for _, m := range r.ms {
		members[m.Name] = m.info()
	}
	r.data["members"] = members
	r.want = map[*Member][]byte{}
	for _, m := range r.ms {
		w, err := r.o.cfg.render(r.ms, m)
		if err != nil {
			return module.Failf("galera_cluster: %v", err), nil
		}
		r.want[m] = w
		if m.Reachable() && r.drifted(m) {
			before := ""
			if m.ConfigExists {
				before = string(m.Config)
			}
			r.diffs = append(r.diffs, remotefile.ContentDiff(m.Name+":"+r.o.act.p.Config+" (before)", m.Name+":"+r.o.act.p.Config+" (after)", []byte(before), w))
		}
	}
	var err error
	if primaries := r.primaries(); len(primaries) > 0 {
		err = r.extend(ctx, primaries)
	} else {
		err = r.bootstrapAll(ctx)
	}
	if err != nil {
		return r.result(err.Error(), true), nil
	}
	if r.t.Check {
		return r.result(r.summary(), false), nil
	}
	if err := r.verify(ctx); err != nil {
		return r.result(err.Error(), true), nil
	}
	return r.result(r.summary(), false), nil
}

// primaries returns the reachable members running in a Primary component.
func (r *run) primaries() []*Member {
	var out []*Member
	for _, m := range r.ms {
		if m.Reachable() && m.Primary() {
			out = append(out, m)
		}
	}
	return out
}

// extend handles a running cluster: join stopped members, rejoin strays,
// and roll configuration changes through the running ones.
func (r *run) extend(ctx context.Context, primaries []*Member) error {
	uuid := primaries[0].Status["wsrep_cluster_state_uuid"]
	for _, m := range primaries[1:] {
		if u := m.Status["wsrep_cluster_state_uuid"]; u != uuid {
			return fmt.Errorf("split brain: %s and %s are Primary with different cluster uuids (%s, %s); refusing to act",
				primaries[0].Name, m.Name, uuid, u)
		}
	}
	for _, m := range r.ms {
		if !m.Reachable() {
			r.notes = append(r.notes, m.Name+" unreachable: "+m.Err.Error())
			continue
		}
		if m.Primary() {
			continue
		}
		if err := r.writeIfDrifted(ctx, m); err != nil {
			return err
		}
		if m.Active {
			if err := r.step(ctx, "restart "+m.Name+" (running outside the Primary component) and wait Synced",
				func(ctx context.Context) error { return r.o.act.restart(ctx, m) }); err != nil {
				return err
			}
			continue
		}
		if err := r.step(ctx, "join "+m.Name+" and wait Synced", func(ctx context.Context) error { return r.o.act.start(ctx, m) }); err != nil {
			return err
		}
	}
	for _, m := range primaries {
		if !m.Synced() && !r.t.Check {
			if err := r.o.act.waitSynced(ctx, m); err != nil {
				return err
			}
		}
		if !r.drifted(m) {
			continue
		}
		if err := r.writeIfDrifted(ctx, m); err != nil {
			return err
		}
		if !r.o.rolling {
			r.notes = append(r.notes, m.Name+" needs a restart to apply its configuration (rolling_restart is false)")
			continue
		}
		if err := r.step(ctx, "rolling restart of "+m.Name+" and wait Synced", func(ctx context.Context) error {
			if err := r.checkOthersSynced(ctx, m); err != nil {
				return err
			}
			return r.o.act.restart(ctx, m)
		}); err != nil {
			return err
		}
	}
	return nil
}

// checkOthersSynced refuses to take m down unless another member is
// Synced, so the cluster never loses its last Synced member.
func (r *run) checkOthersSynced(ctx context.Context, m *Member) error {
	for _, o := range r.ms {
		if o == m || !o.Reachable() {
			continue
		}
		if err := o.refreshStatus(ctx, r.o.act.p); err != nil {
			continue
		}
		if o.Synced() {
			return nil
		}
	}
	return fmt.Errorf("refusing to restart %s: no other member is Synced", m.Name)
}

// bootstrapAll handles a cluster with no running Primary component: a
// fresh bootstrap or a recovery after an outage.
func (r *run) bootstrapAll(ctx context.Context) error {
	var strays []string
	for _, m := range r.ms {
		if m.Reachable() && m.Active {
			strays = append(strays, m.Name)
		}
	}
	if len(strays) > 0 {
		return fmt.Errorf("no member is in a Primary component but %s run (non-Primary); stop them (they then take part in the election) or restore quorum",
			strings.Join(strays, ", "))
	}
	for _, m := range r.ms {
		if m.Reachable() {
			if err := r.writeIfDrifted(ctx, m); err != nil {
				return err
			}
		}
	}
	fresh := true
	for _, m := range r.ms {
		if m.Grastate.HasHistory() || (m.Grastate.Present && m.Grastate.Seqno >= 0) {
			fresh = false
		}
	}
	var unknown []string
	for _, m := range r.ms {
		if m.Reachable() && m.Grastate.Present && m.Grastate.Seqno < 0 {
			unknown = append(unknown, m.Name)
			if r.t.Check {
				r.plan = append(r.plan, "recover the position of "+m.Name+" with mysqld --wsrep-recover")
				continue
			}
			if err := r.step(ctx, "recover the position of "+m.Name+" with mysqld --wsrep-recover", func(ctx context.Context) error {
				return r.o.act.recover(ctx, m)
			}); err != nil {
				r.notes = append(r.notes, err.Error())
			}
			if m.RecoveredUUID != "" && m.RecoveredUUID != zeroUUID {
				fresh = false
			}
		}
	}
	fallback := r.ms[0]
	if r.o.bootstrap != "" {
		for _, m := range r.ms {
			if m.Name == r.o.bootstrap {
				fallback = m
			}
		}
	}
	e := elect(r.ms, fallback)
	if fresh && len(unknown) == 0 {
		// No history anywhere: the bootstrap node is the user's choice.
		e.Winner, e.NeedsFlag = fallback, false
		e.Rows, e.Table = electionTable(r.ms, e.Winner)
	}
	r.data["election"] = e.Rows
	if r.t.Check && len(unknown) > 0 {
		// Positions would be recovered first; only the reasons recovery
		// cannot remove predict a refusal.
		var hard []string
		for _, u := range e.Unsafe {
			if !strings.Contains(u, "position unknown") && !strings.Contains(u, "no member has a provable position") {
				hard = append(hard, u)
			}
		}
		if safeMember(r.ms) == nil {
			hard = append(hard, noSafeMember)
		}
		if len(hard) > 0 && !r.o.allow {
			return fmt.Errorf("would refuse to bootstrap: %s; with allow_unsafe_bootstrap: true the member with the highest recovered seqno would bootstrap (mysqld --wsrep-recover runs first; check mode does not run it)\n%s",
				strings.Join(hard, "; "), e.Table)
		}
		r.plan = append(r.plan, "bootstrap the most advanced member once positions are recovered; the others join one at a time")
		r.notes = append(r.notes, "election table (positions not yet recovered):\n"+e.Table)
		return nil
	}
	if e.Winner != nil {
		r.data["candidate"] = e.Winner.Name
	}
	if len(e.Unsafe) > 0 && !r.o.allow {
		return fmt.Errorf("refusing to bootstrap: %s; the member that would bootstrap is %s; set allow_unsafe_bootstrap: true to bootstrap it\n%s",
			strings.Join(e.Unsafe, "; "), candidate(e.Winner), e.Table)
	}
	if e.Winner == nil || !e.Winner.Reachable() {
		return fmt.Errorf("no reachable member can bootstrap the cluster\n%s", e.Table)
	}
	if len(e.Unsafe) > 0 {
		r.notes = append(r.notes, "UNSAFE bootstrap allowed: "+strings.Join(e.Unsafe, "; "))
	}
	w := e.Winner
	r.data["bootstrapped"] = w.Name
	kind := "bootstrap a new cluster on "
	if !fresh {
		kind = "bootstrap the cluster from the most advanced member "
	}
	if err := r.step(ctx, kind+w.Name+" (galera_new_cluster)", func(ctx context.Context) error {
		return r.o.act.bootstrap(ctx, w, e.NeedsFlag && w.Grastate.Present)
	}); err != nil {
		return err
	}
	for _, m := range r.ms {
		if m == w {
			continue
		}
		if !m.Reachable() {
			r.notes = append(r.notes, m.Name+" unreachable: not joined")
			continue
		}
		if err := r.step(ctx, "join "+m.Name+" and wait Synced", func(ctx context.Context) error { return r.o.act.start(ctx, m) }); err != nil {
			return err
		}
	}
	return nil
}

// candidate names the elected member and its position for messages.
func candidate(m *Member) string {
	if m == nil {
		return "(none)"
	}
	uuid, seqno := m.Position()
	if seqno < 0 {
		return m.Name + " (position unknown)"
	}
	return fmt.Sprintf("%s (%s:%d)", m.Name, orDash(uuid), seqno)
}

// verify waits until every reachable member is a Synced Primary member of
// one cluster of the expected size.
func (r *run) verify(ctx context.Context) error {
	want := 0
	for _, m := range r.ms {
		if m.Reachable() {
			want++
		}
	}
	deadline := time.Now().Add(r.o.verifyWait)
	var problem string
	for {
		problem = r.checkCluster(ctx, want)
		if problem == "" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("verification failed after %s: %s", r.o.verifyWait, problem)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.o.act.poll):
		}
	}
	cl := map[string]any{"size": want, "uuid": r.firstReachable().Status["wsrep_cluster_state_uuid"]}
	states := map[string]any{}
	for _, m := range r.ms {
		if m.Reachable() {
			states[m.Name] = m.Status["wsrep_local_state_comment"]
		}
	}
	cl["states"] = states
	r.data["cluster"] = cl
	if want != len(r.ms) {
		if !r.o.allow {
			return fmt.Errorf("cluster runs with %d of %d members (%s)", want, len(r.ms), strings.Join(r.notes, "; "))
		}
		r.notes = append(r.notes, fmt.Sprintf("WARNING: cluster runs with %d of %d members", want, len(r.ms)))
	}
	return nil
}

func (r *run) firstReachable() *Member {
	for _, m := range r.ms {
		if m.Reachable() {
			return m
		}
	}
	return r.ms[0]
}

// checkCluster reads every reachable member and returns what is wrong
// ("" when healthy).
func (r *run) checkCluster(ctx context.Context, size int) string {
	uuid := ""
	for _, m := range r.ms {
		if !m.Reachable() {
			continue
		}
		if err := m.refreshStatus(ctx, r.o.act.p); err != nil {
			return err.Error()
		}
		s := m.Status
		switch {
		case !m.Active:
			return m.Name + " is not running"
		case s["wsrep_cluster_status"] != "Primary":
			return m.Name + " is not Primary (" + s["wsrep_cluster_status"] + ")"
		case s["wsrep_local_state_comment"] != "Synced":
			return m.Name + " is not Synced (" + s["wsrep_local_state_comment"] + ")"
		case s["wsrep_ready"] != "ON":
			return m.Name + " has wsrep_ready=" + s["wsrep_ready"]
		case s["wsrep_cluster_size"] != fmt.Sprint(size):
			return m.Name + " sees cluster size " + s["wsrep_cluster_size"] + ", want " + fmt.Sprint(size)
		}
		if uuid == "" {
			uuid = s["wsrep_cluster_state_uuid"]
		} else if s["wsrep_cluster_state_uuid"] != uuid {
			return m.Name + " has cluster uuid " + s["wsrep_cluster_state_uuid"] + ", others " + uuid
		}
	}
	return ""
}

func (r *run) summary() string {
	var b strings.Builder
	switch {
	case len(r.plan) == 0:
		b.WriteString("cluster healthy, configuration up to date")
	case r.t.Check:
		b.WriteString("would: " + strings.Join(r.plan, "; "))
	default:
		b.WriteString(strings.Join(r.plan, "; "))
	}
	if len(r.notes) > 0 {
		b.WriteString("\n" + strings.Join(r.notes, "\n"))
	}
	return b.String()
}

func (r *run) result(msg string, failed bool) module.Result {
	r.data["plan"] = append([]string{}, r.plan...)
	res := module.Result{
		Changed: r.changed || (r.t.Check && len(r.plan) > 0),
		Failed:  failed,
		Msg:     msg,
		Data:    r.data,
	}
	if r.t.Diff {
		res.Diff = r.diffs
	}
	return res
}
