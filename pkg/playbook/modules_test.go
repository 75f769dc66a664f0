package playbook

import (
	"context"

	"github.com/hactl/hactl/pkg/module"
)

// testModule is a module registered for these tests only; its name starts
// with test_ so that it never collides with real modules.
type testModule struct{ spec module.Spec }

func (m testModule) Spec() module.Spec { return m.spec }

func (m testModule) Run(context.Context, *module.Target, module.Args) (module.Result, error) {
	return module.Result{}, nil
}

func init() {
	module.Register(testModule{module.Spec{
		Name:     "test_cmd",
		Aliases:  []string{"hactl.test_cmd"},
		FreeForm: true,
		Params: []module.Param{
			{Name: "chdir", Type: module.Path},
			{Name: "creates", Type: module.Path},
			{Name: "removes", Type: module.Path},
			{Name: "cmd", Type: module.Str},
		},
	}})
	module.Register(testModule{module.Spec{
		Name: "test_copy",
		Params: []module.Param{
			{Name: "src", Type: module.Path},
			{Name: "dest", Type: module.Path, Required: true},
			{Name: "mode", Type: module.Str},
			{Name: "backup", Type: module.Bool},
			{Name: "state", Type: module.Str, Choices: []any{"present", "absent"}},
		},
	}})
	module.Register(testModule{module.Spec{
		Name:   "test_msg",
		Params: []module.Param{{Name: "msg", Type: module.Raw}, {Name: "var", Type: module.Str}},
	}})
}
