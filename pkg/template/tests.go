package template

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// testFunc is a Jinja test on plain data.
type testFunc func(in any, a *args) (bool, error)

// plainTest adapts a testFunc: an error value as input fails the test
// (an undefined variable is an error, except for defined/undefined).
func plainTest(name string, fn testFunc) exec.TestFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) (ok bool, err error) {
		defer recoverInto(&err)
		if in.IsError() {
			return false, errorOf(in)
		}
		x, err := plainValue(in)
		if err != nil {
			return false, err
		}
		ok, err = fn(x, &args{pos: params.Args, kw: params.KwArgs, ev: e})
		if err != nil {
			return false, fmt.Errorf("test %s: %w", name, err)
		}
		return ok, nil
	}
}

// ansibleTests returns the Jinja tests hactl adds or replaces.
func ansibleTests(rc *regexCache) map[string]exec.TestFunction {
	isStr := func(v any) bool { _, ok := asString(v); return ok }
	m := map[string]exec.TestFunction{
		"defined":   testDefined(true),
		"undefined": testDefined(false),
		"none":      plainTest("none", func(in any, _ *args) (bool, error) { return in == nil, nil }),
		"string":    plainTest("string", func(in any, _ *args) (bool, error) { return isStr(in), nil }),
		"number": plainTest("number", func(in any, _ *args) (bool, error) {
			switch in.(type) {
			case int, float64:
				return true, nil
			}
			return false, nil
		}),
		"integer": plainTest("integer", func(in any, _ *args) (bool, error) { _, ok := in.(int); return ok, nil }),
		"float":   plainTest("float", func(in any, _ *args) (bool, error) { _, ok := in.(float64); return ok, nil }),
		"boolean": plainTest("boolean", func(in any, _ *args) (bool, error) { _, ok := in.(bool); return ok, nil }),
		"true":    plainTest("true", func(in any, _ *args) (bool, error) { return in == true, nil }),
		"false":   plainTest("false", func(in any, _ *args) (bool, error) { return in == false, nil }),
		"mapping": plainTest("mapping", func(in any, _ *args) (bool, error) { _, ok := in.(map[string]any); return ok, nil }),
		"sequence": plainTest("sequence", func(in any, _ *args) (bool, error) {
			return isStr(in) || isCollection(in), nil
		}),
		"iterable": plainTest("iterable", func(in any, _ *args) (bool, error) {
			return isStr(in) || isCollection(in), nil
		}),
		"all": plainTest("all", func(in any, _ *args) (bool, error) {
			l, err := toList(in)
			for _, x := range l {
				if !pyTruth(x) {
					return false, err
				}
			}
			return true, err
		}),
		"any": plainTest("any", func(in any, _ *args) (bool, error) {
			l, err := toList(in)
			for _, x := range l {
				if pyTruth(x) {
					return true, err
				}
			}
			return false, err
		}),
		"truthy": plainTest("truthy", truthTest(true)),
		"falsy":  plainTest("falsy", truthTest(false)),
		"in":     testIn,
		"contains": plainTest("contains", func(in any, a *args) (bool, error) {
			x, err := a.get(0, "value", nil)
			if err != nil {
				return false, err
			}
			return containsValue(in, x)
		}),
		"subset":          plainTest("subset", subsetTest(false)),
		"issubset":        plainTest("issubset", subsetTest(false)),
		"superset":        plainTest("superset", subsetTest(true)),
		"issuperset":      plainTest("issuperset", subsetTest(true)),
		"match":           plainTest("match", regexTest(rc, "match")),
		"search":          plainTest("search", regexTest(rc, "search")),
		"regex":           plainTest("regex", regexTest(rc, "")),
		"version":         plainTest("version", testVersion),
		"version_compare": plainTest("version_compare", testVersion),
		"file":            plainTest("file", statTest(func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }, os.Stat)),
		"directory":       plainTest("directory", statTest(func(fi os.FileInfo) bool { return fi.IsDir() }, os.Stat)),
		"exists":          plainTest("exists", statTest(func(os.FileInfo) bool { return true }, os.Stat)),
		"link":            plainTest("link", statTest(func(fi os.FileInfo) bool { return fi.Mode()&os.ModeSymlink != 0 }, os.Lstat)),
		"abs":             plainTest("abs", func(in any, _ *args) (bool, error) { return strings.HasPrefix(pyStr(in), "/"), nil }),
		"failed":          plainTest("failed", resultTest("failed")),
		"failure":         plainTest("failure", resultTest("failed")),
		"succeeded":       plainTest("succeeded", negate(resultTest("failed"))),
		"success":         plainTest("success", negate(resultTest("failed"))),
		"successful":      plainTest("successful", negate(resultTest("failed"))),
		"changed":         plainTest("changed", resultTest("changed")),
		"change":          plainTest("change", resultTest("changed")),
		"skipped":         plainTest("skipped", resultTest("skipped")),
		"skip":            plainTest("skip", resultTest("skipped")),
		"unreachable":     plainTest("unreachable", resultTest("unreachable")),
		"reachable":       plainTest("reachable", negate(resultTest("unreachable"))),
		"finished":        plainTest("finished", resultFinished),
		"even": plainTest("even", func(in any, _ *args) (bool, error) {
			n, ok := in.(int)
			return ok && n%2 == 0, nil
		}),
		"odd": plainTest("odd", func(in any, _ *args) (bool, error) {
			n, ok := in.(int)
			return ok && n%2 != 0, nil
		}),
		"divisibleby": plainTest("divisibleby", func(in any, a *args) (bool, error) {
			d, err := a.integer(0, "num", 1)
			if err != nil || d == 0 {
				return false, err
			}
			n, ok := toInt(in)
			return ok && n%d == 0, nil
		}),
		"equalto": plainTest("equalto", eqTest),
		"eq":      plainTest("eq", eqTest),
		"==":      plainTest("==", eqTest),
		"sameas": plainTest("sameas", func(in any, a *args) (bool, error) {
			other, err := a.get(0, "other", nil)
			if err != nil {
				return false, err
			}
			switch in.(type) {
			case nil, bool:
				return in == other, nil
			}
			if isCollection(in) {
				return reflect.ValueOf(in).UnsafePointer() == reflect.ValueOf(other).UnsafePointer(), nil
			}
			return equal(in, other) && reflect.TypeOf(in) == reflect.TypeOf(other), nil
		}),
	}
	return m
}

