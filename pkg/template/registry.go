package template

import (
	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// gonjaFilters are gonja's own filters hactl keeps; each is guarded so an
// error value (an undefined variable) fails instead of being printed.
var gonjaFilters = []string{
	"attr", "center", "escape", "e", "filesizeformat", "forceescape", "format", "groupby",
	"pprint", "safe", "slice", "striptags", "title", "truncate", "urlize", "wordcount",
	"wordwrap", "xmlattr",
}

// buildFilters returns the engine's filter set: gonja's (guarded) plus
// Ansible's, Ansible's winning where both exist.
func buildFilters(rc *regexCache) *exec.FilterSet {
	m := map[string]exec.FilterFunction{}
	for _, name := range gonjaFilters {
		if fn, ok := builtins.Filters.Get(name); ok {
			m[name] = guardFilter(fn)
		}
	}
	for _, group := range []map[string]exec.FilterFunction{
		coreFilters(), listFilters(), textFilters(rc), dataFilters(), miscFilters(), extraFilters(),
	} {
		for name, fn := range group {
			m[name] = fn
		}
	}
	return exec.NewFilterSet(m)
}

// buildTests returns gonja's tests with Ansible's added or replacing them.
func buildTests(rc *regexCache) *exec.TestSet {
	tests := exec.NewTestSet(map[string]exec.TestFunction{})
	tests.Update(builtins.Tests)
	for name, fn := range ansibleTests(rc) {
		if tests.Exists(name) {
			_ = tests.Replace(name, fn)
		} else {
			_ = tests.Register(name, fn)
		}
	}
	return tests
}

// ansibleMethods returns the methods callable on values (d.items(), …).
func ansibleMethods() exec.Methods {
	return builtins.Methods
}
