package template

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// globalFunctions returns the functions every template can call, besides
// gonja's (lookup and query are bound per call: see boundFunctions).
func globalFunctions() map[string]any {
	return map[string]any{
		"range": rangeFunc,
		"none":  nil, // Jinja's lowercase None
		"now":   nowFunc,
		"dict":  dictFunc,
	}
}

// dictFunc is Python's dict(): from a mapping or a list of key/value
// pairs ("dict(keys | zip(values))"), updated by keyword arguments.
func dictFunc(va *exec.VarArgs) (any, error) {
	if len(va.Args) > 1 {
		return nil, fmt.Errorf("dict expected at most 1 argument, got %d", len(va.Args))
	}
	out := map[string]any{}
	if len(va.Args) == 1 {
		in, err := plainValue(va.Args[0])
		if err != nil {
			return nil, err
		}
		switch x := in.(type) {
		case map[string]any:
			for k, v := range x {
				out[k] = v
			}
		default:
			pairs, err := toList(in)
			if err != nil {
				return nil, fmt.Errorf("dict(): %w", err)
			}
			for i, p := range pairs {
				kv, err := toList(p)
				if err != nil || len(kv) != 2 {
					return nil, fmt.Errorf("dict(): element %d of the sequence is not a key/value pair", i)
				}
				out[pyStr(kv[0])] = kv[1]
			}
		}
	}
	for k, v := range va.KwArgs {
		pv, err := plainValue(v)
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	return out, nil
}

// rangeFunc is Python's range(start, stop, step) as a list.
func rangeFunc(va *exec.VarArgs) (any, error) {
	nums := make([]int, len(va.Args))
	for i, a := range va.Args {
		if !a.IsInteger() {
			return nil, fmt.Errorf("range() arguments must be integers")
		}
		nums[i] = a.Integer()
	}
	start, stop, step := 0, 0, 1
	switch len(nums) {
	case 1:
		stop = nums[0]
	case 2:
		start, stop = nums[0], nums[1]
	case 3:
		start, stop, step = nums[0], nums[1], nums[2]
	default:
		return nil, errors.New("range expected 1 to 3 arguments")
	}
	if step == 0 {
		return nil, errors.New("range() arg 3 must not be zero")
	}
	out := pyList{}
	for i := start; step > 0 && i < stop || step < 0 && i > stop; i += step {
		out = append(out, i)
		if len(out) > 1_000_000 {
			return nil, errors.New("range too large")
		}
	}
	return out, nil
}

// nowFunc is Ansible's now(utc=False, fmt=None).
func nowFunc(va *exec.VarArgs) (any, error) {
	t := time.Now()
	utc := false
	if v, ok := va.KwArgs["utc"]; ok {
		utc = v.IsTrue()
	} else if len(va.Args) > 0 {
		utc = va.Args[0].IsTrue()
	}
	if utc {
		t = t.UTC()
	}
	format := ""
	if v, ok := va.KwArgs["fmt"]; ok {
		format = v.String()
	} else if len(va.Args) > 1 {
		format = va.Args[1].String()
	}
	if format != "" {
		return strftime(t, format), nil
	}
	return datetime{t}, nil
}

// datetime is a Python datetime seen from templates: it prints as Python
// does, and has strftime() and the usual attributes.
type datetime struct{ t time.Time }

// String prints as Python's str(datetime).
func (d datetime) String() string {
	return d.t.Format("2006-01-02 15:04:05.000000")
}

// GetAttribute implements exec.AttributeGetter.
func (d datetime) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "year":
		return exec.AsValue(d.t.Year()), true
	case "month":
		return exec.AsValue(int(d.t.Month())), true
	case "day":
		return exec.AsValue(d.t.Day()), true
	case "hour":
		return exec.AsValue(d.t.Hour()), true
	case "minute":
		return exec.AsValue(d.t.Minute()), true
	case "second":
		return exec.AsValue(d.t.Second()), true
	case "microsecond":
		return exec.AsValue(d.t.Nanosecond() / 1000), true
	case "strftime":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) != 1 {
				return exec.AsValue(errors.New("strftime() takes one format"))
			}
			return exec.AsValue(strftime(d.t, va.Args[0].String()))
		}), true
	case "isoformat":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			return exec.AsValue(d.t.Format("2006-01-02T15:04:05.000000"))
		}), true
	case "timestamp":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value {
			return exec.AsValue(float64(d.t.UnixNano()) / 1e9)
		}), true
	}
	return exec.AsValue(nil), false
}

// strftimeLayouts are the strftime directives Go's time layouts write
// as C does.
var strftimeLayouts = map[byte]string{
	'p': "PM",
	'a': "Mon",
	'A': "Monday",
	'b': "Jan",
	'B': "January",
	'z': "-0700",
	'Z': "MST",
	'F': "2006-01-02",
	'T': "15:04:05",
}

// strftimeNumbers are the numeric strftime directives: the printf format
// and the field it shows.
var strftimeNumbers = map[byte]struct {
	format string
	field  func(time.Time) int64
}{
	'Y': {"%04d", func(t time.Time) int64 { return int64(t.Year()) }},
	'y': {"%02d", func(t time.Time) int64 { return int64(t.Year() % 100) }},
	'm': {"%02d", func(t time.Time) int64 { return int64(t.Month()) }},
	'd': {"%02d", func(t time.Time) int64 { return int64(t.Day()) }},
	'H': {"%02d", func(t time.Time) int64 { return int64(t.Hour()) }},
	'I': {"%02d", func(t time.Time) int64 { return int64((t.Hour()+11)%12 + 1) }},
	'M': {"%02d", func(t time.Time) int64 { return int64(t.Minute()) }},
	'S': {"%02d", func(t time.Time) int64 { return int64(t.Second()) }},
	'f': {"%06d", func(t time.Time) int64 { return int64(t.Nanosecond() / 1000) }},
	'j': {"%03d", func(t time.Time) int64 { return int64(t.YearDay()) }},
	's': {"%d", func(t time.Time) int64 { return t.Unix() }},
	'w': {"%d", func(t time.Time) int64 { return int64(t.Weekday()) }},
}

// strftime formats t with C strftime directives; an unknown one is
// written as it stands.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		c := format[i]
		if layout, ok := strftimeLayouts[c]; ok {
			b.WriteString(t.Format(layout))
			continue
		}
		if n, ok := strftimeNumbers[c]; ok {
			fmt.Fprintf(&b, n.format, n.field(t))
			continue
		}
		if c != '%' {
			b.WriteByte('%') // an unknown directive stays as written
		}
		b.WriteByte(c)
	}
	return b.String()
}
