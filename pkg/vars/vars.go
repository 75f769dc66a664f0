// Package vars merges variable scopes in Ansible's documented precedence
// order and names the magic variables the runner sets.
//
// The merge is shallow (a later scope replaces a whole top-level value, as
// Ansible's default hash_behaviour=replace), and never modifies its inputs.
package vars

import "maps"

// Level is one precedence level, lowest first. The numbers follow Ansible's
// documented order (role defaults lowest, extra vars highest); inventory
// levels are merged by pkg/inventory before they reach here.
type Level int

// Precedence levels, lowest first.
const (
	RoleDefaults  Level = iota
	Inventory           // group and host vars from inventories and playbook-adjacent group_vars/host_vars
	Facts               // gathered facts (ansible_* names) and cacheable set_facts
	PlayVars            // play vars:
	PlayVarsFiles       // play vars_files:
	RoleVars            // role vars/main.yml
	BlockVars           // vars: of enclosing blocks, outermost first
	TaskVars            // vars: of the task (and include params)
	IncludeVars         // include_vars results
	SetFacts            // set_fact and register results
	RoleParams          // role parameters (roles: - {role: x, p: 1}) and include_role params
	ExtraVars           // -e
	Magic               // inventory_hostname, groups, hostvars, …: set by the runner, not overridable
	numLevels
)

// Scope collects variable maps by level and merges them on demand.
type Scope struct {
	layers [numLevels][]map[string]any
}

// Add appends m at level l; several maps at one level apply in the order
// added (later wins).
func (s *Scope) Add(l Level, m map[string]any) {
	if len(m) == 0 {
		return
	}
	s.layers[l] = append(s.layers[l], m)
}

// Merge returns a new map holding every variable, higher levels winning.
func (s *Scope) Merge() map[string]any {
	n := 0
	for _, ls := range s.layers {
		for _, m := range ls {
			n += len(m)
		}
	}
	out := make(map[string]any, n)
	for _, ls := range s.layers {
		for _, m := range ls {
			maps.Copy(out, m)
		}
	}
	return out
}

// FactVars returns the top-level variables Ansible injects for gathered
// facts: each fact under its own `ansible_`-prefixed name, plus the
// `ansible_facts` dictionary with unprefixed names.
func FactVars(facts map[string]any) map[string]any {
	if len(facts) == 0 {
		return nil
	}
	out := make(map[string]any, len(facts)+1)
	plain := make(map[string]any, len(facts))
	for k, v := range facts {
		name := k
		if len(k) > 8 && k[:8] == "ansible_" {
			name = k[8:]
		}
		plain[name] = v
		out["ansible_"+name] = v
	}
	out["ansible_facts"] = plain
	return out
}

// Omit is the placeholder value of the `omit` variable: an argument whose
// rendered value equals it is dropped, as Ansible does.
const Omit = "__omit_place_holder__hactl__"