// testDefined treats an undefined-error as undefined; any other error is
// reported.
func testDefined(want bool) exec.TestFunction {
	return func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) (bool, error) {
		if in.IsError() {
			err := errorOf(in)
			if isUndefinedErr(err) {
				return !want, nil
			}
			return false, err
		}
		return want, nil
	}
}

func truthTest(want bool) testFunc {
	return func(in any, a *args) (bool, error) {
		cb, err := a.boolean(0, "convert_bool", false)
		if err != nil {
			return false, err
		}
		v := in
		if cb {
			if b, _ := filterBool(in, a); b != nil {
				v = b
			}
		}
		return pyTruth(v) == want, nil
	}
}

// testIn is "x in seq" (gonja parses the in operator as this test). A key
// is looked up in a variable dict without resolving its values, so
// "h in hostvars" stays cheap.
func testIn(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) (ok bool, err error) {
	defer recoverInto(&err)
	if in.IsError() {
		return false, errorOf(in)
	}
	if len(params.Args) != 1 {
		return false, errors.New("in needs one container")
	}
	seq := params.Args[0]
	if lm, isLazy := seq.Interface().(lazyMap); isLazy {
		k, ok := asString(in.Interface())
		if !ok {
			return false, nil
		}
		_, found := lm[k]
		return found, nil
	}
	x, err := plainValue(in)
	if err != nil {
		return false, err
	}
	s, err := plainValue(seq)
	if err != nil {
		return false, err
	}
	return containsValue(s, x)
}

// containsValue is Python's "x in seq".
func containsValue(seq, x any) (bool, error) {
	if l, ok := asList(seq); ok {
		return contains(l, x), nil
	}
	switch s := seq.(type) {
	case map[string]any:
		k, ok := asString(x)
		if !ok {
			return false, nil
		}
		_, found := s[k]
		return found, nil
	}
	if str, ok := asString(seq); ok {
		sub, ok := asString(x)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(x))
		}
		return strings.Contains(str, sub), nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(seq))
}

func subsetTest(super bool) testFunc {
	return func(in any, a *args) (bool, error) {
		other, err := a.get(0, "b", nil)
		if err != nil {
			return false, err
		}
		l, err := toList(in)
		if err != nil {
			return false, err
		}
		r, err := toList(other)
		if err != nil {
			return false, err
		}
		if super {
			l, r = r, l
		}
		for _, x := range l {
			if !contains(r, x) {
				return false, nil
			}
		}
		return true, nil
	}
}

// regexTest is match (anchored at the start), search, or regex
// (match_type='search').
func regexTest(rc *regexCache, kind string) testFunc {
	return func(in any, a *args) (bool, error) {
		pattern, err := a.str(0, "pattern", "")
		if err != nil {
			return false, err
		}
		ic, ml, err := regexFlags(a, 1)
		if err != nil {
			return false, err
		}
		mode := kind
		if mode == "" {
			if mode, err = a.str(3, "match_type", "search"); err != nil {
				return false, err
			}
		}
		var re *regexp.Regexp
		switch mode {
		case "match":
			re, err = rc.compile(`\A(?:`+pattern+`)`, ic, ml)
		case "fullmatch":
			re, err = rc.compile(`\A(?:`+pattern+`)\z`, ic, ml)
		case "search":
			re, err = rc.compile(pattern, ic, ml)
		default:
			return false, fmt.Errorf("unknown match_type %q", mode)
		}
		if err != nil {
			return false, err
		}
		return re.MatchString(pyStr(in)), nil
	}
}

func statTest(ok func(os.FileInfo) bool, stat func(string) (os.FileInfo, error)) testFunc {
	return func(in any, _ *args) (bool, error) {
		fi, err := stat(expandUser(pyStr(in)))
		return err == nil && ok(fi), nil
	}
}

// resultTest checks a registered task result; "changed" also looks into
// the results of a loop.
func resultTest(key string) testFunc {
	return func(in any, _ *args) (bool, error) {
		m, ok := in.(map[string]any)
		if !ok {
			return false, fmt.Errorf("expects a dictionary (a registered result), got %s", typeName(in))
		}
		if v, ok := m[key]; ok {
			return pyTruth(v), nil
		}
		if key == "changed" {
			if results, ok := m["results"].([]any); ok {
				for _, r := range results {
					if rm, ok := r.(map[string]any); ok && pyTruth(rm["changed"]) {
						return true, nil
					}
				}
			}
		}
		return false, nil
	}
}

func resultFinished(in any, _ *args) (bool, error) {
	m, ok := in.(map[string]any)
	if !ok {
		return false, errors.New("expects a dictionary (a registered result)")
	}
	v, ok := m["finished"]
	return !ok || pyTruth(v), nil
}

func negate(fn testFunc) testFunc {
	return func(in any, a *args) (bool, error) {
		ok, err := fn(in, a)
		return !ok && err == nil, err
	}
}

func eqTest(in any, a *args) (bool, error) {
	other, err := a.get(0, "other", nil)
	if err != nil {
		return false, err
	}
	return equal(in, other), nil
}
