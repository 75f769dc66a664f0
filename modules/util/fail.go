package util

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Fail{}) }

// Fail is the fail module: stop the host with a message.
type Fail struct{}

// Spec describes the fail module.
func (Fail) Spec() module.Spec {
	return module.Spec{
		Name:  "fail",
		Short: "Stop the host with a message of your choosing",
		Doc:   "Fails the task for this host with a message; usually guarded by when.",
		Params: []module.Param{
			{Name: "msg", Type: module.Raw, Default: "Failed as requested from task", Doc: "The message to fail with."},
		},
		CheckMode: true,
		Examples: `- name: Refuse to run on an unsupported system
  fail:
    msg: "{{ ansible_distribution }} is not supported"
  when: ansible_os_family != "Debian"`,
		Returns: []module.ReturnValue{{Name: "msg", Type: module.Str, Doc: "The message."}},
	}
}

// Run fails.
func (Fail) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	msg := a["msg"]
	text, ok := msg.(string)
	if !ok {
		text = fmt.Sprint(msg)
	}
	return module.Result{Failed: true, Msg: text, Data: map[string]any{"msg": msg}}, nil
}
