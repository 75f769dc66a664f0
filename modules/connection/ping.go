// Package connection implements the modules that test the connection to a
// host: ping and wait_for_connection.
package connection

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Ping{}) }

// Ping is the ping module: check that the host can be reached and can run
// a command.
type Ping struct{}

// Spec describes the ping module.
func (Ping) Spec() module.Spec {
	return module.Spec{
		Name:  "ping",
		Short: "Check that the host can be reached and runs commands",
		Doc:   `Logs in to the host (with become when the task asks for it) and runs a trivial command; this is not ICMP ping. hactl needs no Python on the host, so unlike Ansible's ping this does not check for one.`,
		Params: []module.Param{
			{Name: "data", Type: module.Str, Default: "pong", Doc: `Data to return for the ping return value. If this parameter is set to "crash", the module fails.`},
		},
		CheckMode: true,
		Examples: `- name: Check every host answers
  ping:

- name: Test a failure
  ping:
    data: crash`,
		Returns: []module.ReturnValue{{Name: "ping", Type: module.Str, Doc: "The value of data: pong by default."}},
	}
}

// Run runs `true` on the host.
func (Ping) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	res, err := t.Conn.Run(ctx, "true", transport.RunOpts{})
	if err != nil {
		return module.Result{}, fmt.Errorf("ping: %w", err)
	}
	if res.RC != 0 {
		return module.Result{Failed: true, Msg: fmt.Sprintf("ping: the host's shell cannot run commands (rc %d): %s", res.RC, res.Stderr),
			Data: map[string]any{"rc": res.RC}}, nil
	}
	data := a.String("data")
	if data == "crash" {
		return module.Result{Failed: true, Msg: "boom (ping was asked to crash)"}, nil
	}
	return module.Result{Data: map[string]any{"ping": data}}, nil
}
