package executor

import (
	"slices"
	"sync"
)

// HostStats counts task outcomes for one host, as the PLAY RECAP shows.
type HostStats struct {
	OK, Changed, Unreachable, Failed, Skipped, Rescued, Ignored int
}

// Stats are the counters of a whole run.
type Stats struct {
	mu    sync.Mutex
	hosts map[string]*HostStats
	order []string
	// Interrupted is set when the run was cancelled.
	Interrupted bool
}

func newStats() *Stats { return &Stats{hosts: map[string]*HostStats{}} }

func (s *Stats) host(h string) *HostStats {
	hs, ok := s.hosts[h]
	if !ok {
		hs = &HostStats{}
		s.hosts[h] = hs
		s.order = append(s.order, h)
	}
	return hs
}

// touch makes sure h appears in the recap even with no counted task.
func (s *Stats) touch(h string) {
	s.mu.Lock()
	s.host(h)
	s.mu.Unlock()
}

// count records one task outcome; changed matters for ignored failures,
// which Ansible counts as ok (and changed) plus ignored.
func (s *Stats) count(h string, st Status, changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.host(h)
	switch st {
	case StatusOK:
		hs.OK++
	case StatusChanged:
		hs.OK++
		hs.Changed++
	case StatusFailed:
		hs.Failed++
	case StatusSkipped:
		hs.Skipped++
	case StatusUnreachable:
		hs.Unreachable++
	case StatusIgnored:
		hs.OK++
		hs.Ignored++
		if changed {
			hs.Changed++
		}
	case StatusRescued:
		hs.Rescued++
	}
}

// rescue turns one counted failure into a rescue (a block's rescue ran):
// Ansible counts the failed task as neither ok nor failed then.
func (s *Stats) rescue(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.host(h)
	if hs.Failed > 0 {
		hs.Failed--
	}
	hs.Rescued++
}

// Hosts returns the host names in the order they were first seen, sorted
// like Ansible's recap (alphabetically).
func (s *Stats) Hosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.order)
	slices.Sort(out)
	return out
}

// Host returns a copy of the counters of h.
func (s *Stats) Host(h string) HostStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hs, ok := s.hosts[h]; ok {
		return *hs
	}
	return HostStats{}
}

// ExitCode returns ansible-playbook's documented exit code for the run:
// 99 when interrupted, 2 when a host failed, 3 when a host was
// unreachable, else 0.
func (s *Stats) ExitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Interrupted {
		return 99
	}
	failed, unreachable := false, false
	for _, hs := range s.hosts {
		if hs.Failed > 0 {
			failed = true
		}
		if hs.Unreachable > 0 {
			unreachable = true
		}
	}
	switch {
	case failed:
		return 2
	case unreachable:
		return 3
	}
	return 0
}

// NewStatsForTest returns Stats holding the given counters, for reporter
// tests outside this package.
func NewStatsForTest(hosts map[string]HostStats) *Stats {
	s := newStats()
	for h, c := range hosts {
		*s.host(h) = c
	}
	return s
}
