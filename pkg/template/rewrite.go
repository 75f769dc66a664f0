package template

import (
	"reflect"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

var (
	typeTestCall = reflect.TypeFor[*nodes.TestCall]()
	typeFiltered = reflect.TypeFor[*nodes.FilteredExpression]()
	typeToken    = reflect.TypeFor[*tokens.Token]()
)

// rewriteTests fixes two places where gonja's parser departs from Jinja:
//   - "x is version('1.0', 'gt')" gives the test one tuple argument where
//     Jinja passes two;
//   - "a in b | f" filters the result of the "in" where Jinja filters b.
//
// The walk is generic (reflection) because gonja's control structures keep
// their bodies in their own types.
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
			if v.Type() == typeFiltered {
				bindFilterToInOperand((*nodes.FilteredExpression)(v.UnsafePointer()))
			}
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

// bindFilterToInOperand turns (a in b) | f into a in (b | f), in place.
func bindFilterToInOperand(fe *nodes.FilteredExpression) {
	if len(fe.Filters) == 0 {
		return
	}
	test, ok := fe.Expression.(*nodes.TestExpression)
	if !ok {
		if neg, isNeg := fe.Expression.(*nodes.Negation); isNeg {
			test, ok = neg.Term.(*nodes.TestExpression)
		}
	}
	if !ok || test.Test == nil || test.Test.Name != "in" || len(test.Test.Args) != 1 {
		return
	}
	test.Test.Args[0] = &nodes.FilteredExpression{Expression: test.Test.Args[0], Filters: fe.Filters}
	fe.Filters = nil
}
