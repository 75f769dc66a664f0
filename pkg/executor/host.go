package executor

import (
	"maps"
	"sync"

	"github.com/hactl/hactl/pkg/vars"
)

// hostState is what the run remembers about a host across tasks and plays.
type hostState struct {
	name string
	mu   sync.Mutex
	// facts are gathered facts, keyed with their ansible_ prefix.
	facts map[string]any
	// factVars caches vars.FactVars(facts); nil when stale.
	factVars map[string]any
	// setFacts holds set_fact and register results.
	setFacts map[string]any
	// includeVars holds include_vars results.
	includeVars map[string]any
	// failed and unreachable hosts take no further part in the run.
	failed      bool
	unreachable bool
	// lastFailed is the last failed task and its result, exposed to
	// rescue sections as ansible_failed_task / ansible_failed_result.
	lastFailedTask   map[string]any
	lastFailedResult map[string]any
}

func (hs *hostState) out() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.failed || hs.unreachable
}

// snapshot returns the host's own dynamic variable layers.
func (hs *hostState) snapshot() (factVars, includeVars, setFacts map[string]any) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.factVars == nil && len(hs.facts) > 0 {
		hs.factVars = vars.FactVars(hs.facts)
	}
	return hs.factVars, hs.includeVars, hs.setFacts
}

// The layers are replaced, never modified in place, so snapshots handed
// out earlier stay valid: each change builds a new map under the lock.

// withAdded returns a copy of m with add's entries set.
func withAdded(m, add map[string]any) map[string]any {
	out := make(map[string]any, len(m)+len(add))
	maps.Copy(out, m)
	maps.Copy(out, add)
	return out
}

func (hs *hostState) setFact(k string, v any) {
	hs.mergeSetFacts(map[string]any{k: v})
}

func (hs *hostState) mergeSetFacts(add map[string]any) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.setFacts = withAdded(hs.setFacts, add)
}

func (hs *hostState) mergeIncludeVars(add map[string]any) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.includeVars = withAdded(hs.includeVars, add)
}

func (hs *hostState) mergeFacts(add map[string]any) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.facts = withAdded(hs.facts, add)
	hs.factVars = nil
}

func (hs *hostState) clearFacts() {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.facts = map[string]any{}
	hs.factVars = nil
}

// hostvarsCache keeps the `hostvars` magic variable: for every inventory
// host, its variables at play level. Entries are rebuilt only for hosts
// whose variables changed, and the top-level map is replaced (copy on
// write), so a template reading hostvars never races with an update.
type hostvarsCache struct {
	mu    sync.Mutex
	snap  map[string]any
	dirty map[string]bool
	all   bool
}

func (c *hostvarsCache) invalidate(h string) {
	c.mu.Lock()
	if c.dirty == nil {
		c.dirty = map[string]bool{}
	}
	c.dirty[h] = true
	c.mu.Unlock()
}

func (c *hostvarsCache) invalidateAll() {
	c.mu.Lock()
	c.all = true
	c.mu.Unlock()
}

// get returns the current snapshot, rebuilding stale entries with build.
func (c *hostvarsCache) get(hosts func() []string, build func(h string) map[string]any) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap == nil || c.all {
		hs := hosts()
		m := make(map[string]any, len(hs))
		for _, h := range hs {
			m[h] = build(h)
		}
		c.snap, c.all, c.dirty = m, false, nil
		return c.snap
	}
	if len(c.dirty) == 0 {
		return c.snap
	}
	m := maps.Clone(c.snap)
	for h := range c.dirty {
		m[h] = build(h)
	}
	c.snap, c.dirty = m, nil
	return c.snap
}
