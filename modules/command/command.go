package command

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Command{}) }

// Command is the command module: run a program with arguments, without a
// shell.
type Command struct{}

// commonReturns documents what command, shell and script register.
var commonReturns = []module.ReturnValue{
	{Name: "cmd", Type: module.List, Doc: "The command executed (a list of words for command, a string for shell)."},
	{Name: "rc", Type: module.Int, Doc: "The command's exit status (0 is success)."},
	{Name: "stdout", Type: module.Str, Doc: "Standard output, trailing newlines stripped unless strip_empty_ends is false."},
	{Name: "stderr", Type: module.Str, Doc: "Standard error, trailing newlines stripped unless strip_empty_ends is false."},
	{Name: "stdout_lines", Type: module.List, Doc: "stdout split into lines."},
	{Name: "stderr_lines", Type: module.List, Doc: "stderr split into lines."},
	{Name: "start", Type: module.Str, Doc: "When the command started (controller's clock)."},
	{Name: "end", Type: module.Str, Doc: "When the command ended."},
	{Name: "delta", Type: module.Str, Doc: "How long the command ran."},
	{Name: "msg", Type: module.Str, Doc: "Why the command did not run or failed; empty otherwise."},
}

// guardParams are the parameters shared by command and shell.
func guardParams() []module.Param {
	return []module.Param{
		{Name: "cmd", Type: module.Str, Doc: "The command to run (same as the free-form text)."},
		{Name: "chdir", Type: module.Path, Doc: "Change into this directory before running the command."},
		{Name: "creates", Type: module.Path, Doc: "A file name or glob pattern; when a matching path exists on the host the command is not run. Checked before removes."},
		{Name: "removes", Type: module.Path, Doc: "A file name or glob pattern; when no matching path exists on the host the command is not run. Checked after creates."},
		{Name: "stdin", Type: module.Str, Doc: "Text fed to the command's standard input."},
		{Name: "stdin_add_newline", Type: module.Bool, Default: true, Doc: "Append a newline to stdin."},
		{Name: "strip_empty_ends", Type: module.Bool, Default: true, Doc: "Strip trailing empty lines from stdout and stderr."},
	}
}

// Spec describes the command module.
func (Command) Spec() module.Spec {
	return module.Spec{
		Name:  "command",
		Short: "Run a program on the host without a shell",
		Doc: `Runs a program with arguments on the host. The command line is split into words like a POSIX shell would (quotes and backslashes), but no shell runs it: pipes, redirections, ";" and "&" are plain arguments. Use the shell module for those.

As in Ansible, $NAME and ${NAME} in arguments are replaced by the value of the environment variable on the host when it is set, and a leading ~ by the home directory (disable with expand_argument_vars: false).

The task reports changed unless creates or removes stopped it. In check mode the command is skipped unless creates/removes are given; then they are checked and the task reports what would happen.`,
		Params: append([]module.Param{
			{Name: "argv", Type: module.List, Elements: module.Str, Doc: "The command as a list of words, avoiding any quoting problem. Give either argv or the free-form/cmd string."},
			{Name: "expand_argument_vars", Type: module.Bool, Default: true, Doc: "Expand $VAR, ${VAR} and a leading ~ in arguments on the host, leaving unknown variables as written."},
		}, guardParams()...),
		FreeForm:          true,
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"cmd", "argv"}},
		RequiredOneOf:     [][]string{{"cmd", "argv"}},
		Examples: `- name: Return motd to registered var
  command: cat /etc/motd
  register: mymotd

- name: Initialise the database once
  command: /usr/bin/make_database.sh db_user db_name
  args:
    chdir: /srv/db
    creates: /srv/db/data

- name: A name with spaces, no quoting needed
  command:
    argv: [useradd, --comment, "Web Server", www]`,
		Returns: commonReturns,
	}
}

// Run executes the command.
func (Command) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	line := a.String("_raw_params")
	if line == "" {
		line = a.String("cmd")
	}
	argv := a.Strings("argv")
	switch {
	case strings.TrimSpace(line) == "" && len(argv) == 0:
		return module.Result{Failed: true, Msg: "no command given", Data: map[string]any{"rc": 256, "msg": "no command given"}}, nil
	case strings.TrimSpace(line) != "" && len(argv) > 0:
		msg := "only command or argv can be given, not both"
		return module.Result{Failed: true, Msg: msg, Data: map[string]any{"rc": 256, "msg": msg}}, nil
	}
	words := argv
	if len(words) == 0 {
		var err error
		if words, err = shellx.Split(line); err != nil {
			return module.Result{}, fmt.Errorf("command: cannot split %q into words: %w", line, err)
		}
	}
	setup, call := shellx.Argv(words, a.Bool("expand_argument_vars"))
	return newJob("command", words, setup, call, a).run(ctx, t)
}
