package docker

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// tarball is the input of an import or a load: on the host already, or
// on the controller (uploaded only when needed).
type tarball struct {
	remote string // path on the host
	local  string // path on the controller
	tmp    bool   // remote is a temporary upload to remove
}

func (r *imageRun) tarball() (tarball, error) {
	if src := r.a.String("src"); src != "" {
		p, err := r.t.FindFile("files", src)
		if err != nil {
			return tarball{}, fmt.Errorf("src: %w", err)
		}
		return tarball{local: p}, nil
	}
	if p := r.a.String("import_path"); p != "" {
		return tarball{remote: p}, nil
	}
	return tarball{remote: r.a.String("load_path")}, nil
}

// sum returns the SHA-256 of the tarball, read where it is.
func (tb tarball) sum(ctx context.Context, c transport.Conn) (string, error) {
	if tb.local != "" {
		f, err := os.Open(tb.local)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", tb.local, err)
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("read %s: %w", tb.local, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	out, err := hostcmd.Must(ctx, c, "checksum "+tb.remote, "sha256sum < "+transport.Quote(tb.remote))
	if err != nil {
		return "", err
	}
	sum, _, _ := strings.Cut(strings.TrimSpace(out), " ")
	if len(sum) != 64 {
		return "", fmt.Errorf("checksum %s: unexpected output %q", tb.remote, out)
	}
	return sum, nil
}

// upload puts a controller tarball on the host under /tmp.
func (tb *tarball) upload(ctx context.Context, c transport.Conn) error {
	if tb.local == "" || tb.remote != "" {
		return nil
	}
	f, err := os.Open(tb.local)
	if err != nil {
		return fmt.Errorf("read %s: %w", tb.local, err)
	}
	defer f.Close()
	dst := "/tmp/.hactl-image-" + hostcmd.Marker() + ".tar"
	if err := c.Put(ctx, dst, f, 0o600); err != nil {
		return fmt.Errorf("upload %s: %w", path.Base(tb.local), err)
	}
	tb.remote, tb.tmp = dst, true
	return nil
}

func (tb tarball) cleanup(ctx context.Context, c transport.Conn) {
	if tb.tmp {
		_, _ = c.Run(context.WithoutCancel(ctx), "rm -f "+transport.Quote(tb.remote), transport.RunOpts{})
	}
}

func (r *imageRun) importImage(ctx context.Context) error {
	tb, err := r.tarball()
	if err != nil {
		return err
	}
	sum, err := tb.sum(ctx, r.t.Conn)
	if err != nil {
		return err
	}
	changes := r.a.Strings("changes")
	key := contentKey(sum, changes)
	if r.img != nil && r.img.Config.Labels[sourceLabel] == key && !r.a.Bool("force_source") {
		return nil
	}
	r.did("imported %s from a tarball (sha256 %s)", r.ref, sum[:12])
	if r.t.Check {
		return nil
	}
	if err := tb.upload(ctx, r.t.Conn); err != nil {
		return err
	}
	defer tb.cleanup(ctx, r.t.Conn)
	args := []string{"docker", "import"}
	for _, ch := range changes {
		args = append(args, "--change", ch)
	}
	args = append(args, "--change", "LABEL "+sourceLabel+"="+key, tb.remote, r.ref)
	if _, err := dockerRun(ctx, r.t.Conn, "docker import "+r.ref, transport.QuoteArgs(args), transport.RunOpts{}); err != nil {
		return err
	}
	if err := r.refresh(ctx); err != nil {
		return err
	}
	if r.img.Config.Labels[sourceLabel] != key {
		return fmt.Errorf("docker import %s: the new image does not carry the source label", r.ref)
	}
	return nil
}

// archiveManifest is one entry of a docker save archive's manifest.json.
type archiveManifest struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
}

// configID turns the manifest's config path into an image ID.
func (m archiveManifest) configID() string {
	base := path.Base(m.Config)
	base = strings.TrimSuffix(base, ".json")
	if len(base) != 64 {
		return ""
	}
	return "sha256:" + base
}

func parseArchiveManifest(data []byte) (archiveManifest, error) {
	var ms []archiveManifest
	if err := json.Unmarshal(data, &ms); err != nil {
		return archiveManifest{}, fmt.Errorf("manifest.json: %w", err)
	}
	if len(ms) != 1 {
		return archiveManifest{}, fmt.Errorf("manifest.json lists %d images; docker_image loads archives of exactly one", len(ms))
	}
	if ms[0].configID() == "" {
		return archiveManifest{}, fmt.Errorf("manifest.json: config %q is not a sha256 digest", ms[0].Config)
	}
	return ms[0], nil
}

// manifest reads manifest.json from the archive.
func (tb tarball) manifest(ctx context.Context, c transport.Conn) (archiveManifest, error) {
	if tb.local != "" {
		f, err := os.Open(tb.local)
		if err != nil {
			return archiveManifest{}, fmt.Errorf("read %s: %w", tb.local, err)
		}
		defer f.Close()
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return archiveManifest{}, fmt.Errorf("%s: no manifest.json (not a docker save archive)", tb.local)
			}
			if err != nil {
				return archiveManifest{}, fmt.Errorf("read %s: %w", tb.local, err)
			}
			if path.Clean(h.Name) == "manifest.json" {
				data, err := io.ReadAll(io.LimitReader(tr, 1<<20))
				if err != nil {
					return archiveManifest{}, fmt.Errorf("read %s: %w", tb.local, err)
				}
				return parseArchiveManifest(data)
			}
		}
	}
	out, err := hostcmd.Must(ctx, c, "read manifest.json of "+tb.remote, "tar -xOf "+transport.Quote(tb.remote)+" manifest.json")
	if err != nil {
		return archiveManifest{}, err
	}
	return parseArchiveManifest([]byte(out))
}

func (r *imageRun) loadImage(ctx context.Context) error {
	tb, err := r.tarball()
	if err != nil {
		return err
	}
	m, err := tb.manifest(ctx, r.t.Conn)
	if err != nil {
		return err
	}
	want := m.configID()
	if r.img != nil && r.img.ID == want && !r.a.Bool("force_source") {
		return nil
	}
	r.did("loaded %s (%s)", r.ref, want[7:19])
	if r.t.Check {
		return nil
	}
	if err := tb.upload(ctx, r.t.Conn); err != nil {
		return err
	}
	defer tb.cleanup(ctx, r.t.Conn)
	if _, err := dockerRun(ctx, r.t.Conn, "docker load", "docker load -q -i "+transport.Quote(tb.remote), transport.RunOpts{}); err != nil {
		return err
	}
	if !slices.Contains(m.RepoTags, r.ref) {
		if _, err := dockerRun(ctx, r.t.Conn, "docker tag", "docker tag "+transport.Quote(want)+" "+transport.Quote(r.ref), transport.RunOpts{}); err != nil {
			return err
		}
	}
	if err := r.refresh(ctx); err != nil {
		return err
	}
	if r.img.ID != want {
		return fmt.Errorf("docker load: %s is %s, the archive holds %s", r.ref, r.img.ID, want)
	}
	return nil
}
