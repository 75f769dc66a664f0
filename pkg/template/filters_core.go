package template

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// coreFilters are Jinja's and Ansible's basic filters with Python's
// semantics.
func coreFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"default":    filterDefault,
		"d":          filterDefault,
		"mandatory":  filterMandatory,
		"bool":       plainFilter("bool", filterBool),
		"ternary":    plainFilter("ternary", filterTernary),
		"int":        plainFilter("int", filterInt),
		"float":      plainFilter("float", filterFloat),
		"string":     plainFilter("string", func(in any, _ *args) (any, error) { return pyStr(in), nil }),
		"list":       plainFilter("list", func(in any, _ *args) (any, error) { return toList(in) }),
		"length":     plainFilter("length", filterLength),
		"count":      plainFilter("count", filterLength),
		"join":       plainFilter("join", filterJoin),
		"first":      plainFilter("first", filterFirst),
		"last":       plainFilter("last", filterLast),
		"upper":      plainFilter("upper", strFilter(strings.ToUpper)),
		"lower":      plainFilter("lower", strFilter(strings.ToLower)),
		"capitalize": plainFilter("capitalize", strFilter(capitalize)),
		"trim":       plainFilter("trim", filterTrim),
		"replace":    plainFilter("replace", filterReplace),
		"indent":     plainFilter("indent", filterIndent),
		"comment":    plainFilter("comment", filterComment),
		"type_debug": plainFilter("type_debug", func(in any, _ *args) (any, error) { return typeName(in), nil }),
		"split":      plainFilter("split", filterSplit),
		"abs":        plainFilter("abs", filterAbs),
		"round":      plainFilter("round", filterRound),
	}
}

// filterDefault is default(value=”, boolean=false): the value when the
// input is undefined (or falsy, with boolean true). Other errors are kept.
func filterDefault(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	def := exec.AsValue("")
	if len(params.Args) > 0 {
		def = params.Args[0]
	} else if v, ok := params.KwArgs["default_value"]; ok {
		def = v
	}
	boolean := false
	if len(params.Args) > 1 {
		boolean = params.Args[1].IsTrue()
	} else if v, ok := params.KwArgs["boolean"]; ok {
		boolean = v.IsTrue()
	}
	if in.IsError() {
		if isUndefinedErr(errorOf(in)) {
			return def
		}
		return in
	}
	if boolean {
		p, err := plainValue(in)
		if err != nil {
			if isUndefinedErr(err) {
				return def
			}
			return exec.AsValue(err)
		}
		if !pyTruth(p) {
			return def
		}
	}
	return in
}

// filterMandatory fails when the input is undefined.
func filterMandatory(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		err := errorOf(in)
		if isUndefinedErr(err) {
			if len(params.Args) > 0 && !params.Args[0].IsNil() {
				return exec.AsValue(errors.New(params.Args[0].String()))
			}
			root, _ := rootCause(err)
			return exec.AsValue(fmt.Errorf("mandatory variable not defined: %s", humanize(root)))
		}
	}
	return in
}

// filterBool is Ansible's bool: yes/on/1/true (any case) are true.
func filterBool(in any, _ *args) (any, error) {
	switch x := in.(type) {
	case nil, bool:
		return x, nil
	case int:
		return x == 1, nil
	case float64:
		return x == 1, nil
	}
	if s, ok := asString(in); ok {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "on", "1", "true":
			return true, nil
		}
	}
	return false, nil
}

// filterTernary is ternary(true_val, false_val, none_val=None).
func filterTernary(in any, a *args) (any, error) {
	tv, err := a.get(0, "true_val", nil)
	if err != nil {
		return nil, err
	}
	fv, err := a.get(1, "false_val", nil)
	if err != nil {
		return nil, err
	}
	nv, err := a.get(2, "none_val", nil)
	if err != nil {
		return nil, err
	}
	switch {
	case in == nil && nv != nil:
		return nv, nil
	case pyTruth(in):
		return tv, nil
	}
	return fv, nil
}

