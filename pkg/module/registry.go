package module

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// registry is the one piece of global mutable state hactl allows: modules
// register themselves from init functions.
var registry = struct {
	sync.RWMutex
	byName map[string]Module // short names and aliases
}{byName: map[string]Module{}}

// collections whose fully qualified names resolve to the short name, so
// that `ansible.builtin.copy` and `copy` are the same module.
var collections = []string{
	"ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.",
	"community.mysql.", "community.docker.", "community.crypto.", "hactl.",
}

// Register adds m under its name and aliases. It panics on a duplicate name:
// that is a programming error caught at start-up.
func Register(m Module) {
	s := m.Spec()
	registry.Lock()
	defer registry.Unlock()
	for _, n := range append([]string{s.Name}, s.Aliases...) {
		if _, dup := registry.byName[n]; dup {
			panic(fmt.Sprintf("module %q registered twice", n))
		}
		registry.byName[n] = m
	}
}

// Lookup finds a module by short name, alias or fully qualified name.
func Lookup(name string) (Module, bool) {
	registry.RLock()
	defer registry.RUnlock()
	if m, ok := registry.byName[name]; ok {
		return m, true
	}
	for _, c := range collections {
		if short, ok := strings.CutPrefix(name, c); ok {
			if m, ok := registry.byName[short]; ok {
				return m, true
			}
		}
	}
	return nil, false
}

// Names returns every registered canonical module name, sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	set := map[string]bool{}
	for _, m := range registry.byName {
		set[m.Spec().Name] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// UnknownError builds the error for a task naming no registered module,
// with a suggestion when one name is close.
func UnknownError(name string) error {
	short := name
	for _, c := range collections {
		if s, ok := strings.CutPrefix(name, c); ok {
			short = s
		}
	}
	registry.RLock()
	all := slices.Collect(maps.Keys(registry.byName))
	registry.RUnlock()
	if best := Closest(short, all); best != "" {
		return fmt.Errorf("unknown module %q (did you mean %q?)", name, best)
	}
	return fmt.Errorf("unknown module %q; `hactl doc --list` lists the modules", name)
}
