package pyjson_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hactl/hactl/pkg/pyjson"
)

func TestStrReprQuotesAsPython(t *testing.T) {
	assert.Equal(t, `'a b'`, pyjson.StrRepr("a b"))
	assert.Equal(t, `"it's"`, pyjson.StrRepr("it's"))
	assert.Equal(t, `'it\'s "x"'`, pyjson.StrRepr(`it's "x"`))
	assert.Equal(t, `'a\\b\n\t\r\x01\x7f é'`, pyjson.StrRepr("a\\b\n\t\r\x01\x7f é"))
}

func TestTruthIsPythonBool(t *testing.T) {
	type flag bool
	var nilMap map[string]any
	var nilPtr *int
	for _, v := range []any{nil, false, "", 0, 0.0, int64(0), uint8(0), []any{}, map[string]any{}, nilMap, nilPtr, flag(false)} {
		assert.False(t, pyjson.Truth(v), "%#v", v)
	}
	one := 1
	for _, v := range []any{true, "x", "False", 1, -1, 0.5, int64(2), []any{nil}, map[string]any{"a": nil}, &one, flag(true), struct{}{}} {
		assert.True(t, pyjson.Truth(v), "%#v", v)
	}
}
