package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hactl/hactl/pkg/lab"
)

// newLabCmd is `hactl lab`: the local lab's life cycle, access and faults.
func newLabCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the local lab: real Debian hosts in network namespaces on this machine",
		Long: `The local lab boots every host of a lab directory's inventory as a
systemd-nspawn container with its own address in 10.77.0.0/24, its own sshd and
the HA software preinstalled. It needs root on Linux.`,
	}
	cmd.AddCommand(
		newLabUpCmd(), newLabDownCmd(), newLabStatusCmd(), newLabSSHCmd(), newLabExecCmd(),
		newLabInventoryCmd(), newLabImageCmd(),
		newLabVerifyCmd(),
		newLabFaultCmd("stop", "Power a host off cleanly", func(ctx context.Context, dir, host string, o lab.Options) error {
			return lab.Stop(ctx, dir, host, o)
		}),
		newLabFaultCmd("start", "Power a stopped or killed host on and wait for SSH", lab.Start),
		newLabFaultCmd("kill", "Pull a host's plug (SIGKILL, no shutdown)", lab.Kill),
		newLabFaultCmd("cut", "Isolate a host from the network", func(ctx context.Context, dir, host string, _ lab.Options) error {
			return lab.Cut(ctx, dir, host)
		}),
		newLabFaultCmd("heal", "Reconnect a host cut from the network", func(ctx context.Context, dir, host string, _ lab.Options) error {
			return lab.Heal(ctx, dir, host)
		}),
	)
	return cmd
}

// labContext is cancelled by SIGINT/SIGTERM so that a lab command stops
// waiting and cleans up.
func labContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// labErr maps a lab error to an exit code: 1, and 99 when interrupted.
func labErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return exitf(99, "interrupted: %v", err)
	}
	return exitf(1, "%v", err)
}

// checkLabHost fails early and clearly on machines that cannot run labs.
func checkLabHost() error {
	if err := lab.CheckHost(); err != nil {
		return exitf(1, "%v", err)
	}
	return nil
}

func newLabUpCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "up DIR",
		Short: "Bring a lab up; returns once every host answers SSH",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			ctx, cancel := labContext()
			defer cancel()
			st, err := lab.Up(ctx, args[0], lab.Options{Log: cmd.ErrOrStderr(), SSHTimeout: timeout})
			if err != nil {
				return labErr(ctx, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "lab %s: %d hosts up; hactl lab status %s\n", st.Name, len(st.Hosts), args[0])
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "ssh-timeout", 90*time.Second, "how long to wait for the hosts to answer SSH")
	return cmd
}

func newLabDownCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "down DIR",
		Short: "Remove everything a lab made (hosts, mounts, network, state)",
		Args: func(cmd *cobra.Command, args []string) error {
			if name != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			ctx, cancel := labContext()
			defer cancel()
			o := lab.Options{Log: cmd.ErrOrStderr()}
			var err error
			if name != "" {
				err = lab.DownName(ctx, name, o)
			} else {
				err = lab.Down(ctx, args[0], o)
			}
			return labErr(ctx, err)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "remove the lab with this name (when its directory is gone)")
	return cmd
}

func newLabStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status DIR",
		Short: "Show each host's address, state and systemd-nspawn PID",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hosts, err := lab.Status(args[0])
			if err != nil {
				return exitf(1, "%v", err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "HOST\tADDRESS\tSTATE\tPID")
			for _, h := range hosts {
				pid := "-"
				if h.PID > 0 {
					pid = fmt.Sprint(h.PID)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Name, h.Address, h.State, pid)
			}
			return w.Flush()
		},
	}
}

func newLabSSHCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ssh DIR HOST [COMMAND...]",
		Short: "Log into a host with the system ssh client, the lab key and strict host key checking",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sshArgs, err := lab.SSHArgs(args[0], args[1])
			if err != nil {
				return exitf(1, "%v", err)
			}
			path, err := exec.LookPath("ssh")
			if err != nil {
				return exitf(1, "the ssh client is not installed: %v", err)
			}
			argv := append(append([]string{"ssh"}, sshArgs...), args[2:]...)
			if err := syscall.Exec(path, argv, os.Environ()); err != nil {
				return exitf(1, "exec ssh: %v", err)
			}
			return nil
		},
	}
}

func newLabExecCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "exec DIR HOST -- COMMAND...",
		Short: "Run a command inside a host (no SSH needed); its exit code is passed through",
		Args:  cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			ctx, cancel := labContext()
			defer cancel()
			c, err := lab.Command(ctx, args[0], args[1], args[2:]...)
			if err != nil {
				return exitf(1, "%v", err)
			}
			c.Stdin, c.Stdout, c.Stderr = os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr()
			err = c.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return &exitError{code: ee.ExitCode(), err: errors.New("")}
			}
			if err != nil {
				return exitf(1, "%v", err)
			}
			return nil
		},
	}
}

func newLabInventoryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inventory DIR",
		Short: "Print an INI inventory that reaches the running lab (for ansible-playbook)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ini, err := lab.InventoryINI(args[0])
			if err != nil {
				return exitf(1, "%v", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), ini)
			return nil
		},
	}
}

// newLabFaultCmd makes one of the per-host fault commands.
func newLabFaultCmd(use, short string, f func(context.Context, string, string, lab.Options) error) *cobra.Command {
	return &cobra.Command{
		Use:   use + " DIR HOST",
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLabHost(); err != nil {
				return err
			}
			ctx, cancel := labContext()
			defer cancel()
			return labErr(ctx, f(ctx, args[0], args[1], lab.Options{Log: cmd.ErrOrStderr()}))
		},
	}
}
