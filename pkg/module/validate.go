package module

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Args are validated module arguments keyed by canonical parameter name.
// Every parameter with a default is present; absent ones without a default
// are missing (Has reports false).
type Args map[string]any

// Has reports whether the argument was given or has a default.
func (a Args) Has(name string) bool { _, ok := a[name]; return ok && a[name] != nil }

// String returns a string argument ("" when absent).
func (a Args) String(name string) string {
	v, ok := a[name]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Bool returns a bool argument (false when absent).
func (a Args) Bool(name string) bool {
	b, _ := a[name].(bool)
	return b
}

// Int returns an int argument (0 when absent).
func (a Args) Int(name string) int {
	switch v := a[name].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// Float returns a float argument (0 when absent).
func (a Args) Float(name string) float64 {
	switch v := a[name].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return 0
}

// List returns a list argument (nil when absent).
func (a Args) List(name string) []any {
	l, _ := a[name].([]any)
	return l
}

// Strings returns a list argument as strings (nil when absent).
func (a Args) Strings(name string) []string {
	l := a.List(name)
	if l == nil {
		return nil
	}
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// Dict returns a dict argument (nil when absent).
func (a Args) Dict(name string) map[string]any {
	d, _ := a[name].(map[string]any)
	return d
}

// IsTemplate reports whether v is a string still holding Jinja markup; such
// values cannot be type-checked before they are rendered.
func IsTemplate(v any) bool {
	s, ok := v.(string)
	return ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%"))
}

// Validate checks raw arguments against the spec, converts them to their
// declared types, fills defaults and returns canonical Args. With static
// set, values that are still templates are accepted unchecked (load-time
// validation); at run time everything is checked. All problems are
// reported together, one per line.
func (s Spec) Validate(raw map[string]any, static bool) (Args, error) {
	var errs []error
	out := Args{}
	given := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		if k == "_raw_params" && s.FreeForm {
			if !static || !IsTemplate(v) {
				if _, ok := v.(string); !ok {
					v = fmt.Sprint(v)
				}
			}
			out[k] = v
			given[k] = true
			continue
		}
		p, ok := s.Param(k)
		if !ok {
			if s.AnyArgs {
				out[k] = v
				given[k] = true
				continue
			}
			errs = append(errs, unknownArg(s, k))
			continue
		}
		if given[p.Name] {
			errs = append(errs, fmt.Errorf("argument %q given twice (through an alias)", p.Name))
			continue
		}
		given[p.Name] = true
		if v == nil {
			out[p.Name] = nil
			continue
		}
		if static && containsTemplate(v) {
			out[p.Name] = v
			continue
		}
		cv, err := convert(p.Type, p.Elements, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("argument %q: %w", p.Name, err))
			continue
		}
		if len(p.Choices) > 0 && !inChoices(p, cv) {
			errs = append(errs, fmt.Errorf("argument %q: value %s is not one of %s", p.Name, quoteVal(cv), choicesText(p.Choices)))
			continue
		}
		out[p.Name] = cv
	}
	if !s.FreeForm {
		if _, ok := raw["_raw_params"]; ok {
			errs = append(errs, fmt.Errorf("module %s does not take free-form arguments; use key=value or a mapping", s.Name))
		}
	}
	for _, p := range s.Params {
		if given[p.Name] && out[p.Name] != nil {
			continue
		}
		if p.Required {
			errs = append(errs, fmt.Errorf("missing required argument %q", p.Name))
			continue
		}
		if p.Default != nil {
			cv, err := convert(p.Type, p.Elements, p.Default)
			if err != nil {
				cv = p.Default
			}
			out[p.Name] = cv
		}
	}
	present := func(n string) bool { return given[n] && raw != nil && out[n] != nil }
	// Before templating, an argument whose template mentions omit
	// ("{{ x | default(omit) }}") may turn out absent: it cannot break
	// mutual exclusion, nor a group that must be given together.
	mayBeOmitted := func(n string) bool { return static && present(n) && mentionsOmit(out[n]) }
	for _, g := range s.MutuallyExclusive {
		var hit []string
		for _, n := range g {
			if present(n) && !mayBeOmitted(n) {
				hit = append(hit, n)
			}
		}
		if len(hit) > 1 {
			errs = append(errs, fmt.Errorf("arguments are mutually exclusive: %s", strings.Join(hit, ", ")))
		}
	}
	for _, g := range s.RequiredOneOf {
		if !slices.ContainsFunc(g, present) && !(s.FreeForm && given["_raw_params"]) {
			errs = append(errs, fmt.Errorf("one of these arguments is required: %s", strings.Join(g, ", ")))
		}
	}
	for _, g := range s.RequiredTogether {
		n := 0
		for _, name := range g {
			if present(name) {
				n++
			}
		}
		if n > 0 && n < len(g) && !slices.ContainsFunc(g, mayBeOmitted) {
			errs = append(errs, fmt.Errorf("arguments must be given together: %s", strings.Join(g, ", ")))
		}
	}
	for _, r := range s.RequiredIf {
		v, ok := out[r.Param]
		if !ok || (static && containsTemplate(v)) || fmt.Sprint(v) != fmt.Sprint(r.Value) {
			continue
		}
		var missing []string
		for _, n := range r.Requires {
			if !present(n) {
				missing = append(missing, n)
			}
		}
		if (r.Any && len(missing) == len(r.Requires)) || (!r.Any && len(missing) > 0) {
			errs = append(errs, fmt.Errorf("%s is %v but missing: %s", r.Param, r.Value, strings.Join(missing, ", ")))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("module %s: %w", s.Name, errors.Join(errs...))
	}
	return out, nil
}

// mentionsOmit reports whether a template in v names omit.
func mentionsOmit(v any) bool {
	s, ok := v.(string)
	return ok && IsTemplate(s) && strings.Contains(s, "omit")
}

func containsTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return IsTemplate(x)
	case []any:
		return slices.ContainsFunc(x, containsTemplate)
	case map[string]any:
		for _, e := range x {
			if containsTemplate(e) {
				return true
			}
		}
	}
	return false
}

