package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// ErrNotSupported is returned when the machine cannot run a lab: not Linux,
// or not root.
var ErrNotSupported = errors.New("the local lab needs root on Linux")

// CheckHost reports whether this process can run labs: Linux, root, and the
// tools the lab drives (ip, systemd-nspawn, debootstrap, tar, zstd, nsenter).
func CheckHost() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%w: this is %s", ErrNotSupported, runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: running as uid %d (try sudo)", ErrNotSupported, os.Geteuid())
	}
	var missing []string
	for _, tool := range []string{"ip", "systemd-nspawn", "debootstrap", "tar", "zstd", "nsenter", "mount", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing tools %s (apt-get install debootstrap systemd-container iproute2 zstd util-linux)",
			ErrNotSupported, strings.Join(missing, ", "))
	}
	return nil
}

// run executes name with args and returns its standard output. A failure
// carries the command line and its standard error.
func run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLines(msg, 5))
	}
	return stdout.String(), nil
}

// lastLines keeps the last n lines of s, which is where tools put the reason.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