// filterInt is Jinja's int(default=0, base=10).
func filterInt(in any, a *args) (any, error) {
	def, err := a.get(0, "default", 0)
	if err != nil {
		return nil, err
	}
	base, err := a.integer(1, "base", 10)
	if err != nil {
		return nil, err
	}
	if s, ok := asString(in); ok {
		s = strings.ReplaceAll(strings.TrimSpace(s), "_", "")
		if base != 10 {
			t := strings.ToLower(s)
			for _, p := range []string{"0x", "0o", "0b"} {
				t = strings.TrimPrefix(t, p)
			}
			if n, err := strconv.ParseInt(t, base, 64); err == nil {
				return int(n), nil
			}
			return def, nil
		}
		if n, err := strconv.Atoi(s); err == nil {
			return n, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
		return def, nil
	}
	switch x := in.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(x), nil
	}
	return def, nil
}

// filterFloat is Jinja's float(default=0.0).
func filterFloat(in any, a *args) (any, error) {
	def, err := a.get(0, "default", 0.0)
	if err != nil {
		return nil, err
	}
	if s, ok := asString(in); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, nil
		}
		return def, nil
	}
	if f, ok := number(in); ok {
		return f, nil
	}
	return def, nil
}

func filterLength(in any, _ *args) (any, error) {
	switch x := in.(type) {
	case []any:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	}
	if s, ok := asString(in); ok {
		return len([]rune(s)), nil
	}
	return nil, fmt.Errorf("object of type '%s' has no len()", typeName(in))
}

// filterJoin is join(d=”, attribute=None); items are str()'d.
func filterJoin(in any, a *args) (any, error) {
	sep, err := a.str(0, "d", "")
	if err != nil {
		return nil, err
	}
	attr, err := a.str(1, "attribute", "")
	if err != nil {
		return nil, err
	}
	items, err := toList(in)
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(items))
	for i, item := range items {
		if attr != "" {
			v, ok := attrPath(item, attr)
			if !ok {
				return nil, &undefinedError{what: attr}
			}
			item = v
		}
		parts[i] = pyStr(item)
	}
	return strings.Join(parts, sep), nil
}

func filterFirst(in any, _ *args) (any, error) {
	items, err := toList(in)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &undefinedError{what: "first item of an empty sequence"}
	}
	return items[0], nil
}

func filterLast(in any, _ *args) (any, error) {
	items, err := toList(in)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &undefinedError{what: "last item of an empty sequence"}
	}
	return items[len(items)-1], nil
}

// strFilter adapts a string function: the input is str()'d.
func strFilter(fn func(string) string) filterFunc {
	return func(in any, _ *args) (any, error) { return fn(pyStr(in)), nil }
}

// capitalize is Python's str.capitalize.
func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + strings.ToLower(s[i+len(string(r)):])
	}
	return s
}

// filterTrim is trim(chars=None).
func filterTrim(in any, a *args) (any, error) {
	chars, err := a.get(0, "chars", nil)
	if err != nil {
		return nil, err
	}
	if chars == nil {
		return strings.TrimFunc(pyStr(in), unicode.IsSpace), nil
	}
	return strings.Trim(pyStr(in), pyStr(chars)), nil
}

// filterReplace is replace(old, new, count=None).
func filterReplace(in any, a *args) (any, error) {
	old, err := a.str(0, "old", "")
	if err != nil {
		return nil, err
	}
	repl, err := a.str(1, "new", "")
	if err != nil {
		return nil, err
	}
	count, err := a.integer(2, "count", -1)
	if err != nil {
		return nil, err
	}
	return strings.Replace(pyStr(in), old, repl, count), nil
}

