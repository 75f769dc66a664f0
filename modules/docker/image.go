package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// sourceLabel is the label docker_image puts on imported images: the
// SHA-256 of the tarball and the changes, so a re-run can tell whether
// the image came from the same input.
const sourceLabel = "io.hactl.source"

// imageInfo is the part of `docker image inspect` the modules read.
type imageInfo struct {
	ID          string   `json:"Id"`
	RepoTags    []string `json:"RepoTags"`
	RepoDigests []string `json:"RepoDigests"`
	Config      struct {
		Labels     map[string]string   `json:"Labels"`
		Env        []string            `json:"Env"`
		Cmd        []string            `json:"Cmd"`
		Entrypoint []string            `json:"Entrypoint"`
		Volumes    map[string]struct{} `json:"Volumes"`
	} `json:"Config"`
}

func (i *imageInfo) summary() map[string]any {
	if i == nil {
		return map[string]any{}
	}
	return map[string]any{"Id": i.ID, "RepoTags": anyList(i.RepoTags), "RepoDigests": anyList(i.RepoDigests)}
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// inspectImage returns the image ref names, or nil when absent.
func inspectImage(ctx context.Context, c transport.Conn, ref string) (*imageInfo, error) {
	var info imageInfo
	found, err := inspectJSON(ctx, c, "image", ref, &info)
	if err != nil || !found {
		return nil, err
	}
	return &info, nil
}

// imageRun is one docker_image task.
type imageRun struct {
	t       *module.Target
	a       module.Args
	ref     string
	tag     string
	img     *imageInfo
	changed bool
	actions []string
}

func (r *imageRun) did(format string, args ...any) {
	r.changed = true
	r.actions = append(r.actions, fmt.Sprintf(format, args...))
}

// Run implements module.Module.
func (Image) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	repo, tag, digest := splitRef(a.String("name"), a.String("tag"))
	ref := repo + ":" + tag
	if digest {
		ref = repo + "@" + tag
	}
	if repo == "" {
		return module.Failf("docker_image: name %q has no repository", a.String("name")), nil
	}
	r := &imageRun{t: t, a: a, ref: ref, tag: tag}
	var err error
	if r.img, err = inspectImage(ctx, t.Conn, ref); err != nil {
		return module.Result{}, err
	}
	if a.String("state") == "absent" {
		err = r.absent(ctx)
	} else {
		err = r.present(ctx)
	}
	if err != nil {
		return module.Result{}, err
	}
	res := module.Result{Changed: r.changed, Data: map[string]any{"image": r.img.summary(), "actions": anyList(r.actions)}}
	if r.changed {
		res.Msg = strings.Join(r.actions, "; ")
		if t.Diff {
			res.Diff = []module.FileDiff{{BeforeHeader: ref, AfterHeader: ref, Before: "", After: strings.Join(r.actions, "\n") + "\n"}}
		}
	}
	return res, nil
}

func (r *imageRun) absent(ctx context.Context) error {
	if r.img == nil {
		return nil
	}
	r.did("removed %s", r.ref)
	if r.t.Check {
		return nil
	}
	cmd := "docker image rm "
	if r.a.Bool("force_absent") {
		cmd += "--force "
	}
	if _, err := dockerRun(ctx, r.t.Conn, "docker image rm "+r.ref, cmd+transport.Quote(r.ref), transport.RunOpts{}); err != nil {
		return err
	}
	img, err := inspectImage(ctx, r.t.Conn, r.ref)
	if err != nil {
		return err
	}
	if img != nil {
		return fmt.Errorf("docker image rm %s: the image is still there", r.ref)
	}
	r.img = nil
	return nil
}

func (r *imageRun) present(ctx context.Context) error {
	var err error
	switch r.a.String("source") {
	case "import":
		err = r.importImage(ctx)
	case "load":
		err = r.loadImage(ctx)
	case "pull":
		err = r.pull(ctx)
	default:
		if r.img == nil {
			return fmt.Errorf("image %s is not on the host; give source import, load or pull to get it", r.ref)
		}
	}
	if err != nil {
		return err
	}
	if err := r.tagAs(ctx); err != nil {
		return err
	}
	if r.a.Bool("push") {
		return r.push(ctx)
	}
	return nil
}

// refresh re-reads the image after a change (not in check mode).
func (r *imageRun) refresh(ctx context.Context) error {
	img, err := inspectImage(ctx, r.t.Conn, r.ref)
	if err != nil {
		return err
	}
	if img == nil {
		return fmt.Errorf("image %s is missing after the change", r.ref)
	}
	r.img = img
	return nil
}

func (r *imageRun) pull(ctx context.Context) error {
	if r.img != nil && !r.a.Bool("force_source") {
		return nil
	}
	if r.t.Check {
		if r.img == nil {
			r.did("pulled %s", r.ref)
		}
		return nil
	}
	before := ""
	if r.img != nil {
		before = r.img.ID
	}
	if _, err := dockerRun(ctx, r.t.Conn, "docker pull "+r.ref, "docker pull -q "+transport.Quote(r.ref), transport.RunOpts{}); err != nil {
		return err
	}
	if err := r.refresh(ctx); err != nil {
		return err
	}
	if r.img.ID != before {
		r.did("pulled %s", r.ref)
	}
	return nil
}

// tagAs gives the image its repository name.
func (r *imageRun) tagAs(ctx context.Context) error {
	dst := r.a.String("repository")
	if dst == "" {
		return nil
	}
	repo, tag, digest := splitRef(dst, r.tag)
	if digest {
		return fmt.Errorf("repository %q: a digest cannot be a tag", dst)
	}
	dst = repo + ":" + tag
	cur, err := inspectImage(ctx, r.t.Conn, dst)
	if err != nil {
		return err
	}
	if cur != nil && r.img != nil && cur.ID == r.img.ID && !(r.t.Check && r.changed) {
		return nil
	}
	r.did("tagged %s as %s", r.ref, dst)
	if r.t.Check {
		return nil
	}
	_, err = dockerRun(ctx, r.t.Conn, "docker tag", "docker tag "+transport.Quote(r.ref)+" "+transport.Quote(dst), transport.RunOpts{})
	return err
}

// contentKey identifies an import's input.
func contentKey(tarSum string, changes []string) string {
	h := sha256.Sum256([]byte(tarSum + "\n" + strings.Join(changes, "\n")))
	return hex.EncodeToString(h[:])
}
