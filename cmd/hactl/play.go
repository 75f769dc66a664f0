package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/report"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/transport"
	"github.com/hactl/hactl/roles"

	_ "github.com/hactl/hactl/modules/all" // register every module
)

type playFlags struct {
	inventories   []string
	extraVars     []string
	limit         string
	tags          []string
	skipTags      []string
	check, diff   bool
	forks         int
	listHosts     bool
	listTasks     bool
	syntaxCheck   bool
	startAtTask   string
	user          string
	connection    string
	privateKey    string
	become        bool
	becomeUser    string
	becomeMethod  string
	askBecomePass bool
	verbose       int
	output        string
	junit         string
	acceptNewKeys bool
	timeout       int
	sshCommonArgs string
	rolesPath     []string
	forceHandlers bool
}

func newPlayCmd() *cobra.Command {
	var f playFlags
	cmd := &cobra.Command{
		Use:   "play [flags] PLAYBOOK...",
		Short: "Run playbooks against an inventory (like ansible-playbook)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlay(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.inventories, "inventory", "i", nil, "inventory file, directory or host list (repeatable)")
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "extra variables: k=v, YAML/JSON, or @file (repeatable)")
	fl.StringVarP(&f.limit, "limit", "l", "", "further limit hosts with a pattern")
	fl.StringSliceVarP(&f.tags, "tags", "t", nil, "only run tasks tagged with these")
	fl.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks tagged with these")
	fl.BoolVarP(&f.check, "check", "C", false, "don't change anything; report what would change")
	fl.BoolVarP(&f.diff, "diff", "D", false, "show differences in changed files and state")
	fl.IntVarP(&f.forks, "forks", "f", 0, "hosts to run in parallel (default 50, or ansible.cfg forks)")
	fl.BoolVar(&f.listHosts, "list-hosts", false, "list the hosts each play would run on")
	fl.BoolVar(&f.listTasks, "list-tasks", false, "list the tasks that would run")
	fl.BoolVar(&f.syntaxCheck, "syntax-check", false, "load and validate the playbooks, then stop")
	fl.StringVar(&f.startAtTask, "start-at-task", "", "start at the task with this name")
	fl.StringVarP(&f.user, "user", "u", "", "connect as this user")
	fl.StringVarP(&f.connection, "connection", "c", "", "connection type when a host sets none: ssh (default) or local")
	fl.StringVar(&f.privateKey, "private-key", "", "private key file")
	fl.StringVar(&f.privateKey, "key-file", "", "private key file (alias)")
	fl.BoolVarP(&f.become, "become", "b", false, "run operations with become (sudo)")
	fl.StringVar(&f.becomeUser, "become-user", "", "become this user (default root)")
	fl.StringVar(&f.becomeMethod, "become-method", "", "become method: sudo or su")
	fl.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for the become password")
	fl.CountVarP(&f.verbose, "verbose", "v", "more output (-v, -vv, -vvv, -vvvv)")
	fl.StringVar(&f.output, "output", "text", "output format: text or json")
	fl.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to this file")
	fl.BoolVar(&f.acceptNewKeys, "accept-new-host-keys", false, "accept and record unknown host keys (default: strict checking)")
	fl.IntVarP(&f.timeout, "timeout", "T", 0, "connection timeout in seconds")
	fl.StringVar(&f.sshCommonArgs, "ssh-common-args", "", "ssh arguments for every host (-o options, -J)")
	fl.StringArrayVar(&f.rolesPath, "roles-path", nil, "extra directory to search for roles (repeatable)")
	fl.BoolVar(&f.forceHandlers, "force-handlers", true, "run notified handlers even for hosts that failed later (hactl's default; --force-handlers=false behaves like ansible-playbook)")
	return cmd
}

