package docker

import (
	"context"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// manifestAccept lists the manifest media types a digest HEAD asks for,
// so the registry answers with the digest docker push recorded.
func manifestAccept() []string {
	return []string{
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.oci.image.index.v1+json",
	}
}

// remoteDigest asks the registry of repo, from the host, which manifest
// digest it serves for tag. known is false when the answer could not be
// had (no registry host, authentication required, unreachable); digest
// is "" when the registry answered that the tag does not exist.
func remoteDigest(ctx context.Context, c transport.Conn, repo, tag string) (digest string, known bool, err error) {
	host := registryHost(repo)
	if host == "" {
		return "", false, nil
	}
	name := strings.TrimPrefix(repo, host+"/")
	var hdr strings.Builder
	for _, a := range manifestAccept() {
		hdr.WriteString(" -H " + transport.Quote("Accept: "+a))
	}
	script := `for s in https http; do
  if out=$(curl -ksS --max-time 15 -o /dev/null -D - -I` + hdr.String() + ` "$s://"` + transport.Quote(host+"/v2/"+name+"/manifests/"+tag) + ` 2>/dev/null); then printf '%s' "$out"; exit 0; fi
done
exit 1`
	out, err := hostcmd.Run(ctx, c, "ask the registry "+host+" for "+name+":"+tag, script, transport.RunOpts{})
	if err != nil {
		return "", false, err
	}
	if out.RC != 0 {
		return "", false, nil
	}
	status, headers := parseHeaders(out.Stdout)
	switch status {
	case 200:
		d := headers.Get("Docker-Content-Digest")
		return d, d != "", nil
	case 404:
		return "", true, nil
	}
	return "", false, nil
}

// parseHeaders reads the status code and headers of the last response
// curl -D printed.
func parseHeaders(raw string) (int, textproto.MIMEHeader) {
	h := textproto.MIMEHeader{}
	status := 0
	for line := range strings.SplitSeq(raw, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "HTTP/") {
			h = textproto.MIMEHeader{}
			fields := strings.Fields(line)
			if len(fields) > 1 {
				_, _ = fmt.Sscanf(fields[1], "%d", &status)
			}
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return status, h
}

// hasDigest reports whether the image's repo digests record digest for
// repo.
func (i *imageInfo) hasDigest(repo, digest string) bool {
	if i == nil || digest == "" {
		return false
	}
	for _, d := range i.RepoDigests {
		if d == repo+"@"+digest {
			return true
		}
	}
	return false
}

func (r *imageRun) push(ctx context.Context) error {
	ref := r.ref
	if dst := r.a.String("repository"); dst != "" {
		repo, tag, _ := splitRef(dst, r.tag)
		ref = repo + ":" + tag
	}
	repo, tag, digest := splitRef(ref, r.tag)
	if digest {
		return fmt.Errorf("push %s: push a tag, not a digest", ref)
	}
	remote, known, err := remoteDigest(ctx, r.t.Conn, repo, tag)
	if err != nil {
		return err
	}
	upToDate := known && !(r.t.Check && r.changed) && r.img.hasDigest(repo, remote)
	if r.changed && !r.t.Check {
		// A fresh import, load or tag: the local digests say nothing yet.
		img, err := inspectImage(ctx, r.t.Conn, ref)
		if err != nil {
			return err
		}
		upToDate = known && img.hasDigest(repo, remote)
	}
	if upToDate {
		return nil
	}
	if r.t.Check {
		r.did("pushed %s", ref)
		return nil
	}
	out, err := dockerRun(ctx, r.t.Conn, "docker push "+ref, "docker push "+transport.Quote(ref), transport.RunOpts{})
	if err != nil {
		return err
	}
	after, known2, err := remoteDigest(ctx, r.t.Conn, repo, tag)
	if err != nil {
		return err
	}
	img, err := inspectImage(ctx, r.t.Conn, ref)
	if err != nil {
		return err
	}
	switch {
	case known2 && img.hasDigest(repo, after):
		if after != remote {
			r.did("pushed %s (%s)", ref, after)
		}
	case known2:
		return fmt.Errorf("docker push %s: the registry serves %s, which the image does not record", ref, after)
	case strings.Contains(out, "Pushed"):
		r.did("pushed %s", ref)
	}
	return nil
}
