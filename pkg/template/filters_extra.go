package template

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"
	"gopkg.in/yaml.v3"
)

// extraFilters are Ansible's less common filters: paths, math,
// combinatorics, dates, uuids.
func extraFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"path_join":     plainFilter("path_join", filterPathJoin),
		"relpath":       plainFilter("relpath", filterRelpath),
		"expandvars":    plainFilter("expandvars", strFilter(pyExpandVars)),
		"subelements":   plainFilter("subelements", filterSubelements),
		"to_uuid":       plainFilter("to_uuid", filterToUUID),
		"pow":           plainFilter("pow", filterPow),
		"log":           plainFilter("log", filterLog),
		"root":          plainFilter("root", filterRoot),
		"combinations":  plainFilter("combinations", filterCombinations),
		"permutations":  plainFilter("permutations", filterPermutations),
		"strftime":      plainFilter("strftime", filterStrftime),
		"to_datetime":   plainFilter("to_datetime", filterToDatetime),
		"from_yaml_all": plainFilter("from_yaml_all", filterFromYAMLAll),
	}
}

// filterPathJoin is os.path.join over a list (or one string).
func filterPathJoin(in any, _ *args) (any, error) {
	parts, ok := asList(in)
	if !ok {
		return pyStr(in), nil
	}
	out := ""
	for _, p := range parts {
		s := pyStr(p)
		switch {
		case strings.HasPrefix(s, "/"), out == "":
			out = s
		case strings.HasSuffix(out, "/"):
			out += s
		default:
			out += "/" + s
		}
	}
	return out, nil
}

func filterRelpath(in any, a *args) (any, error) {
	start, err := a.str(0, "start", ".")
	if err != nil {
		return nil, err
	}
	return filepath.Rel(start, pyStr(in))
}

// pyExpandVars is os.path.expandvars: $NAME and ${NAME} from the
// controller's environment; unknown variables are left as they are.
func pyExpandVars(s string) string {
	return os.Expand(s, func(name string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		if strings.ContainsAny(name, "{}") {
			return "$" + name
		}
		return "${" + name + "}"
	})
}

// filterSubelements is subelements(key, skip_missing=False): one
// (item, subitem) pair per element of item[key].
func filterSubelements(in any, a *args) (any, error) {
	key, err := a.str(0, "subelements", "")
	if err != nil {
		return nil, err
	}
	skip, err := a.boolean(1, "skip_missing", false)
	if err != nil {
		return nil, err
	}
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, item := range list {
		sub, ok := attrPath(item, key)
		if !ok {
			if skip {
				continue
			}
			return nil, fmt.Errorf("could not find %q key in iterated item %s", key, pyRepr(item))
		}
		subs, ok := asList(sub)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got %s", key, pyRepr(sub))
		}
		for _, s := range subs {
			out = append(out, pyTuple{item, s})
		}
	}
	return out, nil
}

// filterToUUID is to_uuid(namespace=Ansible's): a version 5 UUID.
func filterToUUID(in any, a *args) (any, error) {
	ns, err := a.str(0, "namespace", "361E6D51-FAEC-444A-9079-341386DA8E2E")
	if err != nil {
		return nil, err
	}
	nsBytes, err := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	if err != nil || len(nsBytes) != 16 {
		return nil, fmt.Errorf("invalid namespace UUID %q", ns)
	}
	h := sha1.New()
	h.Write(nsBytes)
	h.Write([]byte(pyStr(in)))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:], nil
}

func floatArg(in any) (float64, error) {
	f, ok := number(in)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", pyRepr(in))
	}
	return f, nil
}

func filterPow(in any, a *args) (any, error) {
	x, err := floatArg(in)
	if err != nil {
		return nil, err
	}
	y, err := a.get(0, "y", nil)
	if err != nil {
		return nil, err
	}
	fy, err := floatArg(y)
	if err != nil {
		return nil, err
	}
	return math.Pow(x, fy), nil
}