func unknownArg(s Spec, k string) error {
	var names []string
	for _, p := range s.Params {
		names = append(names, p.Name)
		names = append(names, p.Aliases...)
	}
	if best := Closest(k, names); best != "" {
		return fmt.Errorf("unsupported argument %q (did you mean %q?)", k, best)
	}
	return fmt.Errorf("unsupported argument %q; supported: %s", k, strings.Join(names, ", "))
}

func inChoices(p Param, v any) bool {
	for _, c := range p.Choices {
		if fmt.Sprint(c) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func choicesText(c []any) string {
	s := make([]string, len(c))
	for i, v := range c {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

func quoteVal(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// ParseBool converts Ansible's boolean spellings (yes/no, on/off, true/false,
// 1/0, y/n, case-insensitive).
func ParseBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "on", "true", "1", "y", "t":
			return true, nil
		case "no", "off", "false", "0", "n", "f", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s is not a valid boolean", quoteVal(v))
}

func convert(t, elem Type, v any) (any, error) {
	if rv := reflect.ValueOf(v); v != nil && rv.Kind() == reflect.String {
		v = rv.String() // a named string type, such as an !unsafe string
	}
	switch t {
	case "", Raw:
		return v, nil
	case Str, Path:
		switch x := v.(type) {
		case string:
			return x, nil
		case bool, int, int64, float64:
			return fmt.Sprint(x), nil
		}
		return nil, fmt.Errorf("expected a string, got %T", v)
	case Bool:
		return ParseBool(v)
	case Int:
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case float64:
			if x == float64(int(x)) {
				return int(x), nil
			}
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, nil
			}
		}
		return nil, fmt.Errorf("%s is not an integer", quoteVal(v))
	case Float:
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%s is not a number", quoteVal(v))
	case List:
		var l []any
		switch x := v.(type) {
		case []any:
			l = x
		case []string:
			for _, s := range x {
				l = append(l, s)
			}
		case string:
			// Ansible splits comma-separated strings for list arguments.
			if strings.TrimSpace(x) != "" {
				for _, p := range strings.Split(x, ",") {
					l = append(l, strings.TrimSpace(p))
				}
			}
		default:
			l = []any{x}
		}
		if elem != "" {
			out := make([]any, len(l))
			for i, e := range l {
				ce, err := convert(elem, "", e)
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				out[i] = ce
			}
			l = out
		}
		if l == nil {
			l = []any{}
		}
		return l, nil
	case Dict:
		switch x := v.(type) {
		case map[string]any:
			return x, nil
		case string:
			// k=v pairs separated by spaces or commas, as Ansible accepts.
			d := map[string]any{}
			for _, f := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' }) {
				k, val, ok := strings.Cut(f, "=")
				if !ok {
					return nil, fmt.Errorf("%s is not a dictionary", quoteVal(v))
				}
				d[k] = val
			}
			return d, nil
		}
		return nil, fmt.Errorf("expected a dictionary, got %T", v)
	}
	return nil, fmt.Errorf("unknown argument type %q in module spec", t)
}

// Closest returns the candidate nearest to name by edit distance, or "" when
// none is close enough to be a likely typo.
func Closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(2, len(name)/3) {
		return best
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours ("cpoy" is one
// step from "copy") each cost 1.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
