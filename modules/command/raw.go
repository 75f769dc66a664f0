package command

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Raw{}) }

// Raw is the raw module: send a command line to the host as it is.
type Raw struct{}

// Spec describes the raw module.
func (Raw) Spec() module.Spec {
	return module.Spec{
		Name:  "raw",
		Short: "Send a command line to the host as it is, with no wrapping",
		Doc: `Sends the command line to the host as it is, through the connection's shell, with nothing added: no chdir, no creates/removes, no output stripping. Useful to bootstrap hosts that lack the tools other modules need.

raw always reports changed and is skipped in check mode. The task's environment keyword does not apply to it.`,
		Params: []module.Param{
			{Name: "executable", Type: module.Path, Doc: "The shell to run the command with (an absolute path), called as `executable -c command`."},
		},
		FreeForm: true,
		Examples: `- name: Bootstrap Python on a bare host
  raw: test -e /usr/bin/python3 || (apt-get -y update && apt-get install -y python3-minimal)

- name: Run with bash
  raw: echo $BASH_VERSION
  args:
    executable: /bin/bash`,
		Returns: outputReturns("command"),
	}
}

// Run sends the command line.
func (Raw) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	if t.Check {
		return module.Result{Skipped: true, Msg: "raw does not support check mode"}, nil
	}
	line := a.String("_raw_params")
	if line == "" {
		return module.Result{}, fmt.Errorf("raw: no command given")
	}
	if exe := a.String("executable"); exe != "" {
		line = shellx.Path(exe) + " -c " + shellx.Quote(line)
	}
	res, err := t.Conn.Run(ctx, line, transport.RunOpts{})
	if err != nil {
		return module.Result{}, fmt.Errorf("raw: %w", err)
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	return outputResult(res.RC, stdout, stderr), nil
}