func runPlay(cmd *cobra.Command, f playFlags, playbooks []string) error {
	cfg, err := findAnsibleCfg()
	if err != nil {
		return exitf(5, "reading %s: %v", cfg.path, err)
	}
	opts := runner.Options{Inventories: f.inventories}
	if len(opts.Inventories) == 0 {
		if inv := cfg.get("inventory"); inv != "" {
			for _, p := range strings.Split(inv, ",") {
				opts.Inventories = append(opts.Inventories, cfg.relPath(strings.TrimSpace(p)))
			}
		} else {
			opts.Inventories = []string{"/etc/ansible/hosts"}
		}
	}
	opts.ExtraVars, err = runner.ParseExtraVars(f.extraVars)
	if err != nil {
		return exitf(5, "%v", err)
	}
	opts.RolesPath = f.rolesPath
	opts.RoleFS = roles.FS()
	if rp := cfg.get("roles_path"); rp != "" {
		for _, p := range strings.Split(rp, ":") {
			opts.RolesPath = append(opts.RolesPath, cfg.relPath(p))
		}
	}
	lab, err := labOverrides(opts.Inventories)
	if err != nil {
		return exitf(5, "%v", err)
	}
	opts.HostOverrides = lab

	switch f.connection {
	case "", "ssh", "paramiko", "smart", "local":
	default:
		return exitf(5, "--connection %q is not supported (use ssh or local)", f.connection)
	}
	// Connection defaults: flags, then ansible.cfg.
	d := transport.Defaults{
		Connection:     f.connection,
		RemoteUser:     firstSet(f.user, cfg.get("remote_user")),
		PrivateKeyFile: firstSet(f.privateKey, cfg.relPath(cfg.get("private_key_file"))),
		SSHCommonArgs:  f.sshCommonArgs,
		DialRetries:    2,
	}
	if hk := cfg.get("host_key_checking"); hk != "" {
		if b, err := strconv.ParseBool(strings.ToLower(hk)); err == nil && !b {
			d.HostKeyPolicy = transport.HostKeyIgnore
		}
	}
	if f.acceptNewKeys {
		d.HostKeyPolicy = transport.HostKeyAcceptNew
	}
	if f.timeout > 0 {
		d.Timeout = time.Duration(f.timeout) * time.Second
	} else if t := cfg.get("timeout"); t != "" {
		if n, err := strconv.Atoi(t); err == nil {
			d.Timeout = time.Duration(n) * time.Second
		}
	}
	opts.Connection = d

	forks := f.forks
	if forks == 0 {
		if n, err := strconv.Atoi(cfg.get("forks")); err == nil {
			forks = n
		}
	}
	ex := executor.Options{
		Forks: forks, Check: f.check, Diff: f.diff, Tags: f.tags, SkipTags: f.skipTags,
		Limit: f.limit, ExtraVars: opts.ExtraVars, StartAtTask: f.startAtTask, Verbosity: f.verbose,
		Become: f.become, BecomeUser: f.becomeUser, BecomeMethod: f.becomeMethod,
	}
	if cmd.Flags().Changed("force-handlers") {
		fh := f.forceHandlers
		ex.ForceHandlers = &fh
	}
	if f.askBecomePass {
		pw, err := askPassword(cmd.ErrOrStderr(), "BECOME password: ")
		if err != nil {
			return exitf(5, "reading the become password: %v", err)
		}
		ex.BecomePassword = pw
	}
	opts.Exec = ex

	out := cmd.OutOrStdout()
	loaded, err := runner.Load(opts, playbooks...)
	if err != nil {
		var pe *runner.ParseError
		if errors.As(err, &pe) {
			return exitf(4, "%v", err)
		}
		return exitf(1, "%v", err)
	}
	if f.syntaxCheck {
		for _, p := range playbooks {
			fmt.Fprintf(out, "\nplaybook: %s\n", p)
		}
		return nil
	}
	if f.listHosts || f.listTasks {
		return listPlaybooks(out, loaded, f)
	}

	var reps report.Multi
	switch f.output {
	case "text":
		reps = append(reps, report.NewText(out, f.verbose, f.diff))
	case "json":
		reps = append(reps, report.NewJSONLines(out))
	default:
		return exitf(5, "--output must be text or json, not %q", f.output)
	}
	if f.junit != "" {
		jf, err := os.Create(f.junit)
		if err != nil {
			return exitf(5, "--junit: %v", err)
		}
		defer jf.Close()
		reps = append(reps, report.NewJUnit(jf))
	}
	loaded.SetReporter(reps)

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stats, err := loaded.Run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return exitf(99, "interrupted")
		}
		return exitf(1, "%v", err)
	}
	if code := stats.ExitCode(); code != 0 {
		return &exitError{code: code, err: errors.New("")}
	}
	return nil
}

func firstSet(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func askPassword(w io.Writer, prompt string) (string, error) {
	fd := int(os.Stdin.Fd())
	fmt.Fprint(w, prompt)
	defer fmt.Fprintln(w)
	if term.IsTerminal(fd) {
		b, err := term.ReadPassword(fd)
		return string(b), err
	}
	var s string
	_, err := fmt.Fscanln(os.Stdin, &s)
	return s, err
}

// listPlaybooks prints --list-hosts / --list-tasks in ansible-playbook's
// shape.
func listPlaybooks(w io.Writer, l *runner.Loaded, f playFlags) error {
	for _, pb := range l.Playbooks {
		fmt.Fprintf(w, "\nplaybook: %s\n", pb.Path)
		for i, play := range pb.Plays {
			fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: [%s]\n", i+1, play.Hosts, play.Name, strings.Join(play.Tags, ","))
			if f.listHosts {
				hosts, err := l.PlayHosts(play, f.limit)
				if err != nil {
					return exitf(1, "%v", err)
				}
				fmt.Fprintf(w, "    pattern: ['%s']\n    hosts (%d):\n", play.Hosts, len(hosts))
				for _, h := range hosts {
					fmt.Fprintf(w, "      %s\n", h)
				}
			}
			if f.listTasks {
				fmt.Fprintln(w, "    tasks:")
				var walk func(ts []*playbook.Task)
				walk = func(ts []*playbook.Task) {
					for _, t := range ts {
						if t.IsBlock() {
							walk(t.Block)
							walk(t.Rescue)
							walk(t.Always)
							continue
						}
						if !executor.TagsSelected(t.Tags, f.tags, f.skipTags) {
							continue
						}
						fmt.Fprintf(w, "      %s\tTAGS: [%s]\n", t.DisplayName(), strings.Join(t.Tags, ", "))
					}
				}
				walk(play.PreTasks)
				for _, r := range play.Roles {
					walk(runnerRoleTasks(r))
				}
				walk(play.Tasks)
				walk(play.PostTasks)
			}
		}
	}
	return nil
}

func runnerRoleTasks(r *playbook.Role) []*playbook.Task {
	var out []*playbook.Task
	for _, d := range r.Deps {
		out = append(out, runnerRoleTasks(d)...)
	}
	return append(out, r.Tasks...)
}
