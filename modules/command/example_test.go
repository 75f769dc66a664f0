package command_test

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/modules/command"
	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
)

// Run one module against one host: validate the task's arguments with the
// module's spec, then call Run with a Target holding the connection.
func ExampleCommand() {
	m := command.Command{}
	args, err := m.Spec().Validate(map[string]any{"_raw_params": `printf '%s\n' "hello world" '$(not run)'`}, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := &module.Target{Host: "web1", Conn: fakeconn.NewShell()} // a real SSH Conn in production
	res, err := m.Run(context.Background(), t, args)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Changed, res.Data["rc"])
	fmt.Println(res.Data["stdout_lines"])
	// Output:
	// true 0
	// [hello world $(not run)]
}
