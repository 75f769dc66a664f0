package template

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var looseComponent = regexp.MustCompile(`(\d+|[a-z]+|\.)`)

// looseVersion splits a version as Python's LooseVersion does: runs of
// digits (numbers) and of letters, dots dropped.
func looseVersion(v string) []any {
	var out []any
	for _, part := range looseComponent.FindAllString(strings.ToLower(v), -1) {
		if part == "." {
			continue
		}
		if n, err := strconv.Atoi(part); err == nil {
			out = append(out, n)
		} else {
			out = append(out, part)
		}
	}
	return out
}

// compareLoose orders two loose versions; a number sorts before a word.
func compareLoose(a, b []any) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		xi, xNum := x.(int)
		yi, yNum := y.(int)
		switch {
		case xNum && yNum:
			if xi != yi {
				if xi < yi {
					return -1
				}
				return 1
			}
		case xNum:
			return -1
		case yNum:
			return 1
		default:
			if c := strings.Compare(x.(string), y.(string)); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// compareSemver orders semantic versions (a pre-release sorts first).
func compareSemver(a, b string) int {
	split := func(v string) ([]any, string) {
		v = strings.TrimPrefix(v, "v")
		v, _, _ = strings.Cut(v, "+")
		core, pre, _ := strings.Cut(v, "-")
		return looseVersion(core), pre
	}
	ca, pa := split(a)
	cb, pb := split(b)
	if c := compareLoose(ca, cb); c != 0 {
		return c
	}
	switch {
	case pa == pb:
		return 0
	case pa == "":
		return 1
	case pb == "":
		return -1
	}
	return compareLoose(looseVersion(pa), looseVersion(pb))
}

// testVersion is Ansible's version(version, operator='eq', strict=False,
// version_type='loose').
func testVersion(in any, a *args) (bool, error) {
	other, err := a.str(0, "version", "")
	if err != nil {
		return false, err
	}
	op, err := a.str(1, "operator", "eq")
	if err != nil {
		return false, err
	}
	kind, err := a.str(3, "version_type", "loose")
	if err != nil {
		return false, err
	}
	if other == "" {
		return false, fmt.Errorf("version value cannot be empty")
	}
	var c int
	switch kind {
	case "loose", "strict", "pep440":
		c = compareLoose(looseVersion(pyStr(in)), looseVersion(other))
	case "semver", "semantic":
		c = compareSemver(pyStr(in), other)
	default:
		return false, fmt.Errorf("unsupported version_type %q", kind)
	}
	switch op {
	case "==", "=", "eq":
		return c == 0, nil
	case "!=", "<>", "ne":
		return c != 0, nil
	case "<", "lt":
		return c < 0, nil
	case "<=", "le":
		return c <= 0, nil
	case ">", "gt":
		return c > 0, nil
	case ">=", "ge":
		return c >= 0, nil
	}
	return false, fmt.Errorf("invalid operator %q", op)
}
