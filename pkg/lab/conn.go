package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// IsLab reports whether dir is a lab directory: it has a lab.yml, or a
// running lab was brought up from it.
func IsLab(dir string) bool {
	if fileExists(filepath.Join(dir, ConfigFile)) {
		return true
	}
	l, err := Load(dir)
	if err != nil {
		return false
	}
	st, err := loadState(l.Name)
	return err == nil && st != nil && st.Dir == l.Dir
}

// ConnectionVars returns, per host of the running lab in dir, the
// variables that reach it with strict host key checking: ansible_host,
// ansible_user, ansible_ssh_private_key_file and ansible_ssh_common_args.
// They are meant to be laid over the lab's inventory. A lab that is not up
// gives an error wrapping ErrNotUp.
func ConnectionVars(dir string) (map[string]map[string]any, error) {
	st, err := Loaded(dir)
	if err != nil {
		return nil, err
	}
	return st.ConnectionVars(), nil
}

// ConnectionVars is the package function for a state at hand.
func (s *State) ConnectionVars() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, h := range s.Hosts {
		out[h.Name] = map[string]any{
			"ansible_host":                 h.Address,
			"ansible_user":                 "root",
			"ansible_ssh_private_key_file": s.KeyPath(),
			"ansible_ssh_common_args":      s.sshCommonArgs(),
		}
	}
	return out
}

func (s *State) sshCommonArgs() string {
	return "-o UserKnownHostsFile=" + s.KnownHostsPath() + " -o StrictHostKeyChecking=yes"
}

// InventoryINI renders the running lab in dir as an INI inventory for
// ansible-playbook: the lab inventory's hosts with the connection variables
// and, in [all:vars], the Python interpreter the image has.
func InventoryINI(dir string) (string, error) {
	st, err := Loaded(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# lab %s (%s)\n", st.Name, st.Dir)
	for _, h := range st.Hosts {
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s ansible_ssh_common_args=%q\n",
			h.Name, h.Address, st.KeyPath(), st.sshCommonArgs())
	}
	b.WriteString("\n[all:vars]\nansible_python_interpreter=/usr/bin/python3\n")
	return b.String(), nil
}

// SSHArgs returns the system ssh client's arguments that log into host as
// root with the lab key and strict host key checking; more arguments (a
// command) may follow.
func SSHArgs(dir, host string) ([]string, error) {
	st, err := Loaded(dir)
	if err != nil {
		return nil, err
	}
	h := st.Host(host)
	if h == nil {
		return nil, fmt.Errorf("lab %s has no host %q", st.Name, host)
	}
	return []string{
		"-i", st.KeyPath(), "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + st.KnownHostsPath(), "-o", "StrictHostKeyChecking=yes",
		"-o", "LogLevel=ERROR", "root@" + h.Address,
	}, nil
}

// Command returns a command that runs argv inside host's namespaces (its
// filesystem, network, processes) as root, without SSH: it works on a cut
// host too. The caller wires its standard streams and runs it.
func Command(ctx context.Context, dir, host string, argv ...string) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command to run on %s", host)
	}
	if err := CheckHost(); err != nil {
		return nil, err
	}
	st, err := Loaded(dir)
	if err != nil {
		return nil, err
	}
	h := st.Host(host)
	if h == nil {
		return nil, fmt.Errorf("lab %s has no host %q", st.Name, host)
	}
	pid, err := leader(h)
	if err != nil {
		return nil, err
	}
	args := append([]string{"-t", fmt.Sprint(pid), "-m", "-u", "-i", "-n", "-p", "-C", "-r", "-w", "--",
		"/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root", "LANG=C.UTF-8", "TERM=" + termOr("dumb")}, argv...)
	return exec.CommandContext(ctx, "nsenter", args...), nil
}

func termOr(def string) string {
	if t := os.Getenv("TERM"); t != "" {
		return t
	}
	return def
}
