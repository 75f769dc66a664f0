package pyjson_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/pyjson"
)

// The expected strings are what python3 -c 'import json; print(json.dumps(v, sort_keys=True, …))' prints.
func TestMatchesPythonJSONDumps(t *testing.T) {
	v := map[string]any{"b": []any{1, 2.0, 1e-05, "é<&>"}, "a": nil, "c": map[string]string{"z": "\n"}, "d": true}
	s, err := pyjson.Marshal(v, pyjson.Options{Indent: -1})
	require.NoError(t, err)
	assert.Equal(t, `{"a": null, "b": [1, 2.0, 1e-05, "é<&>"], "c": {"z": "\n"}, "d": true}`, s)

	s, err = pyjson.Marshal(v, pyjson.Options{Indent: 4, ASCII: true})
	require.NoError(t, err)
	assert.Equal(t, "{\n    \"a\": null,\n    \"b\": [\n        1,\n        2.0,\n        1e-05,\n        \"\\u00e9<&>\"\n    ],\n    \"c\": {\n        \"z\": \"\\n\"\n    },\n    \"d\": true\n}", s)

	assert.Equal(t, "[]", pyjson.MustString([]string(nil), pyjson.OneLine))
	assert.Equal(t, "1e+16", pyjson.FormatFloat(1e16))
	assert.Equal(t, "123.5", pyjson.FormatFloat(123.5))
	// Just below 1e-4 Python already writes an exponent; a decimal
	// logarithm would round to -4 and pick the fixed form.
	assert.Equal(t, "9.999999999999999e-05", pyjson.FormatFloat(9.999999999999999e-05))
	assert.Equal(t, "0.0001", pyjson.FormatFloat(1e-4))
	assert.Equal(t, "1000000.0", pyjson.FormatFloat(1e6))
}

func TestStrictRejectsUnknownTypes(t *testing.T) {
	_, err := pyjson.Marshal(struct{}{}, pyjson.Options{Indent: -1})
	assert.ErrorContains(t, err, "not JSON serializable")
	assert.Equal(t, `"{}"`, pyjson.MustString(struct{}{}, pyjson.OneLine))
}

func TestUnmarshalKeepsIntegers(t *testing.T) {
	v, err := pyjson.Unmarshal([]byte(`{"a": [1, 2.5, 1e3], "b": null}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": []any{1, 2.5, 1000.0}, "b": nil}, v)
	_, err = pyjson.Unmarshal([]byte(`{} {}`))
	assert.ErrorContains(t, err, "extra data")
}
