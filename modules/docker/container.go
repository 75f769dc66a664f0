package docker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// containerRun is one docker_container task.
type containerRun struct {
	t       *module.Target
	a       module.Args
	name    string
	cur     *containerInfo
	changed bool
	actions []string
	drift   []string
	before  string // the container's status before the task ("" when absent)
}

func (r *containerRun) did(format string, args ...any) {
	r.changed = true
	r.actions = append(r.actions, fmt.Sprintf(format, args...))
}

// pullMode reads the pull argument: missing, always or never.
func pullMode(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "missing", nil
	case string:
		switch x {
		case "missing", "always", "never":
			return x, nil
		}
	}
	b, err := module.ParseBool(v)
	if err != nil {
		return "", fmt.Errorf("pull: %v is not missing, always, never or a boolean", v)
	}
	if b {
		return "always", nil
	}
	return "missing", nil
}

func inspectContainer(ctx context.Context, c transport.Conn, name string) (*containerInfo, error) {
	var info containerInfo
	found, err := inspectJSON(ctx, c, "container", name, &info)
	if err != nil || !found {
		return nil, err
	}
	return &info, nil
}

// Run implements module.Module.
func (Container) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	pull, err := pullMode(a["pull"])
	if err != nil {
		return module.Failf("docker_container: %v", err), nil
	}
	w, err := parseWant(a)
	if err != nil {
		return module.Failf("docker_container: %v", err), nil
	}
	r := &containerRun{t: t, a: a, name: a.String("name")}
	if r.cur, err = inspectContainer(ctx, t.Conn, r.name); err != nil {
		return module.Result{}, err
	}
	if r.cur != nil {
		r.before = r.cur.State.Status
	}
	if err := r.converge(ctx, w, pull); err != nil {
		return module.Result{}, err
	}
	res := module.Result{Changed: r.changed, Data: map[string]any{
		"container": r.cur.summary(), "drift": anyList(r.drift), "actions": anyList(r.actions),
	}}
	if r.changed {
		res.Msg = strings.Join(r.actions, "; ")
		if t.Diff {
			before := "state: absent\n"
			switch {
			case len(r.drift) > 0:
				before = "drifted: " + strings.Join(r.drift, ", ") + "\n"
			case r.before != "":
				before = "state: " + r.before + "\n"
			}
			res.Diff = []module.FileDiff{{BeforeHeader: "container " + r.name, AfterHeader: "container " + r.name,
				Before: before, After: strings.Join(r.actions, "\n") + "\n"}}
		}
	}
	return res, nil
}

func (r *containerRun) converge(ctx context.Context, w want, pull string) error {
	state := r.a.String("state")
	if state == "absent" {
		if r.cur == nil {
			return nil
		}
		r.did("removed container %s", r.name)
		if r.t.Check {
			return nil
		}
		if _, err := dockerRun(ctx, r.t.Conn, "docker rm "+r.name, "docker rm -f "+transport.Quote(r.name), transport.RunOpts{}); err != nil {
			return err
		}
		r.cur = nil
		return nil
	}
	ref := r.a.String("image")
	if ref == "" && r.cur == nil {
		return fmt.Errorf("container %s does not exist and no image was given to create it", r.name)
	}
	var img *imageInfo
	imageID := ""
	if ref != "" {
		var err error
		if img, err = r.image(ctx, ref, pull); err != nil {
			return err
		}
		if img != nil {
			imageID = img.ID
		}
	}
	recreate := false
	if r.cur != nil && ref != "" {
		r.drift = drift(r.cur, w, imageID, img)
		recreate = len(r.drift) > 0 || r.a.Bool("recreate")
	}
	switch {
	case r.cur == nil || recreate:
		verb := "created"
		if recreate {
			verb = "recreated"
		}
		r.did("%s container %s", verb, r.name)
		if state == "started" {
			r.did("started container %s", r.name)
		}
		if r.t.Check {
			return nil
		}
		return r.create(ctx, ref, w, recreate, state == "started")
	case state == "started" && !r.cur.State.Running:
		r.did("started container %s", r.name)
		if r.t.Check {
			return nil
		}
		return r.start(ctx, "start")
	case state == "started" && r.a.Bool("restart"):
		r.did("restarted container %s", r.name)
		if r.t.Check {
			return nil
		}
		return r.start(ctx, "restart")
	case state == "stopped" && r.cur.State.Running:
		r.did("stopped container %s", r.name)
		if r.t.Check {
			return nil
		}
		if _, err := dockerRun(ctx, r.t.Conn, "docker stop "+r.name, "docker stop "+stopTimeout(w)+transport.Quote(r.name), transport.RunOpts{}); err != nil {
			return err
		}
		return r.reread(ctx)
	}
	return nil
}

func stopTimeout(w want) string {
	if w.HasStopT {
		return "-t " + strconv.Itoa(w.Timeout) + " "
	}
	return ""
}

