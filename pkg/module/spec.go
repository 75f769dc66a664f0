package module

// Type is the type of one module argument.
type Type string

// Argument types, named as in Ansible's argument specs.
const (
	Str   Type = "str"
	Bool  Type = "bool"
	Int   Type = "int"
	Float Type = "float"
	List  Type = "list"
	Dict  Type = "dict"
	Path  Type = "path" // a string; "~" is left for the remote shell
	Raw   Type = "raw"  // any value, unchanged
)

// Spec describes a module: its names and its arguments.
type Spec struct {
	// Name is the short name used in tasks (copy, haproxy_config).
	Name string
	// Aliases are other names resolving to this module, typically fully
	// qualified collection names (ansible.builtin.copy).
	Aliases []string
	// Short is a one-line description for `hactl doc --list`.
	Short string
	// Doc is the longer description for `hactl doc NAME`.
	Doc string
	// Params are the accepted arguments.
	Params []Param
	// FreeForm means the module takes free-form text (command, shell); it
	// arrives as the string argument "_raw_params".
	FreeForm bool
	// AnyArgs accepts argument names the spec does not list, unchecked
	// (set_fact: every key is a variable to set).
	AnyArgs bool
	// CheckMode is false for modules that cannot predict their effect;
	// the runner skips them in check mode.
	CheckMode bool
	// MutuallyExclusive lists groups of arguments of which at most one
	// may be given.
	MutuallyExclusive [][]string
	// RequiredOneOf lists groups of which at least one must be given.
	RequiredOneOf [][]string
	// RequiredTogether lists groups that must be given all or none.
	RequiredTogether [][]string
	// RequiredIf lists conditional requirements.
	RequiredIf []RequiredIf
	// Examples is YAML shown by `hactl doc NAME`.
	Examples string
	// Returns documents what `register` captures.
	Returns []ReturnValue
}

// Param describes one argument.
type Param struct {
	Name     string
	Type     Type
	Required bool
	// Default is used when the argument is absent (nil: no default).
	Default any
	// Choices, when set, lists the accepted values.
	Choices []any
	// Aliases are other names accepted for this argument.
	Aliases []string
	// Elements is the type of list elements (Type == List).
	Elements Type
	// Secret values are never shown in output, diffs or logs.
	Secret bool
	// Doc describes the argument.
	Doc string
}

// RequiredIf says: when Param equals Value, every name in Requires must be
// given (or, with Any, at least one of them).
type RequiredIf struct {
	Param    string
	Value    any
	Requires []string
	Any      bool
}

// ReturnValue documents one key of Result.Data.
type ReturnValue struct {
	Name string
	Type Type
	Doc  string
}

// Param returns the spec of the named argument (or alias) and whether it
// exists.
func (s Spec) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
		for _, a := range p.Aliases {
			if a == name {
				return p, true
			}
		}
	}
	return Param{}, false
}

// SecretParams returns the canonical names of secret arguments.
func (s Spec) SecretParams() []string {
	var out []string
	for _, p := range s.Params {
		if p.Secret {
			out = append(out, p.Name)
		}
	}
	return out
}
