// Package facts implements the setup module, which gathers facts about a
// host (also run by gather_facts).
//
// Every fact comes from one shell script sent in a single round trip. The
// script prints named sections (each opened by a header line carrying a
// random marker) holding machine-readable sources: /proc and /sys files,
// /etc/os-release, `ip -j` JSON, `stat -f -c` fields. Each collector owns
// its snippets and parses its sections; a missing tool only leaves its
// facts out.
package facts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Setup{}) }

// Setup is the setup module.
type Setup struct{}

// groups are the gather_subset names that select several collectors.
var groups = []string{"min", "hardware", "network", "virtual"}

// Spec describes the setup module.
func (Setup) Spec() module.Spec {
	names := []string{"all"}
	names = append(names, groups...)
	for _, c := range collectors {
		if !slices.Contains(names, c.name) {
			names = append(names, c.name)
		}
	}
	return module.Spec{
		Name:    "setup",
		Aliases: []string{"gather_facts"},
		Short:   "Collect facts (OS, network, hardware, services) from a host in one round trip",
		Doc: `Gathers facts about the host in one round trip and returns them under ansible_facts, named as Ansible names them (ansible_hostname, ansible_default_ipv4, ansible_eth0, …). Plays run it first unless gather_facts is false.

gather_subset selects what to collect: ` + strings.Join(names, ", ") + `. A name prefixed with ! excludes it; min is always collected unless !min is given. Facts hactl does not collect (devices, lvm, …) are simply absent.`,
		Params: []module.Param{
			{Name: "gather_subset", Type: module.List, Elements: module.Str, Default: []any{"all"}, Doc: "Restrict the facts collected to these subsets (see above); !name excludes."},
			{Name: "gather_timeout", Type: module.Int, Default: 10, Doc: "Seconds allowed to a fact source that may hang (statfs on a dead network mount); the whole gathering gets three times as long."},
			{Name: "filter", Type: module.List, Elements: module.Str, Default: []any{}, Doc: "Only return facts whose name (ansible_…) matches one of these shell-style patterns; empty means all."},
			{Name: "fact_path", Type: module.Path, Default: "/etc/ansible/facts.d", Doc: "Directory of local facts (*.fact files, JSON or INI, run when executable), returned under ansible_local."},
		},
		CheckMode: true,
		Examples: `- name: Gather only network facts (and the minimal set)
  setup:
    gather_subset: [network]

- name: Only the addresses
  setup:
    filter: [ansible_default_ipv4, ansible_all_ipv4_addresses]`,
		Returns: []module.ReturnValue{
			{Name: "ansible_facts", Type: module.Dict, Doc: "The facts, keyed ansible_<name>, plus gather_subset and module_setup."},
		},
	}
}

// Run gathers the facts.
func (Setup) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	subset := a.Strings("gather_subset")
	chosen, err := selectCollectors(subset)
	if err != nil {
		return module.Result{}, fmt.Errorf("setup: %w", err)
	}
	patterns := a.Strings("filter")
	for _, p := range patterns {
		if _, err := path.Match(globPattern(p), ""); err != nil {
			return module.Result{}, fmt.Errorf("setup: bad filter pattern %q: %w", p, err)
		}
	}
	if len(chosen) == 0 {
		return module.Result{Data: map[string]any{"ansible_facts": map[string]any{"gather_subset": toAny(subset), "module_setup": true}}}, nil
	}
	params := scriptParams{factPath: a.String("fact_path"), timeout: a.Int("gather_timeout")}
	marker := "@@hactl_" + nonce()
	script := buildScript(marker, chosen, params)
	opts := transport.RunOpts{Timeout: time.Duration(max(params.timeout, 1)*3) * time.Second}
	res, err := t.Conn.Run(ctx, script, opts)
	if err != nil {
		return module.Result{}, fmt.Errorf("setup: %w", err)
	}
	secs := splitSections(string(res.Stdout), marker)
	if len(secs.list) == 0 {
		return module.Result{}, fmt.Errorf("setup: the host returned no facts (rc %d): %s", res.RC, firstLine(string(res.Stderr)))
	}
	raw := factMap{}
	for _, c := range chosen {
		c.parse(secs, raw)
	}
	facts := map[string]any{}
	for k, v := range raw {
		name := "ansible_" + k
		if len(patterns) == 0 || slices.ContainsFunc(patterns, func(p string) bool { ok, _ := path.Match(globPattern(p), name); return ok }) {
			facts[name] = v
		}
	}
	facts["gather_subset"] = toAny(subset)
	facts["module_setup"] = true
	return module.Result{Data: map[string]any{"ansible_facts": facts}}, nil
}

// selectCollectors applies gather_subset: names add, !names remove; min is
// kept unless !min; with only exclusions the start is everything.
func selectCollectors(subset []string) ([]collector, error) {
	known := map[string]bool{"all": true}
	for _, g := range groups {
		known[g] = true
	}
	for _, c := range collectors {
		known[c.name] = true
	}
	add, drop := map[string]bool{}, map[string]bool{}
	positive := false
	for _, s := range subset {
		s = strings.TrimSpace(s)
		name, neg := strings.CutPrefix(s, "!")
		if !known[name] {
			return nil, fmt.Errorf("bad subset %q given to setup; gather_subset options allowed: %s", s, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		if neg {
			drop[name] = true
		} else {
			add[name] = true
			positive = true
		}
	}
	if !positive {
		add["all"] = true
	}
	var chosen []collector
	for _, c := range collectors {
		in := add["all"] || add[c.group] || add[c.name] || c.group == "min"
		excluded := drop[c.name] || drop[c.group] || (drop["all"] && c.group != "min")
		if add[c.name] && !drop[c.name] {
			excluded = false
		}
		if in && !excluded {
			chosen = append(chosen, c)
		}
	}
	return chosen, nil
}

// globPattern turns an fnmatch pattern into a path.Match one ([!x] is
// written [^x]).
func globPattern(p string) string { return strings.ReplaceAll(p, "[!", "[^") }

// nonce returns 16 random hex digits.
func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
