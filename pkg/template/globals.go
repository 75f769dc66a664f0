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

// strftime formats t with C strftime directives.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", (t.Hour()+11)%12+1)
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
