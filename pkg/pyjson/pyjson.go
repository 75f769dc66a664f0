// Package pyjson writes data as Python's json.dumps does: the format of
// Ansible's result output, of ansible-inventory, and of the to_json and
// to_nice_json filters. Keys are sorted (Go maps keep no order), floats
// are written as Python writes them (1.0, 1e-05), and ", " / ": " separate
// items on one line.
package pyjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Options choose between Python's json.dumps variants.
type Options struct {
	// Indent is the indentation per level; negative writes one line.
	Indent int
	// ASCII escapes every non-ASCII character (ensure_ascii=True).
	ASCII bool
	// Lenient writes values JSON has no type for as strings (fmt.Sprint)
	// instead of failing.
	Lenient bool
}

// OneLine is json.dumps(v, sort_keys=True, ensure_ascii=False).
var OneLine = Options{Indent: -1, Lenient: true}

// Indent4 is json.dumps(v, sort_keys=True, indent=4, ensure_ascii=False).
var Indent4 = Options{Indent: 4, Lenient: true}

// Marshal formats v.
func Marshal(v any, o Options) (string, error) {
	var b strings.Builder
	if err := write(&b, v, o, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

// MustString formats v with lenient options, for output that cannot fail.
func MustString(v any, o Options) string {
	o.Lenient = true
	s, _ := Marshal(v, o)
	return s
}

func write(b *strings.Builder, v any, o Options, level int) error {
	newline := func(l int) {
		if o.Indent >= 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", o.Indent*l))
		}
	}
	itemSep := ", "
	if o.Indent >= 0 {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return nil
	case string:
		writeString(b, x, o.ASCII)
		return nil
	case int:
		b.WriteString(strconv.Itoa(x))
		return nil
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
		return nil
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(FormatFloat(x))
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() || rv.Len() == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i := range rv.Len() {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(level + 1)
			if err := write(b, rv.Index(i).Interface(), o, level+1); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte(']')
		return nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		if rv.Len() == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(itemSep)
			}
			newline(level + 1)
			writeString(b, k, o.ASCII)
			b.WriteString(": ")
			val := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface()
			if err := write(b, val, o, level+1); err != nil {
				return err
			}
		}
		newline(level)
		b.WriteByte('}')
		return nil
	case reflect.String:
		writeString(b, rv.String(), o.ASCII)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(rv.Int(), 10))
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(rv.Uint(), 10))
		return nil
	case reflect.Float32:
		return write(b, rv.Float(), o, level)
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(rv.Bool()))
		return nil
	}
	if !o.Lenient {
		return fmt.Errorf("object of type %T is not JSON serializable", v)
	}
	writeString(b, fmt.Sprint(v), o.ASCII)
	return nil
}

// writeString quotes s as Python's json module does.
func writeString(b *strings.Builder, s string, ascii bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (ascii && r > 0x7e):
				if r > 0xffff {
					r1, r2 := utf16.EncodeRune(r)
					fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// FormatFloat writes f as Python's repr(float) does: the shortest form
// that reads back, with ".0" for whole numbers and an exponent (two digits
// at least) outside [1e-4, 1e16).
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// Unmarshal parses JSON as Python's json.loads does: whole numbers become
// int (not float64), and anything after the value is an error.
func Unmarshal(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("extra data after JSON value")
	}
	return plainNumbers(v), nil
}

func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return int(n)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = plainNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plainNumbers(x[k])
		}
	}
	return v
}
