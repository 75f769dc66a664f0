package command

import (
	"context"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Shell{}) }

// Shell is the shell module: run a command line through a shell.
type Shell struct{}

// Spec describes the shell module.
func (Shell) Spec() module.Spec {
	return module.Spec{
		Name:  "shell",
		Short: "Run a command line through the host's shell",
		Doc: `Runs a command line through a shell on the host (/bin/sh unless executable says otherwise), so pipes, redirections, variables and globs work. Prefer the command module when none of that is needed.

The task reports changed unless creates or removes stopped it. In check mode the command is skipped unless creates/removes are given; then they are checked and the task reports what would happen.`,
		Params: append([]module.Param{
			{Name: "executable", Type: module.Path, Doc: "The shell to run the command with (an absolute path), called as `executable -c command`."},
		}, guardParams()...),
		FreeForm:      true,
		CheckMode:     true,
		RequiredOneOf: [][]string{{"cmd"}},
		Examples: `- name: Count the lines of a log
  shell: wc -l < /var/log/syslog
  register: lines

- name: Run a script once, from its directory, with bash
  shell: ./setup.sh >> setup.log 2>&1
  args:
    chdir: /opt/app
    creates: /opt/app/.done
    executable: /bin/bash`,
		Returns: commonReturns,
	}
}

// Run executes the command line.
func (Shell) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	line := a.String("_raw_params")
	if line == "" {
		line = a.String("cmd")
	}
	if strings.TrimSpace(line) == "" {
		return module.Result{Failed: true, Msg: "no command given", Data: map[string]any{"rc": 256, "msg": "no command given"}}, nil
	}
	call := line
	exe := a.String("executable")
	wrapped := exe != "" || a.String("chdir") != "" || a.String("creates") != "" || a.String("removes") != ""
	if wrapped {
		if exe == "" {
			exe = "/bin/sh"
		}
		call = shellx.Path(exe) + " -c " + shellx.Quote(line)
	}
	return newJob("shell", line, "", call, a).run(ctx, t)
}
