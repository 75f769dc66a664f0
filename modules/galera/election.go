package galera

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Election is the outcome of choosing a bootstrap node after a full
// outage.
type Election struct {
	// Winner is the member to bootstrap (nil when none can be chosen).
	Winner *Member
	// Unsafe lists why the choice cannot be proved safe; empty when safe.
	// It includes Unknown.
	Unsafe []string
	// Unknown lists the members whose position is unknown (recovery
	// failed or, in check mode, was not run).
	Unknown []string
	// NeedsFlag is true when safe_to_bootstrap must be set on the winner.
	NeedsFlag bool
	// Table is the election table shown to users.
	Table string
	// Rows is the table as data.
	Rows []map[string]any
}

// elect chooses the most advanced member among those with state. fallback
// is used when no member has any history (a fresh cluster).
func elect(ms []*Member, fallback *Member) Election {
	var e Election
	uuids := map[string]bool{}
	for _, m := range ms {
		if !m.Reachable() {
			e.Unsafe = append(e.Unsafe, fmt.Sprintf("%s is unreachable (%v): it may hold newer transactions", m.Name, m.Err))
			continue
		}
		if !m.Grastate.HasHistory() && m.RecoveredUUID == "" {
			continue
		}
		uuid, seqno := m.Position()
		if uuid == "" || uuid == zeroUUID {
			uuid = m.RecoveredUUID
		}
		if uuid != "" && uuid != zeroUUID {
			uuids[uuid] = true
		}
		if seqno < 0 {
			e.Unknown = append(e.Unknown, m.Name)
			e.Unsafe = append(e.Unsafe, fmt.Sprintf("%s: position unknown (seqno -1 and no recovered position)", m.Name))
			continue
		}
		if e.Winner == nil || better(m, e.Winner) {
			e.Winner = m
		}
	}
	if len(uuids) > 1 {
		e.Unsafe = append(e.Unsafe, fmt.Sprintf("members have different cluster histories (uuids %s)", strings.Join(slices.Sorted(maps.Keys(uuids)), ", ")))
	}
	if e.Winner != nil {
		if why := unclean(ms, e.Winner); why != "" {
			e.Unsafe = append(e.Unsafe, why)
		}
	}
	if e.Winner == nil && len(uuids) == 0 && fallback != nil && fallback.Reachable() {
		e.Winner = fallback
	}
	if e.Winner == nil {
		e.Unsafe = append(e.Unsafe, "no member has a provable position")
		for _, m := range ms {
			if m.Reachable() {
				e.Winner = m
				break
			}
		}
	}
	if e.Winner != nil && e.Winner.Grastate.Present && !e.Winner.Grastate.SafeToBootstrap {
		e.NeedsFlag = true
	}
	e.Rows, e.Table = electionTable(ms, e.Winner)
	return e
}

// noSafeMember is the reason given when no member saved
// safe_to_bootstrap: 1, i.e. the last member did not shut down cleanly.
const noSafeMember = "no member has safe_to_bootstrap: 1 in grastate.dat: the cluster did not shut down cleanly (its last members crashed, were killed or lost power)"

// safeMember returns the reachable member whose grastate.dat says
// safe_to_bootstrap: 1 (Galera writes it on the last member to leave the
// Primary component cleanly), or nil.
func safeMember(ms []*Member) *Member {
	for _, m := range ms {
		if m.Reachable() && m.Grastate.SafeToBootstrap {
			return m
		}
	}
	return nil
}

// unclean says why bootstrapping winner, the most advanced member of a
// cluster with history, is not backed by a clean shutdown ("" when it is:
// winner itself has safe_to_bootstrap: 1).
func unclean(ms []*Member, winner *Member) string {
	if winner.Grastate.SafeToBootstrap {
		return ""
	}
	s := safeMember(ms)
	if s == nil {
		return noSafeMember
	}
	_, ws := winner.Position()
	_, ss := s.Position()
	return fmt.Sprintf("%s has safe_to_bootstrap: 1 but %s has a higher position (seqno %d > %d)", s.Name, winner.Name, ws, ss)
}

// better reports whether a is more advanced than b: higher seqno, then
// safe_to_bootstrap; on a full tie the earlier member (b) stays.
func better(a, b *Member) bool {
	_, sa := a.Position()
	_, sb := b.Position()
	if sa != sb {
		return sa > sb
	}
	return a.Grastate.SafeToBootstrap && !b.Grastate.SafeToBootstrap
}

// electionTable renders the per-member facts the election used.
func electionTable(ms []*Member, winner *Member) ([]map[string]any, string) {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "member\treachable\tuuid\tgrastate seqno\trecovered seqno\tsafe_to_bootstrap\tchosen")
	var rows []map[string]any
	for _, m := range ms {
		uuid := m.Grastate.UUID
		if uuid == "" {
			uuid = m.RecoveredUUID
		}
		if !m.Grastate.Present && m.Reachable() {
			uuid = "(no grastate.dat)"
		}
		rec := "-"
		if m.Recovered >= 0 {
			rec = fmt.Sprint(m.Recovered)
		}
		chosen := m == winner
		fmt.Fprintf(w, "%s\t%v\t%s\t%d\t%s\t%v\t%s\n", m.Name, m.Reachable(), orDash(uuid), m.Grastate.Seqno, rec,
			boolNum(m.Grastate.SafeToBootstrap), map[bool]string{true: "<==", false: ""}[chosen])
		rows = append(rows, map[string]any{
			"member": m.Name, "reachable": m.Reachable(), "uuid": m.Grastate.UUID, "seqno": m.Grastate.Seqno,
			"recovered_uuid": m.RecoveredUUID, "recovered_seqno": m.Recovered, "safe_to_bootstrap": m.Grastate.SafeToBootstrap, "chosen": chosen,
		})
	}
	_ = w.Flush()
	return rows, b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func boolNum(b bool) int {
	if b {
		return 1
	}
	return 0
}
