package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// runner is one way of playing a workload on a target set.
type runner struct {
	// Name labels the runner in the results.
	Name string
	// argv builds the command line for a playbook and an inventory.
	argv func(playbook, inventory string) []string
	// env builds the child's environment for one run; run is a fresh
	// scratch directory of that run.
	env func(run string) []string
	// after runs once the child exited (cleanup of what it left behind).
	after func(ctx context.Context, run string)
	// floor marks the floor client, which plays no playbook.
	floor bool
}

// baseEnv is the environment every child gets: the harness's own, minus
// anything that would make ansible-playbook or hactl read another
// configuration.
func baseEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ANSIBLE_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// hactlRunner plays with the hactl binary at bin, with its defaults
// (forks 50, facts only where the play asks).
func hactlRunner(bin string) runner {
	return runner{
		Name: "hactl",
		argv: func(pb, inv string) []string { return []string{bin, "play", "-i", inv, pb} },
		env:  func(string) []string { return baseEnv() },
	}
}

// floorRunner runs the floor client (this program's floor subcommand).
func floorRunner(self, hostsFile string) runner {
	return runner{
		Name:  "floor",
		floor: true,
		argv: func(pb, _ string) []string {
			tasks := "20"
			if strings.HasSuffix(pb, "facts.yml") {
				tasks = "1"
			}
			return []string{self, "floor", "-hosts", hostsFile, "-tasks", tasks, "-forks", "50"}
		},
		env: func(string) []string { return baseEnv() },
	}
}

// ansibleProfile is an ansible.cfg the harness writes.
type ansibleProfile struct {
	Name string
	Cfg  string
}

// Ansible's profiles. "default" changes nothing that affects speed;
// "tuned" is what a user who cares about speed sets.
var ansibleProfiles = []ansibleProfile{
	{Name: "ansible-default", Cfg: `[defaults]
# Ansible's defaults: forks 5, no pipelining, ssh_args with
# ControlPersist=60s, implicit fact gathering (the playbooks turn it off
# where they do not measure it).
nocolor = True
`},
	{Name: "ansible-tuned", Cfg: `[defaults]
forks = 50
gathering = explicit
nocolor = True
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=600s
`},
}

// ansibleRunner plays with ansible-playbook under a profile whose
// ansible.cfg is written to cfgDir. Each run gets its own ControlPath
// directory, so no run reuses another's master connections, and the
// masters are told to exit afterwards.
func ansibleRunner(p ansibleProfile, cfgDir, ansibleHome string) (runner, error) {
	cfg := filepath.Join(cfgDir, p.Name+".cfg")
	if err := os.WriteFile(cfg, []byte(p.Cfg), 0o644); err != nil {
		return runner{}, fmt.Errorf("ansible.cfg: %w", err)
	}
	return runner{
		Name: p.Name,
		argv: func(pb, inv string) []string { return []string{"ansible-playbook", "-i", inv, pb} },
		env: func(run string) []string {
			return append(baseEnv(),
				"ANSIBLE_CONFIG="+cfg,
				"ANSIBLE_HOME="+ansibleHome,
				"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(run, "cp"),
				"ANSIBLE_LOCAL_TEMP="+filepath.Join(run, "tmp"),
			)
		},
		after: func(ctx context.Context, run string) { closeMasters(ctx, filepath.Join(run, "cp")) },
	}, nil
}

// closeMasters asks every ControlPersist master whose socket is in dir to
// exit (ssh -O exit), so that none outlives its run.
func closeMasters(ctx context.Context, dir string) {
	socks, _ := filepath.Glob(filepath.Join(dir, "*"))
	_ = forEach(ctx, len(socks), 16, func(i int) error {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = exec.CommandContext(c, "ssh", "-o", "ControlPath="+socks[i], "-O", "exit", "bench-target").Run()
		return nil
	})
}
