package fakeconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// NewShell returns a Conn whose Run executes commands for real with
// /bin/sh -c on this machine, still recording every call. Put, Get and Stat
// stay in memory.
func NewShell() *Conn {
	c := New()
	c.Handler = RunShell
	return c
}

// RunShell executes one call with /bin/sh -c, honouring Dir, Env and Stdin.
func RunShell(call Call) (transport.Result, error) {
	cmd := exec.CommandContext(context.Background(), "/bin/sh", "-c", call.Cmd)
	cmd.Dir = call.Opts.Dir
	cmd.Env = os.Environ()
	for k, v := range call.Opts.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(call.Stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return transport.Result{RC: ee.ExitCode(), Stdout: out.Bytes(), Stderr: errb.Bytes()}, nil
	case err != nil:
		return transport.Result{}, fmt.Errorf("local sh: %w", err)
	}
	return transport.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}, nil
}
