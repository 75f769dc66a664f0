package template

import (
	"reflect"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

var (
	typeTestCall = reflect.TypeFor[*nodes.TestCall]()
	typeToken    = reflect.TypeFor[*tokens.Token]()
)

// rewriteTests fixes how gonja parses test arguments: it reads
// "x is version('1.0', 'gt')" as one tuple argument, where Jinja passes
// two. The walk is generic (reflection) because gonja's control
// structures keep their bodies in their own types.
func rewriteTests(root *nodes.Template) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Pointer:
			if v.IsNil() || v.Type() == typeToken {
				return
			}
			p := uintptr(v.UnsafePointer())
			if seen[p] {
				return
			}
			seen[p] = true
			if v.Type() == typeTestCall {
				tc := (*nodes.TestCall)(v.UnsafePointer())
				if len(tc.Args) == 1 {
					if tuple, ok := tc.Args[0].(*nodes.Tuple); ok {
						tc.Args = tuple.Val
					}
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(root))
}
