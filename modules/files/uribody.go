package files

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/pyjson"
)

// uriBody serializes uri's body as body_format says and sets the
// Content-Type header it implies unless one was given.
func uriBody(a module.Args, req *httpRequest) error {
	body, ok := a["body"]
	if !ok || body == nil {
		return nil
	}
	var text, ctype string
	switch a.String("body_format") {
	case "json":
		ctype = "application/json"
		if s, ok := body.(string); ok {
			text = s
		} else {
			s, err := pyjson.Marshal(body, pyjson.Options{Indent: -1, ASCII: true})
			if err != nil {
				return fmt.Errorf("failed to serialize body as JSON: %w", err)
			}
			text = s
		}
	case "form-urlencoded":
		ctype = "application/x-www-form-urlencoded"
		s, err := formURLEncoded(body)
		if err != nil {
			return fmt.Errorf("failed to parse body as form_urlencoded: %w", err)
		}
		text = s
	default:
		if s, ok := body.(string); ok {
			text = s
		} else {
			text = pyStr(body)
		}
	}
	if ctype != "" && !slices.ContainsFunc(req.Headers, func(h [2]string) bool { return strings.EqualFold(h[0], "content-type") }) {
		req.Headers = append(req.Headers, [2]string{"Content-Type", ctype})
	}
	req.Body = &text
	return nil
}

// formURLEncoded encodes a mapping (keys sorted) or a list of pairs as
// Python's urlencode(doseq=True) does: list values repeat the key, None
// values are dropped, spaces become "+".
func formURLEncoded(body any) (string, error) {
	type pair struct {
		k string
		v any
	}
	var pairs []pair
	switch b := body.(type) {
	case string:
		return b, nil
	case map[string]any:
		for _, k := range sortedKeys(b) {
			pairs = append(pairs, pair{k, b[k]})
		}
	case []any:
		for i, e := range b {
			kv, ok := e.([]any)
			if !ok || len(kv) != 2 {
				return "", fmt.Errorf("element %d is not a [key, value] pair", i)
			}
			pairs = append(pairs, pair{pyStr(kv[0]), kv[1]})
		}
	default:
		return "", fmt.Errorf("cannot form-urlencode body, expect list or dict")
	}
	var parts []string
	for _, p := range pairs {
		vals, ok := p.v.([]any)
		if !ok {
			vals = []any{p.v}
		}
		for _, v := range vals {
			if v == nil {
				continue
			}
			parts = append(parts, url.QueryEscape(p.k)+"="+url.QueryEscape(pyStr(v)))
		}
	}
	return strings.Join(parts, "&"), nil
}

// pyStr converts a value to text as Python's str() would for the data
// a task holds (True/False, None, 1.5, JSON-like collections).
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyjson.FormatFloat(x)
	case map[string]any, []any:
		return pyjson.MustString(x, pyjson.OneLine)
	}
	return fmt.Sprint(v)
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// decodeJSON parses JSON keeping integers as int.
func decodeJSON(b []byte) (any, error) { return pyjson.Unmarshal(b) }