// filterIndent is Jinja 3's indent(width=4, first=False, blank=False).
func filterIndent(in any, a *args) (any, error) {
	w, err := a.get(0, "width", 4)
	if err != nil {
		return nil, err
	}
	pad := ""
	if n, ok := w.(int); ok {
		pad = strings.Repeat(" ", n)
	} else {
		pad = pyStr(w)
	}
	first, err := a.boolean(1, "first", false)
	if err != nil {
		return nil, err
	}
	blank, err := a.boolean(2, "blank", false)
	if err != nil {
		return nil, err
	}
	s := pyStr(in)
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if i == 0 && !first {
			continue
		}
		if line == "" && !blank {
			continue
		}
		lines[i] = pad + line
	}
	return strings.Join(lines, "\n"), nil
}

// filterComment is Ansible's comment(style='plain', decoration=…): the
// text as a comment block framed by empty comment lines.
func filterComment(in any, a *args) (any, error) {
	style, err := a.str(0, "style", "plain")
	if err != nil {
		return nil, err
	}
	type commentStyle struct{ beginning, decoration, end string }
	styles := map[string]commentStyle{
		"plain":  {"", "# ", ""},
		"erlang": {"", "% ", ""},
		"c":      {"", "// ", ""},
		"cblock": {"/*", " * ", " */"},
		"xml":    {"<!--", " - ", "-->"},
	}
	st, ok := styles[style]
	if !ok {
		return nil, fmt.Errorf("unknown comment style %q", style)
	}
	if d, ok := a.value(-1, "decoration"); ok {
		st.decoration = d.String()
	}
	prefix := strings.TrimRight(st.decoration, " \t")
	var b strings.Builder
	if st.beginning != "" {
		b.WriteString(st.beginning + "\n")
	}
	b.WriteString(prefix + "\n")
	for _, line := range strings.Split(pyStr(in), "\n") {
		if line == "" {
			b.WriteString(prefix + "\n")
		} else {
			b.WriteString(st.decoration + line + "\n")
		}
	}
	b.WriteString(prefix)
	if st.end != "" {
		b.WriteString("\n" + st.end)
	}
	return b.String(), nil
}

// filterSplit is Ansible's split(sep=None, maxsplit=-1) (Python str.split).
func filterSplit(in any, a *args) (any, error) {
	sep, err := a.get(0, "sep", nil)
	if err != nil {
		return nil, err
	}
	maxsplit, err := a.integer(1, "maxsplit", -1)
	if err != nil {
		return nil, err
	}
	s := pyStr(in)
	var parts []string
	if sep == nil {
		fields := strings.Fields(s)
		if maxsplit >= 0 && len(fields) > maxsplit+1 {
			// Re-split keeping the remainder intact after maxsplit fields.
			rest := s
			parts = nil
			for i := 0; i < maxsplit; i++ {
				rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
				j := strings.IndexFunc(rest, unicode.IsSpace)
				parts = append(parts, rest[:j])
				rest = rest[j:]
			}
			parts = append(parts, strings.TrimLeftFunc(rest, unicode.IsSpace))
		} else {
			parts = fields
		}
	} else {
		sp := pyStr(sep)
		if sp == "" {
			return nil, errors.New("empty separator")
		}
		parts = strings.SplitN(s, sp, maxsplit+1)
		if maxsplit < 0 {
			parts = strings.Split(s, sp)
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func filterAbs(in any, _ *args) (any, error) {
	switch x := in.(type) {
	case int:
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case float64:
		return math.Abs(x), nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(in))
}

// filterRound is Jinja's round(precision=0, method='common'); it always
// returns a float, like Jinja.
func filterRound(in any, a *args) (any, error) {
	f, ok := number(in)
	if !ok {
		return nil, fmt.Errorf("round of a %s", typeName(in))
	}
	prec, err := a.integer(0, "precision", 0)
	if err != nil {
		return nil, err
	}
	method, err := a.str(1, "method", "common")
	if err != nil {
		return nil, err
	}
	p := math.Pow(10, float64(prec))
	switch method {
	case "common": // Python's round: half to even
		return math.RoundToEven(f*p) / p, nil
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	}
	return nil, fmt.Errorf("method must be common, ceil or floor")
}
