package util

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(SetFact{}) }

// SetFact is the set_fact module: set host variables from key/value pairs.
type SetFact struct{}

// identifierRe is a valid variable name.
var identifierRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Spec describes the set_fact module. Besides cacheable, every argument
// name is a variable to set, so validation of names happens in Run.
func (SetFact) Spec() module.Spec {
	return module.Spec{
		Name:  "set_fact",
		Short: "Define variables for the host for the rest of the run",
		Doc: `Sets variables on the host from key: value pairs (or key=value). They take effect for the rest of the play run, with the high precedence of set_fact. With cacheable: true they are also stored as facts (lower precedence, kept in the fact cache).

Strings "true", "false", "yes" and "no" (any case) become booleans, as in Ansible.`,
		Params: []module.Param{
			{Name: "cacheable", Type: module.Bool, Default: false, Doc: "Also store the variables as facts in the fact cache."},
		},
		FreeForm:  true,
		AnyArgs:   true,
		CheckMode: true,
		Examples: `- name: Set two variables
  set_fact:
    one_fact: something
    other_fact: "{{ local_var * 2 }}"

- name: Also cache it as a fact
  set_fact:
    role_done: true
    cacheable: true`,
		Returns: []module.ReturnValue{
			{Name: "ansible_facts", Type: module.Dict, Doc: "The variables set."},
			{Name: "_ansible_facts_cacheable", Type: module.Bool, Doc: "Whether the variables are also facts."},
		},
	}
}

// Run returns the variables under ansible_facts for the executor to store.
func (SetFact) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	cacheable := a.Bool("cacheable")
	facts := map[string]any{}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(a)) {
		v := a[k]
		switch k {
		case "cacheable":
			continue
		case "_raw_params":
			// key=value pairs the loader did not split.
			s, _ := v.(string)
			if strings.TrimSpace(s) != "" {
				errs = append(errs, fmt.Errorf("free-form text %q is not key=value pairs", s))
			}
			continue
		}
		if !identifierRe.MatchString(k) {
			errs = append(errs, fmt.Errorf("the variable name '%s' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores", k))
			continue
		}
		if s, ok := v.(string); ok {
			switch strings.ToLower(s) {
			case "true", "yes":
				v = true
			case "false", "no":
				v = false
			}
		}
		facts[k] = v
	}
	if len(errs) > 0 {
		return module.Result{}, fmt.Errorf("set_fact: %w", errors.Join(errs...))
	}
	if len(facts) == 0 {
		return module.Result{}, errors.New("set_fact: no key/value pairs provided, at least one is required for this action to succeed")
	}
	return module.Result{Data: map[string]any{"ansible_facts": facts, "_ansible_facts_cacheable": cacheable}}, nil
}
