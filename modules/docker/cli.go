package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// dockerRun runs a docker command line (already quoted) and fails on a
// non-zero exit with the first line docker printed.
func dockerRun(ctx context.Context, c transport.Conn, what, cmd string, opts transport.RunOpts) (string, error) {
	out, err := hostcmd.Run(ctx, c, what, cmd, opts)
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		return out.Stdout, fmt.Errorf("%s: exit status %d: %s", what, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return out.Stdout, nil
}

// inspectJSON runs `docker <kind> inspect` on one reference and decodes
// the first element into v. found is false when docker does not know the
// object; any other failure is an error.
func inspectJSON(ctx context.Context, c transport.Conn, kind, ref string, v any) (found bool, err error) {
	cmd := "docker " + kind + " inspect --format '{{json .}}' " + transport.Quote(ref)
	out, err := hostcmd.Run(ctx, c, "docker "+kind+" inspect "+ref, cmd, transport.RunOpts{})
	if err != nil {
		return false, err
	}
	if out.RC != 0 {
		if out.RC == 127 {
			return false, fmt.Errorf("docker is not installed on the host (docker: command not found)")
		}
		if strings.Contains(strings.ToLower(out.Stderr+out.Stdout), "no such") {
			return false, nil
		}
		return false, fmt.Errorf("docker %s inspect %s: exit status %d: %s", kind, ref, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	line := hostcmd.FirstLine(out.Stdout)
	if err := json.Unmarshal([]byte(line), v); err != nil {
		return false, fmt.Errorf("docker %s inspect %s: decode: %w", kind, ref, err)
	}
	return true, nil
}

// splitRef splits an image reference into repository and tag. A digest
// reference (repo@sha256:…) returns the digest as tag with digest true.
// The tag defaults to def when the reference has none.
func splitRef(ref, def string) (repo, tag string, digest bool) {
	if r, d, ok := strings.Cut(ref, "@"); ok {
		return r, d, true
	}
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[:colon], ref[colon+1:], false
	}
	return ref, def, false
}

// registryHost returns the registry part of a repository ("" for Docker
// Hub names): the first path component when it looks like a host.
func registryHost(repo string) string {
	first, _, ok := strings.Cut(repo, "/")
	if !ok {
		return ""
	}
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		return first
	}
	return ""
}

// stringList reads a list argument that may also be given as one string.
func stringList(a module.Args, name string) []string {
	if s, ok := a[name].(string); ok {
		return []string{s}
	}
	return a.Strings(name)
}
