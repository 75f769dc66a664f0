package util

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Assert{}) }

// Assert is the assert module: check that expressions hold.
type Assert struct{}

// Spec describes the assert module.
func (Assert) Spec() module.Spec {
	return module.Spec{
		Name:  "assert",
		Short: "Fail unless every listed condition holds",
		Doc:   `Evaluates each expression of that, in order, the way when does (bare Jinja expressions, no {{ }}), and fails at the first one that is false, naming it. Never reports changed.`,
		Params: []module.Param{
			{Name: "that", Type: module.List, Elements: module.Str, Required: true, Doc: "Expressions of the same form as when, all of which must be true."},
			{Name: "fail_msg", Type: module.Raw, Aliases: []string{"msg"}, Doc: `The message when an assertion fails (a string or a list of strings); "Assertion failed" by default.`},
			{Name: "success_msg", Type: module.Raw, Doc: `The message when all assertions pass; "All assertions passed" by default.`},
			{Name: "quiet", Type: module.Bool, Default: false, Doc: "Print less output."},
		},
		CheckMode: true,
		Examples: `- name: The cluster has quorum and enough nodes
  assert:
    that:
      - nodes | length >= 3
      - "'quorate' in pcs_status.stdout"
    fail_msg: "cluster is not ready"
    success_msg: "cluster is ready"`,
		Returns: []module.ReturnValue{
			{Name: "assertion", Type: module.Str, Doc: "The first expression that was false."},
			{Name: "evaluated_to", Type: module.Bool, Doc: "What it evaluated to (false)."},
			{Name: "msg", Type: module.Raw, Doc: "fail_msg or success_msg."},
		},
	}
}

// Run evaluates the assertions.
func (Assert) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	failMsg := msgArg(a, "fail_msg", "Assertion failed")
	okMsg := msgArg(a, "success_msg", "All assertions passed")
	data := map[string]any{}
	for _, that := range a.Strings("that") {
		ok, err := evalCond(t, that)
		if err != nil {
			return module.Result{}, fmt.Errorf("assert: %w", err)
		}
		if !ok {
			data["assertion"] = that
			data["evaluated_to"] = false
			data["msg"] = failMsg
			return module.Result{Failed: true, Msg: msgText(failMsg), Data: data}, nil
		}
	}
	data["msg"] = okMsg
	return module.Result{Msg: msgText(okMsg), Data: data}, nil
}

// msgArg returns a message argument (a string or list) or its default.
func msgArg(a module.Args, name, def string) any {
	if v, ok := a[name]; ok && v != nil {
		return v
	}
	return def
}

// msgText is the one-line form of a message argument.
func msgText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return fmt.Sprint(x[0])
		}
		return ""
	}
	return fmt.Sprint(v)
}