func filterLog(in any, a *args) (any, error) {
	x, err := floatArg(in)
	if err != nil {
		return nil, err
	}
	base, err := a.get(0, "base", math.E)
	if err != nil {
		return nil, err
	}
	b, err := floatArg(base)
	if err != nil {
		return nil, err
	}
	if x <= 0 || b <= 0 || b == 1 {
		return nil, errors.New("math domain error")
	}
	if b == 10 {
		return math.Log10(x), nil
	}
	return math.Log(x) / math.Log(b), nil
}

func filterRoot(in any, a *args) (any, error) {
	x, err := floatArg(in)
	if err != nil {
		return nil, err
	}
	base, err := a.get(0, "base", 2)
	if err != nil {
		return nil, err
	}
	b, err := floatArg(base)
	if err != nil {
		return nil, err
	}
	if b == 2 {
		return math.Sqrt(x), nil
	}
	r := math.Pow(x, 1/b)
	// Go's Pow is not correctly rounded (27^(1/3) = 2.9999999999999996);
	// prefer an exact integer root when there is one, as C's pow finds.
	if n := math.Round(r); math.Pow(n, b) == x {
		return n, nil
	}
	return r, nil
}

// filterCombinations is itertools.combinations(list, r).
func filterCombinations(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	r, err := a.integer(0, "r", 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	if r < 0 || r > len(list) {
		return out, nil
	}
	var rec func(start int, cur pyTuple)
	rec = func(start int, cur pyTuple) {
		if len(cur) == r {
			out = append(out, append(pyTuple{}, cur...))
			return
		}
		for i := start; i < len(list); i++ {
			rec(i+1, append(cur, list[i]))
		}
	}
	rec(0, pyTuple{})
	return out, nil
}

// filterPermutations is itertools.permutations(list, r=len(list)).
func filterPermutations(in any, a *args) (any, error) {
	list, err := toList(in)
	if err != nil {
		return nil, err
	}
	r, err := a.integer(0, "r", len(list))
	if err != nil {
		return nil, err
	}
	out := []any{}
	if r < 0 || r > len(list) {
		return out, nil
	}
	used := make([]bool, len(list))
	var rec func(cur pyTuple)
	rec = func(cur pyTuple) {
		if len(cur) == r {
			out = append(out, append(pyTuple{}, cur...))
			return
		}
		for i := range list {
			if !used[i] {
				used[i] = true
				rec(append(cur, list[i]))
				used[i] = false
			}
		}
	}
	rec(pyTuple{})
	return out, nil
}

// filterStrftime is Ansible's strftime(second=None, utc=False): the input
// is the format.
func filterStrftime(in any, a *args) (any, error) {
	sec, err := a.get(0, "second", nil)
	if err != nil {
		return nil, err
	}
	utc, err := a.boolean(1, "utc", false)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if sec != nil {
		f, ok := toFloat(sec)
		if !ok {
			return nil, fmt.Errorf("invalid value for epoch: %s", pyRepr(sec))
		}
		whole, frac := math.Modf(f)
		t = time.Unix(int64(whole), int64(frac*1e9))
	}
	if utc {
		t = t.UTC()
	}
	return strftime(t, pyStr(in)), nil
}

// filterToDatetime is to_datetime(format='%Y-%m-%d %H:%M:%S').
func filterToDatetime(in any, a *args) (any, error) {
	format, err := a.str(0, "format", "%Y-%m-%d %H:%M:%S")
	if err != nil {
		return nil, err
	}
	layout := strings.NewReplacer("%Y", "2006", "%m", "01", "%d", "02", "%H", "15", "%M", "04",
		"%S", "05", "%f", "000000", "%y", "06", "%b", "Jan", "%B", "January", "%z", "-0700", "%Z", "MST").Replace(format)
	t, err := time.ParseInLocation(layout, pyStr(in), time.Local)
	if err != nil {
		return nil, fmt.Errorf("to_datetime: %w", err)
	}
	return datetime{t}, nil
}

// filterFromYAMLAll parses a multi-document YAML stream into a list.
func filterFromYAMLAll(in any, _ *args) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader([]byte(pyStr(in))))
	out := []any{}
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %w", err)
		}
		p, err := plainValue(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
}
