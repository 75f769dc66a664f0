package swarm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// registryDigest asks the manager's dockerd which manifest digest the
// registry serves for ref — the same question docker service create and
// update ask when they pin an image (GET /distribution/REF/json on the
// engine's socket, so insecure-registries and mirrors apply as they do
// for Docker).
func registryDigest(ctx context.Context, c transport.Conn, ref string) (string, error) {
	script := "curl -sS --max-time 30 --unix-socket /var/run/docker.sock -w '\\n%{http_code}' " +
		transport.Quote("http://localhost/distribution/"+ref+"/json")
	out, err := hostcmd.Run(ctx, c, "resolve "+ref, script, transport.RunOpts{Timeout: time.Minute})
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		return "", fmt.Errorf("resolve %s through dockerd: exit status %d: %s", ref, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return parseDistribution(ref, out.Stdout)
}

// parseDistribution reads the engine's answer: a JSON body, then the HTTP
// status on the last line.
func parseDistribution(ref, out string) (string, error) {
	out = strings.TrimRight(out, "\n")
	i := strings.LastIndex(out, "\n")
	if i < 0 {
		return "", fmt.Errorf("resolve %s through dockerd: no answer", ref)
	}
	body, status := out[:i], strings.TrimSpace(out[i+1:])
	var v struct {
		Descriptor struct {
			Digest string `json:"digest"`
		} `json:"Descriptor"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return "", fmt.Errorf("resolve %s through dockerd: HTTP %s: %s", ref, status, hostcmd.FirstLine(body))
	}
	if status != "200" || v.Descriptor.Digest == "" {
		return "", fmt.Errorf("resolve %s through dockerd: HTTP %s: %s", ref, status, v.Message)
	}
	return v.Descriptor.Digest, nil
}

// resolveChange compares the digest the registry serves for the declared
// tag with the digest the service pinned, for resolve_image. It returns
// nil when they agree, when the task names a digest itself (compared
// already), or when the image differs anyway.
func resolveChange(ctx context.Context, c transport.Conn, want string, cur svcCurrent) (*svcChange, error) {
	if _, _, wd := splitImage(want); wd != "" || !sameImage(want, cur.Image) {
		return nil, nil
	}
	dg, err := registryDigest(ctx, c, want)
	if err != nil {
		return nil, err
	}
	if _, _, hd := splitImage(cur.Image); hd == dg {
		return nil, nil
	}
	return &svcChange{Option: "image", Before: cur.Image, After: want + "@" + dg, Flags: []string{"--image", want}}, nil
}
