package util

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Debug{}) }

// Debug is the debug module: print a message or a variable.
type Debug struct{}

// Spec describes the debug module.
func (Debug) Spec() module.Spec {
	return module.Spec{
		Name:  "debug",
		Short: "Show a message or the value of an expression",
		Doc: `Prints a message (msg) or the value of a variable or expression (var). var is a bare Jinja expression, already inside {{ }}: write "var: result.stdout", not "var: '{{ result.stdout }}'". An undefined variable prints "VARIABLE IS NOT DEFINED!" instead of failing.

With verbosity N the output only shows when hactl runs with at least N -v flags.`,
		Params: []module.Param{
			{Name: "msg", Type: module.Raw, Doc: `The message to print (a string, or any value); "Hello world!" when neither msg nor var is given.`},
			{Name: "var", Type: module.Str, Doc: "A variable name or expression to print; mutually exclusive with msg."},
			{Name: "verbosity", Type: module.Int, Default: 0, Doc: "Only show the output at this many -v flags or more."},
		},
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"msg", "var"}},
		Examples: `- name: Print the gateway of each host
  debug:
    msg: "System {{ inventory_hostname }} has gateway {{ ansible_default_ipv4.gateway }}"

- name: Show a registered result at -vv and above
  debug:
    var: result.stdout_lines
    verbosity: 2`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Raw, Doc: "The message, when msg was given (or defaulted)."},
			{Name: "VAR", Type: module.Raw, Doc: "With var, the value under the key named by var."},
		},
	}
}

// Run builds the output; the executor shows or hides it by verbosity.
func (Debug) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	data := map[string]any{"_ansible_verbosity": a.Int("verbosity")}
	switch {
	case a.Has("var"):
		expr := a.String("var")
		var val any = "VARIABLE IS NOT DEFINED!"
		if t.Eval != nil {
			v, err := t.Eval(expr)
			switch {
			case err == nil:
				val = v
			case !strings.Contains(err.Error(), "undefined"):
				return module.Result{}, fmt.Errorf("debug: var %q: %w", expr, err)
			}
		}
		data[expr] = val
	case a.Has("msg"):
		data["msg"] = a["msg"]
	default:
		data["msg"] = "Hello world!"
	}
	r := module.Result{Data: data}
	if s, ok := data["msg"].(string); ok {
		r.Msg = s
	}
	return r, nil
}
