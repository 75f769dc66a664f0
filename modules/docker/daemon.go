package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// DaemonConfig is the docker_daemon_config module.
type DaemonConfig struct{}

func init() { module.Register(DaemonConfig{}) }

// Spec describes docker_daemon_config.
func (DaemonConfig) Spec() module.Spec {
	return module.Spec{
		Name:    "docker_daemon_config",
		Aliases: []string{"hactl.docker_daemon_config"},
		Short:   "Merge keys into /etc/docker/daemon.json; restart dockerd only when they changed",
		Doc: `Sets top-level keys of dockerd's daemon.json (insecure-registries, registry-mirrors, log-driver, log-opts, …) and leaves the other keys as they are; remove_keys deletes keys. The comparison is semantic: the file is parsed as JSON and compared with the merged document, so formatting, key order and a missing file holding no keys are not differences. When the document differs it is written (atomically, two-space indentation, sorted keys) and, if dockerd is running and restart is true, dockerd is restarted and the module waits until docker info answers again. A restart stops every container without a restart policy: that is why it happens only on a real change.

For a plain-HTTP registry give insecure-registries: ["HOST:PORT"]; for a registry with its own CA, prefer installing the CA as /etc/docker/certs.d/HOST:PORT/ca.crt (copy module) — no daemon restart needed.

Check mode parses and compares only, and shows the JSON diff.`,
		Params: []module.Param{
			{Name: "config", Type: module.Dict, Doc: "Keys to set (values replace the file's values whole)."},
			{Name: "remove_keys", Type: module.List, Elements: module.Str, Doc: "Keys to remove."},
			{Name: "path", Type: module.Path, Default: "/etc/docker/daemon.json", Doc: "The daemon configuration file."},
			{Name: "restart", Type: module.Bool, Default: true, Doc: "Restart a running dockerd when the file changed."},
			{Name: "service", Type: module.Str, Default: "docker", Doc: "dockerd's systemd unit."},
			{Name: "restart_timeout", Type: module.Int, Default: 60, Doc: "Seconds to wait for dockerd to answer after the restart."},
		},
		RequiredOneOf: [][]string{{"config", "remove_keys"}},
		CheckMode:     true,
		Examples: `- name: Trust the lab registry over plain HTTP
  docker_daemon_config:
    config:
      insecure-registries: ["10.77.0.13:5000"]`,
		Returns: []module.ReturnValue{
			{Name: "config", Type: module.Dict, Doc: "The whole document after the task."},
			{Name: "restarted", Type: module.Bool, Doc: "Whether dockerd was restarted."},
		},
	}
}

// mergeDaemon returns the document with keys set and removed. Values go
// through a JSON round trip so YAML's types compare like JSON's.
func mergeDaemon(cur map[string]any, set map[string]any, remove []string) (map[string]any, error) {
	out := maps.Clone(cur)
	if out == nil {
		out = map[string]any{}
	}
	if len(set) > 0 {
		data, err := json.Marshal(set)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		var norm map[string]any
		if err := json.Unmarshal(data, &norm); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		maps.Copy(out, norm)
	}
	for _, k := range remove {
		delete(out, k)
	}
	return out, nil
}

func renderJSON(doc map[string]any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Run implements module.Module.
func (DaemonConfig) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p := a.String("path")
	st, err := remotefile.Gather(ctx, t.Conn, p, remotefile.GatherOpts{MaxContent: 1 << 20})
	if err != nil {
		return module.Result{}, err
	}
	cur := map[string]any{}
	if st.Exists {
		if st.Type != remotefile.TypeFile || !st.HasContent {
			return module.Failf("%s is not a regular file of at most 1 MiB", p), nil
		}
		if len(bytes.TrimSpace(st.Content)) > 0 {
			if err := json.Unmarshal(st.Content, &cur); err != nil {
				return module.Failf("%s is not a JSON object: %v", p, err), nil
			}
		}
	}
	next, err := mergeDaemon(cur, a.Dict("config"), a.Strings("remove_keys"))
	if err != nil {
		return module.Failf("docker_daemon_config: %v", err), nil
	}
	res := module.Result{Data: map[string]any{"config": next, "restarted": false}}
	if reflect.DeepEqual(cur, next) && (st.Exists || len(next) == 0) {
		return res, nil
	}
	content, err := renderJSON(next)
	if err != nil {
		return module.Result{}, fmt.Errorf("render %s: %w", p, err)
	}
	res.Changed = true
	res.Msg = "updated " + p + " (" + strings.Join(changedKeys(cur, next), ", ") + ")"
	if t.Diff {
		before := []byte{}
		if st.Exists {
			before, _ = renderJSON(cur)
		}
		res.Diff = []module.FileDiff{remotefile.ContentDiff(p, p, before, content)}
	}
	if t.Check {
		return res, nil
	}
	if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: p, Content: content, Current: st}); err != nil {
		return module.Result{}, err
	}
	if !a.Bool("restart") {
		return res, nil
	}
	restarted, err := restartDocker(ctx, t.Conn, a.String("service"), time.Duration(a.Int("restart_timeout"))*time.Second)
	if err != nil {
		return module.Result{}, err
	}
	res.Data["restarted"] = restarted
	if restarted {
		res.Msg += "; restarted " + a.String("service")
	}
	return res, nil
}

func changedKeys(a, b map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[k]; !ok {
			out = append(out, "-"+k)
		}
	}
	return out
}

// restartDocker restarts the unit when it is active and waits until
// docker info answers. A stopped dockerd is left stopped (false).
func restartDocker(ctx context.Context, c transport.Conn, unit string, timeout time.Duration) (bool, error) {
	q := transport.Quote(unit)
	out, err := hostcmd.Run(ctx, c, "systemctl is-active "+unit, "systemctl is-active "+q, transport.RunOpts{})
	if err != nil {
		return false, err
	}
	if strings.TrimSpace(out.Stdout) != "active" {
		return false, nil
	}
	// docker.service allows three starts a minute; reset-failed clears
	// that counter so a play that restarts twice does not trip it.
	if _, err := hostcmd.Must(ctx, c, "restart "+unit, "systemctl reset-failed "+q+" 2>/dev/null; systemctl restart "+q); err != nil {
		return false, fmt.Errorf("%w (a daemon.json dockerd rejects stops it: journalctl -u %s says why)", err, unit)
	}
	deadline := time.Now().Add(timeout)
	for {
		o, err := hostcmd.Run(ctx, c, "docker info", "docker info --format '{{json .ServerVersion}}'", transport.RunOpts{})
		if err != nil {
			return true, err
		}
		if o.RC == 0 {
			return true, nil
		}
		if time.Now().After(deadline) {
			return true, fmt.Errorf("dockerd does not answer %s after its restart: %s", timeout, hostcmd.FirstLine(o.Stderr))
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