// image resolves the declared image on the host, pulling it as pull
// says (never in check mode). It returns nil in check mode when the
// image would be pulled.
func (r *containerRun) image(ctx context.Context, ref, pull string) (*imageInfo, error) {
	img, err := inspectImage(ctx, r.t.Conn, ref)
	if err != nil {
		return nil, err
	}
	if img != nil && pull != "always" {
		return img, nil
	}
	if img == nil && pull == "never" {
		return nil, fmt.Errorf("image %s is not on the host and pull is never", ref)
	}
	if r.t.Check {
		if img == nil {
			r.did("pulled %s", ref)
		}
		return img, nil
	}
	if _, err := dockerRun(ctx, r.t.Conn, "docker pull "+ref, "docker pull -q "+transport.Quote(ref), transport.RunOpts{}); err != nil {
		return nil, err
	}
	after, err := inspectImage(ctx, r.t.Conn, ref)
	if err != nil {
		return nil, err
	}
	if after == nil {
		return nil, fmt.Errorf("image %s is missing after docker pull", ref)
	}
	if img == nil || img.ID != after.ID {
		r.did("pulled %s", ref)
	}
	return after, nil
}

// createArgs builds the docker create command line. Environment values
// are not on it: they go through --env-file on standard input.
func createArgs(name, ref string, w want) []string {
	args := []string{"docker", "create", "--name", name}
	if len(w.Env) > 0 {
		args = append(args, "--env-file", "/dev/stdin")
	}
	for _, k := range sortedKeys(w.Labels) {
		args = append(args, "--label", k+"="+w.Labels[k])
	}
	for _, p := range w.Ports {
		args = append(args, "--publish", portFlag(p))
	}
	for _, v := range append(slices.Clone(w.Binds), w.Anon...) {
		args = append(args, "--volume", v)
	}
	restart := w.Restart
	if w.Retries > 0 {
		restart += ":" + strconv.Itoa(w.Retries)
	}
	args = append(args, "--restart", restart)
	if w.Network != "default" {
		args = append(args, "--network", w.Network)
	}
	if w.HasStopT {
		args = append(args, "--stop-timeout", strconv.Itoa(w.Timeout))
	}
	args = append(args, ref)
	return append(args, w.Command...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// envFile renders the environment for docker's --env-file.
func envFile(env map[string]string) (string, error) {
	var b strings.Builder
	for _, k := range sortedKeys(env) {
		if strings.ContainsAny(env[k], "\n\r") {
			return "", fmt.Errorf("env %s: values with line breaks are not supported", k)
		}
		b.WriteString(k + "=" + env[k] + "\n")
	}
	return b.String(), nil
}

func (r *containerRun) create(ctx context.Context, ref string, w want, remove, start bool) error {
	ef, err := envFile(w.Env)
	if err != nil {
		return err
	}
	if remove {
		if _, err := dockerRun(ctx, r.t.Conn, "docker rm "+r.name, "docker rm -f "+transport.Quote(r.name), transport.RunOpts{}); err != nil {
			return err
		}
	}
	opts := transport.RunOpts{}
	if len(w.Env) > 0 {
		opts.Stdin = strings.NewReader(ef)
	}
	if _, err := dockerRun(ctx, r.t.Conn, "docker create "+r.name, transport.QuoteArgs(createArgs(r.name, ref, w)), opts); err != nil {
		return err
	}
	if start {
		return r.start(ctx, "start")
	}
	return r.reread(ctx)
}

func (r *containerRun) reread(ctx context.Context) error {
	cur, err := inspectContainer(ctx, r.t.Conn, r.name)
	if err != nil {
		return err
	}
	r.cur = cur
	return nil
}

// start starts (or restarts) the container and verifies it is running:
// a container that exits at once fails the task with its exit code and
// last log lines.
func (r *containerRun) start(ctx context.Context, verb string) error {
	if _, err := dockerRun(ctx, r.t.Conn, "docker "+verb+" "+r.name, "docker "+verb+" "+transport.Quote(r.name), transport.RunOpts{}); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	settled := 0
	for {
		if err := r.reread(ctx); err != nil {
			return err
		}
		if r.cur == nil {
			return fmt.Errorf("container %s vanished after docker %s", r.name, verb)
		}
		if r.cur.State.Running {
			// Still running a moment later: it did not exit right away.
			if settled++; settled >= 2 {
				return nil
			}
		} else if r.cur.State.Status == "exited" || r.cur.State.Status == "dead" {
			logs, _ := hostcmd.Run(ctx, r.t.Conn, "docker logs", "docker logs --tail 5 "+transport.Quote(r.name)+" 2>&1", transport.RunOpts{})
			return fmt.Errorf("container %s exited with code %d right after docker %s: %s", r.name, r.cur.State.ExitCode, verb, strings.TrimSpace(logs.Stdout))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s is %s 10s after docker %s", r.name, r.cur.State.Status, verb)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}
