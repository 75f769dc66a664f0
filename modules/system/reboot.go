package system

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Reboot{}) }

// Reboot is the reboot module.
type Reboot struct{}

// Spec describes the reboot module.
func (Reboot) Spec() module.Spec {
	return module.Spec{
		Name:  "reboot",
		Short: "Reboot a host and wait until it is back",
		Doc: `Reboots the host and waits until it answers again from a new boot.

The boot is identified by boot_time_command (the kernel's random boot id by default), read before the reboot. The reboot command is started detached on the host (after pre_reboot_delay seconds), so the SSH session closing under it is not an error. hactl then polls over the host's connection, which redials by itself, until boot_time_command prints something new, waits post_reboot_delay seconds, and runs test_command until it succeeds, all within reboot_timeout seconds. In check mode nothing happens and a change is reported, as in Ansible. Refused on the local connection.`,
		Params: []module.Param{
			{Name: "pre_reboot_delay", Type: module.Int, Default: 0, Aliases: []string{"pre_reboot_delay_sec"}, Doc: "Seconds to wait before rebooting."},
			{Name: "post_reboot_delay", Type: module.Int, Default: 0, Aliases: []string{"post_reboot_delay_sec"}, Doc: "Seconds to wait once the host answers from its new boot."},
			{Name: "reboot_timeout", Type: module.Int, Default: 600, Aliases: []string{"reboot_timeout_sec"}, Doc: "Seconds to wait for the host to come back and pass test_command."},
			{Name: "connect_timeout", Type: module.Int, Aliases: []string{"connect_timeout_sec"}, Doc: "Seconds one poll may take (default 10)."},
			{Name: "test_command", Type: module.Str, Default: "whoami", Doc: "A command that must succeed after the reboot."},
			{Name: "msg", Type: module.Str, Default: "Reboot initiated by Ansible", Doc: "The message shutdown broadcasts."},
			{Name: "boot_time_command", Type: module.Str, Default: "cat /proc/sys/kernel/random/boot_id", Doc: "A command whose output changes with every boot."},
			{Name: "reboot_command", Type: module.Str, Doc: "The command that reboots (default: shutdown -r now MSG)."},
			{Name: "search_paths", Type: module.List, Elements: module.Str, Doc: "Accepted for compatibility; the reboot command is looked up in PATH."},
		},
		CheckMode: true,
		Examples: `- name: Reboot the nodes one by one after a kernel upgrade
  reboot:
    reboot_timeout: 300
    test_command: systemctl is-system-running --wait`,
		Returns: []module.ReturnValue{
			{Name: "rebooted", Type: module.Bool, Doc: "Whether the host rebooted."},
			{Name: "elapsed", Type: module.Int, Doc: "Seconds from the reboot command to the end of the checks."},
		},
	}
}

// rebootPoll is the pause between polls.
const rebootPoll = time.Second

// Run reboots the host.
func (Reboot) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	data := map[string]any{"rebooted": false, "elapsed": 0}
	if _, local := t.Conn.(*transport.Local); local {
		return module.Result{Failed: true, Msg: "Running reboot with local connection would reboot the control node.", Data: data}, nil
	}
	if t.Check {
		data["rebooted"] = true
		return module.Result{Changed: true, Data: data}, nil
	}
	for _, n := range []string{"pre_reboot_delay", "post_reboot_delay"} {
		if a.Int(n) < 0 {
			a[n] = 0
		}
	}
	pollTimeout := time.Duration(a.Int("connect_timeout")) * time.Second
	if pollTimeout <= 0 {
		pollTimeout = 10 * time.Second
	}
	bootCmd := a.String("boot_time_command")
	before, err := t.Conn.Run(ctx, bootCmd, transport.RunOpts{Timeout: pollTimeout})
	if err != nil || before.RC != 0 {
		msg := "reboot: failed to get host boot time info"
		if err != nil {
			msg += ": " + err.Error()
		} else {
			msg += fmt.Sprintf(", rc: %d, stdout: %s, stderr: %s", before.RC, before.Stdout, before.Stderr)
		}
		return module.Result{Failed: true, Msg: msg, Data: data}, nil
	}
	prev := strings.TrimSpace(string(before.Stdout))
	start := time.Now()
	elapsed := func() int { return int(time.Since(start).Seconds()) }
	cmd := a.String("reboot_command")
	if cmd == "" {
		cmd = "shutdown -r now " + transport.Quote(a.String("msg"))
	}
	// Detached, so the session ending under it does not matter.
	launch := fmt.Sprintf("nohup sh -c %s >/dev/null 2>&1 </dev/null &", transport.Quote(fmt.Sprintf("sleep %d; %s", max(a.Int("pre_reboot_delay"), 1), cmd)))
	res, err := t.Conn.Run(ctx, launch, transport.RunOpts{Timeout: pollTimeout})
	if err != nil || res.RC != 0 {
		data["elapsed"] = elapsed()
		out := ""
		if err != nil {
			out = err.Error()
		}
		return module.Result{Failed: true, Msg: fmt.Sprintf("Reboot command failed. Error was: '%s%s, %s'", out, strings.TrimSpace(string(res.Stdout)), strings.TrimSpace(string(res.Stderr))), Data: data}, nil
	}
	timeout := time.Duration(a.Int("reboot_timeout")) * time.Second
	deadline := start.Add(time.Duration(a.Int("pre_reboot_delay"))*time.Second + timeout)
	if err := waitUntil(ctx, deadline, func() bool {
		r, err := t.Conn.Run(ctx, bootCmd, transport.RunOpts{Timeout: pollTimeout})
		now := strings.TrimSpace(string(r.Stdout))
		return err == nil && r.RC == 0 && now != "" && now != prev
	}); err != nil {
		data["elapsed"], data["rebooted"] = elapsed(), true
		return module.Result{Failed: true, Msg: fmt.Sprintf("Timed out waiting for last boot time check (timeout=%d)", a.Int("reboot_timeout")), Data: data}, ctxErr(ctx)
	}
	if d := a.Int("post_reboot_delay"); d > 0 {
		select {
		case <-ctx.Done():
			return module.Result{}, fmt.Errorf("reboot: %w", ctx.Err())
		case <-time.After(time.Duration(d) * time.Second):
		}
		deadline = deadline.Add(time.Duration(d) * time.Second)
	}
	if err := waitUntil(ctx, deadline, func() bool {
		r, err := t.Conn.Run(ctx, a.String("test_command"), transport.RunOpts{Timeout: pollTimeout})
		return err == nil && r.RC == 0
	}); err != nil {
		data["elapsed"], data["rebooted"] = elapsed(), true
		return module.Result{Failed: true, Msg: fmt.Sprintf("Timed out waiting for post-reboot test command (timeout=%d)", a.Int("reboot_timeout")), Data: data}, ctxErr(ctx)
	}
	data["elapsed"], data["rebooted"] = elapsed(), true
	return module.Result{Changed: true, Data: data}, nil
}

// waitUntil polls ok until it is true or the deadline passes.
func waitUntil(ctx context.Context, deadline time.Time, ok func() bool) error {
	for {
		if ok() {
			return nil
		}
		if time.Now().Add(rebootPoll).After(deadline) {
			return fmt.Errorf("timed out")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rebootPoll):
		}
	}
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	return nil
}
