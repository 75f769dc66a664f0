package template

import (
	"fmt"
	"github.com/hactl/hactl/pkg/pyjson"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/hactl/hactl/pkg/yamlx"
)

// dataFilters serialise and parse JSON and YAML.
func dataFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"to_json":      plainFilter("to_json", filterToJSON(false)),
		"tojson":       plainFilter("tojson", filterToJSON(false)),
		"to_nice_json": plainFilter("to_nice_json", filterToJSON(true)),
		"from_json":    plainFilter("from_json", filterFromJSON),
		"to_yaml":      plainFilter("to_yaml", filterToYAML(false)),
		"to_nice_yaml": plainFilter("to_nice_yaml", filterToYAML(true)),
		"from_yaml":    plainFilter("from_yaml", filterFromYAML),
	}
}

// filterToJSON is to_json(indent=None, sort_keys=False) and
// to_nice_json(indent=4, sort_keys=True), written as Python's json.dumps
// does (ensure_ascii). Dict keys are always sorted: Go maps have no order.
func filterToJSON(nice bool) filterFunc {
	return func(in any, a *args) (any, error) {
		def := -1
		if nice {
			def = 4
		}
		indentArg, err := a.get(-1, "indent", nil)
		if err != nil {
			return nil, err
		}
		indent := def
		if indentArg != nil {
			n, ok := toInt(indentArg)
			if !ok {
				return nil, fmt.Errorf("indent must be an integer")
			}
			indent = n
		}
		ascii, err := a.boolean(-1, "ensure_ascii", true)
		if err != nil {
			return nil, err
		}
		out, err := pyjson.Marshal(export(in), pyjson.Options{Indent: indent, ASCII: ascii})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// filterFromJSON parses JSON into plain data (integers stay int), as
// Python's json.loads.
func filterFromJSON(in any, _ *args) (any, error) {
	v, err := pyjson.Unmarshal([]byte(pyStr(in)))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return v, nil
}

// filterFromYAML parses YAML into plain data, with YAML 1.1's scalars as
// PyYAML reads them (yes/no are booleans).
func filterFromYAML(in any, _ *args) (any, error) {
	v, err := yamlx.Unmarshal([]byte(pyStr(in)), "from_yaml")
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	return plainValue(v)
}

// filterToYAML is to_yaml (flow style for leaf collections, as PyYAML's
// default_flow_style=None) and to_nice_yaml(indent=4) (block style).
func filterToYAML(nice bool) filterFunc {
	return func(in any, a *args) (any, error) {
		def := 2
		if nice {
			def = 4
		}
		indent, err := a.integer(-1, "indent", def)
		if err != nil {
			return nil, err
		}
		if indent < 2 || indent > 9 {
			indent = 2
		}
		e := &yamlEmitter{indent: indent, flowLeaves: !nice, width: 80}
		return e.document(in)
	}
}
