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
		Returns: []module.ReturnValue{
			{Name: "rc", Type: module.Int, Doc: "The command's exit status."},
			{Name: "stdout", Type: module.Str, Doc: "Standard output, as it came."},
			{Name: "stderr", Type: module.Str, Doc: "Standard error, as it came."},
			{Name: "stdout_lines", Type: module.List, Doc: "stdout split into lines."},
			{Name: "stderr_lines", Type: module.List, Doc: "stderr split into lines."},
		},
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
	data := map[string]any{
		"rc": res.RC, "stdout": stdout, "stderr": stderr,
		"stdout_lines": shellx.Lines(stdout), "stderr_lines": shellx.Lines(stderr),
	}
	r := module.Result{Changed: true, Data: data}
	if res.RC != 0 {
		r.Failed, r.Msg = true, "non-zero return code"
		data["msg"] = r.Msg
	}
	return r, nil
}
