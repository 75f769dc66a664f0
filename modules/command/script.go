package command

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Script{}) }

// Script is the script module: copy a local script to the host, run it
// there and remove it.
type Script struct{}

// remoteTmp is where uploaded scripts live while they run.
const remoteTmp = "/tmp"

// Spec describes the script module.
func (Script) Spec() module.Spec {
	return module.Spec{
		Name:  "script",
		Short: "Copy a controller-side script to the host, run it, remove it",
		Doc: `Copies a script from the controller (looked up in the role's files/ directory, then the playbook's) to a private temporary file on the host, runs it there with the given arguments and removes it. The first word of the command line is the script; the rest is passed through the host's shell as written, as in Ansible.

The task reports changed unless creates or removes stopped it (then it is skipped). In check mode the script is not run: with creates/removes the task reports whether it would run, otherwise it is skipped.`,
		Params: []module.Param{
			{Name: "cmd", Type: module.Str, Doc: "Path to the local script followed by optional arguments (same as the free-form text)."},
			{Name: "creates", Type: module.Path, Doc: "A path (or glob) on the host; when it exists the script is not run."},
			{Name: "removes", Type: module.Path, Doc: "A path (or glob) on the host; when it does not exist the script is not run."},
			{Name: "chdir", Type: module.Path, Doc: "Change into this directory on the host (an absolute path) before running the script."},
			{Name: "executable", Type: module.Str, Doc: "Name or path of the program to run the script with (for example python3); its words are quoted."},
			{Name: "decrypt", Type: module.Bool, Default: true, Doc: "Accepted for compatibility: vault-encrypted scripts are decrypted by the loader."},
		},
		FreeForm:      true,
		CheckMode:     true,
		RequiredOneOf: [][]string{{"cmd"}},
		Examples: `- name: Run a script with arguments
  script: /some/local/script.sh --some-argument 1234

- name: Run a Python script once
  script: gen_keys.py
  args:
    executable: python3
    creates: /etc/app/keys`,
		Returns: outputReturns("script"),
	}
}

// Run uploads and runs the script.
func (Script) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	line := a.String("_raw_params")
	if line == "" {
		line = a.String("cmd")
	}
	name, rest, err := shellx.Cut(line)
	if err != nil {
		return module.Result{}, fmt.Errorf("script: cannot read the command line %q: %w", line, err)
	}
	chdir := a.String("chdir")
	if chdir != "" && !strings.HasPrefix(chdir, "/") {
		return module.Result{}, fmt.Errorf("script: chdir %s must be an absolute path for a Unix-aware remote node", chdir)
	}
	local := name
	if t.FindFile != nil {
		if local, err = t.FindFile("files", name); err != nil {
			return module.Result{}, fmt.Errorf("script: %w", err)
		}
	}
	body, err := os.ReadFile(local)
	if err != nil {
		return module.Result{}, fmt.Errorf("script: read the local script: %w", err)
	}
	g := guard{chdir: chdir, creates: a.String("creates"), removes: a.String("removes")}
	if t.Check {
		return scriptCheck(ctx, t, g)
	}
	remote := path.Join(remoteTmp, ".hactl-script-"+nonce()+"-"+sanitize(filepath.Base(local)))
	if err := t.Conn.Put(ctx, remote, bytes.NewReader(body), 0o700); err != nil {
		return module.Result{}, fmt.Errorf("script: upload to %s: %w", remote, err)
	}
	call := shellx.Quote(remote)
	if exe := a.String("executable"); exe != "" {
		words, err := shellx.Split(exe)
		if err != nil {
			return module.Result{}, fmt.Errorf("script: executable %q: %w", exe, err)
		}
		call = shellx.QuoteArgs(words) + " " + call
	}
	if rest != "" {
		call += " " + rest
	}
	text, marker := g.script(fmt.Sprintf("trap 'rm -f -- %s' EXIT\n", shellx.Quote(remote)), call)
	res, err := t.Conn.Run(ctx, text, transport.RunOpts{})
	if err != nil {
		return module.Result{}, fmt.Errorf("script: %w", err)
	}
	stdout, stderr := string(res.Stdout), string(res.Stderr)
	if reason, ok := markerReason(stdout, marker); ok {
		return g.skipped(reason, stderr), nil
	}
	return outputResult(res.RC, stdout, stderr), nil
}

// scriptCheck answers check mode: creates/removes are checked on the host,
// nothing is uploaded.
func scriptCheck(ctx context.Context, t *module.Target, g guard) (module.Result, error) {
	if g.creates == "" && g.removes == "" {
		return module.Result{Skipped: true, Msg: "Check mode is not supported for this task."}, nil
	}
	text, marker := g.script("", "")
	res, err := t.Conn.Run(ctx, text, transport.RunOpts{})
	if err != nil {
		return module.Result{}, fmt.Errorf("script: %w", err)
	}
	if reason, ok := markerReason(string(res.Stdout), marker); ok && reason != wouldRun {
		return g.skipped(reason, string(res.Stderr)), nil
	}
	return module.Result{Changed: true}, nil
}

// guard is the chdir/creates/removes preamble of the script module.
type guard struct{ chdir, creates, removes string }

// script returns the guard followed by prelude and call; an empty call
// prints the "would run" marker instead.
func (g guard) script(prelude, call string) (string, string) {
	marker := "__hactl_" + nonce()
	text := job{chdir: g.chdir, creates: g.creates, removes: g.removes}.preamble(marker)
	if call == "" {
		return text + wouldRunLine(marker), marker
	}
	return text + prelude + call + "\n", marker
}

// skipped builds the result for a script that did not run.
func (g guard) skipped(reason, stderr string) module.Result {
	switch reason {
	case skipCreates:
		return module.Result{Skipped: true, Msg: fmt.Sprintf("%s exists, matching creates option", g.creates)}
	case skipRemoves:
		return module.Result{Skipped: true, Msg: fmt.Sprintf("%s does not exist, matching removes option", g.removes)}
	}
	return module.Result{Failed: true, Msg: "Unable to change directory before execution: " + firstLine(stderr, g.chdir)}
}

// sanitize keeps a file name readable and free of shell-special bytes.
func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, name)
}
