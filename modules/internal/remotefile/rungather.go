package remotefile

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// RunGather runs script and, when it gets to its end, reads the state of
// the queried paths in the same command: a change and the state it left
// cost one round trip. The script must not print lines starting with
// "@@hactl" or "umask" and must end with a failing exit status when it
// fails (a non-zero RC returns the Result and no states). A script that
// exits 0 early is reported as an error, since no state was read.
func RunGather(ctx context.Context, c transport.Conn, script string, qs []Query) ([]State, transport.Result, error) {
	gather, err := QueriesScript(qs)
	if err != nil {
		return nil, transport.Result{}, err
	}
	res, err := c.Run(ctx, script+"\n"+gather, transport.RunOpts{})
	if err != nil || res.RC != 0 {
		return nil, res, err
	}
	sts, err := parseAfter(qs, res.Stdout)
	return sts, res, err
}

// parseAfter decodes the records a script ending with QueriesScript
// printed, and fails when the last record is missing (the script ended
// before its gather part).
func parseAfter(qs []Query, out []byte) ([]State, error) {
	last := "@@hactl " + strconv.Itoa(len(qs)-1) + "\n"
	if !bytes.HasPrefix(out, []byte(last)) && !bytes.Contains(out, []byte("\n"+last)) {
		return nil, fmt.Errorf("read state of %s: the command ended before printing it", strings.Join(queryPaths(qs), ", "))
	}
	return ParseGather(queryPaths(qs), out)
}
