// Command hactl runs Ansible-style playbooks over SSH, brings up the local
// HA lab, and documents its modules.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit code (ansible-playbook's codes) out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitf returns an error that makes hactl exit with code after printing msg.
func exitf(code int, format string, a ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, a...)}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "hactl",
		Short:         "Agentless, Ansible-compatible configuration of highly-available Linux stacks",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCmd(),
		newPlayCmd(),
		newDocCmd(),
		newInventoryCmd(),
		newTemplateCmd(),
		newLabCmd(),
	)
	return root
}

func main() {
	err := newRootCmd().Execute()
	if err == nil {
		return
	}
	code := 5 // bad options, as ansible-playbook
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if err.Error() != "" {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
	}
	os.Exit(code)
}
