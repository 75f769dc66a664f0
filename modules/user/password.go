package user

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// setHash writes the password hash with chpasswd -e, the hash on stdin.
func setHash(ctx context.Context, t *module.Target, name, hash string) error {
	if strings.ContainsAny(hash, ":\n") {
		return fmt.Errorf("user: the password hash holds a colon or a newline")
	}
	out, err := hostcmd.Run(ctx, t.Conn, "user: set password", "chpasswd -e", transport.RunOpts{Stdin: strings.NewReader(name + ":" + hash + "\n")})
	if err != nil {
		return err
	}
	if out.RC != 0 {
		return fmt.Errorf("user: chpasswd -e failed: %s", hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return nil
}
