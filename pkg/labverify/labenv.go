package labverify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"time"

	"github.com/hactl/hactl/pkg/lab"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/transport"
)

// LabEnv is the Env of a local lab: faults through pkg/lab, playbooks
// through pkg/runner.
type LabEnv struct {
	// Dir is the lab directory.
	Dir string
	// Run holds the options of every playbook run (inventory, the lab's
	// connection overrides, roles); a scenario's extra variables are added
	// to its ExtraVars.
	Run runner.Options
	// PlaybookDir resolves relative playbook paths (the scenario file's
	// directory).
	PlaybookDir string
	// Output receives the output of a playbook that fails; nil discards it.
	Output io.Writer
}

// Fault kills, stops or cuts host.
func (e *LabEnv) Fault(ctx context.Context, kind, host string) error {
	switch kind {
	case "kill":
		return lab.Kill(ctx, e.Dir, host, lab.Options{})
	case "stop":
		return lab.Stop(ctx, e.Dir, host, lab.Options{})
	case "cut":
		return lab.Cut(ctx, e.Dir, host)
	}
	return fmt.Errorf("unknown fault %q", kind)
}

// Restore heals a cut host or starts a killed or stopped one (and waits
// up to 3 minutes for its SSH: a loaded machine boots slowly).
func (e *LabEnv) Restore(ctx context.Context, kind, host string) error {
	if kind == "cut" {
		return lab.Heal(ctx, e.Dir, host)
	}
	return lab.Start(ctx, e.Dir, host, lab.Options{SSHTimeout: 3 * time.Minute})
}

// Play runs a playbook quietly; its output goes to Output when a host
// fails.
func (e *LabEnv) Play(ctx context.Context, playbook string, extraVars map[string]any) error {
	if !filepath.IsAbs(playbook) && e.PlaybookDir != "" {
		playbook = filepath.Join(e.PlaybookDir, playbook)
	}
	var out bytes.Buffer
	opts := e.Run
	opts.ExtraVars = maps.Clone(e.Run.ExtraVars)
	if opts.ExtraVars == nil {
		opts.ExtraVars = map[string]any{}
	}
	maps.Copy(opts.ExtraVars, extraVars)
	opts.Reporter = report.NewText(&out, 0, false)
	stats, err := runner.Run(ctx, opts, playbook)
	if err == nil && stats.ExitCode() != 0 {
		err = fmt.Errorf("exit code %d", stats.ExitCode())
	}
	if err != nil {
		if e.Output != nil {
			_, _ = e.Output.Write(out.Bytes())
		}
		return fmt.Errorf("%s: %w", playbook, err)
	}
	return nil
}

// Exec runs command on host over SSH with the lab's connection variables
// (those of every playbook run); a connection that fails or a non-zero
// exit is an error, and the output (stdout, then stderr) is returned
// either way.
func (e *LabEnv) Exec(ctx context.Context, host, command string) (string, error) {
	d := e.Run.Connection
	if d.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	cfg, err := transport.ConfigFromVars(e.Run.HostOverrides[host], d)
	if err != nil {
		return "", fmt.Errorf("%s: connection: %w", host, err)
	}
	conn, err := transport.Dial(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("%s: %w", host, err)
	}
	defer func() { _ = conn.Close() }()
	res, err := conn.Run(ctx, command, transport.RunOpts{})
	out := string(res.Stdout) + string(res.Stderr)
	if err != nil {
		return out, fmt.Errorf("%s: %w", host, err)
	}
	if res.RC != 0 {
		return out, fmt.Errorf("exit status %d", res.RC)
	}
	return out, nil
}
