package docker_test

import (
	"archive/tar"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/docker"
	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/registry"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// appSource is the test application: it answers every request with
// $GREETING.
const appSource = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, os.Getenv("GREETING")) })
	_ = http.ListenAndServe(":8080", nil)
}
`

// rootfsTar builds the static application and writes a root filesystem
// tarball holding /app (and a marker file, to make variants) to dir.
func rootfsTar(t *testing.T, dir, name, marker string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "app")
	src := filepath.Join(t.TempDir(), "main.go")
	require.NoError(t, os.WriteFile(src, []byte(appSource), 0o644))
	if _, err := os.Stat(filepath.Join(dir, ".app")); err != nil {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "build the test app: %s", out)
		data, err := os.ReadFile(bin)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".app"), data, 0o755))
	}
	data, err := os.ReadFile(filepath.Join(dir, ".app"))
	require.NoError(t, err)
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		mode int64
		data []byte
	}{{"app", 0o755, data}, {"marker", 0o644, []byte(marker)}} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(e.data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
}

// TestRegistryImageContainer runs the registry on h1 as its service,
// imports an image there from a tarball, pushes it, pulls it on h2 and
// runs it there; then drift, restart, garbage collection and
// authentication.
func TestRegistryImageContainer(t *testing.T) {
	hs := modtest.Lab(t, 2, labtest.Options{Docker: true})
	reg, cli := hs[0], hs[1]
	regAddr := fmt.Sprint(reg.Vars["ansible_host"]) + ":5000"
	for _, h := range hs {
		h.Sh(t, "systemctl start docker")
	}

	// The registry, with a secret that must never show.
	const secret = "registry-http-secret-42"
	regArgs := map[string]any{"delete_enabled": true, "http_secret": secret}
	res := reg.Converge(t, "docker_registry", regArgs, []string{"/etc/docker/registry"}, "systemctl is-active docker-registry")
	assert.NotContains(t, fmt.Sprint(res), secret)
	assert.Contains(t, reg.Sh(t, "cat /etc/docker/registry/config.yml"), secret)
	assert.Equal(t, "0640 root docker-registry", strings.TrimSpace(reg.Sh(t, "stat -c '%a %U %G' /etc/docker/registry/config.yml | sed 's/^/0/'")))
	assert.Contains(t, cli.Sh(t, "curl -sS -D - -o /dev/null http://"+regAddr+"/v2/"), "registry/2.0")

	// Both engines trust the plain-HTTP registry; check mode restarts nothing.
	daemon := map[string]any{"config": map[string]any{"insecure-registries": []any{regAddr}}}
	for _, h := range hs {
		h.Converge(t, "docker_daemon_config", daemon, []string{"/etc/docker/daemon.json"}, "systemctl show -p MainPID docker")
	}
	cli.Sh(t, `printf '{"log-level": "info", "insecure-registries": ["`+regAddr+`"]}' > /etc/docker/daemon.json`)
	pid := cli.Sh(t, "systemctl show -p MainPID docker")
	res = cli.MustRun(t, "docker_daemon_config", daemon, false, true)
	assert.False(t, res.Changed, "another key and other formatting are no difference: %s", res.Msg)
	assert.Equal(t, pid, cli.Sh(t, "systemctl show -p MainPID docker"))

	// Import on h1 from a controller tarball, tag for the registry, push.
	files := filepath.Join(reg.FilesDir, "files")
	require.NoError(t, os.MkdirAll(files, 0o755))
	rootfsTar(t, files, "app1.tar", "one")
	rootfsTar(t, files, "app2.tar", "two")
	remote := regAddr + "/app:1"
	imgArgs := map[string]any{"name": "app", "tag": "1", "source": "import", "src": "app1.tar",
		"changes": []any{`CMD ["/app"]`, "EXPOSE 8080"}, "repository": remote, "push": true}
	probe := "docker image inspect --format '{{.Id}} {{.RepoTags}}' app:1 2>&1; curl -sS http://" + regAddr + "/v2/app/tags/list"
	res = reg.Converge(t, "docker_image", imgArgs, nil, probe)
	assert.Contains(t, fmt.Sprint(res.Data["actions"]), "pushed")
	assert.Contains(t, reg.Sh(t, "curl -sS http://"+regAddr+"/v2/app/tags/list"), `"1"`)

	// Pull on h2 and run it.
	cli.Converge(t, "docker_image", map[string]any{"name": remote, "source": "pull"}, nil, "docker image inspect --format '{{.Id}}' "+remote+" 2>&1")
	ctrArgs := map[string]any{"name": "app", "image": remote, "env": map[string]any{"GREETING": "hello"},
		"published_ports": []any{"8080:8080"}, "restart_policy": "unless-stopped", "labels": map[string]any{"tier": "web"}}
	ctrProbe := "docker inspect --format '{{.Id}} {{.State.Running}}' app 2>&1"
	cli.Converge(t, "docker_container", ctrArgs, nil, ctrProbe)
	assert.Equal(t, "hello", cli.Sh(t, "curl -sS --retry 5 --retry-connrefused http://127.0.0.1:8080/"))
	assert.NotContains(t, cli.Sh(t, "ps -eo args"), "GREETING=hello")

	// Env drift: recreated, and says why.
	id := cli.Sh(t, "docker inspect --format '{{.Id}}' app")
	ctrArgs["env"] = map[string]any{"GREETING": "bonjour"}
	res = cli.MustRun(t, "docker_container", ctrArgs, false, true)
	assert.True(t, res.Changed)
	assert.Equal(t, []any{"env (GREETING)"}, res.Data["drift"])
	assert.NotEqual(t, id, cli.Sh(t, "docker inspect --format '{{.Id}}' app"))
	assert.Equal(t, "bonjour", cli.Sh(t, "curl -sS --retry 5 --retry-connrefused http://127.0.0.1:8080/"))
	res = cli.MustRun(t, "docker_container", ctrArgs, false, false)
	assert.False(t, res.Changed, res.Msg)

	// Stopped behind our back: started again, same container.
	id = cli.Sh(t, "docker inspect --format '{{.Id}}' app")
	cli.Sh(t, "docker stop -t 1 app")
	res = cli.MustRun(t, "docker_container", ctrArgs, false, false)
	assert.True(t, res.Changed)
	assert.Equal(t, id, cli.Sh(t, "docker inspect --format '{{.Id}}' app"))
	assert.Equal(t, "true\n", cli.Sh(t, "docker inspect --format '{{.State.Running}}' app"))

	// stopped stops it; present leaves a stopped container stopped.
	ctrArgs["state"] = "stopped"
	cli.Converge(t, "docker_container", ctrArgs, nil, ctrProbe)
	ctrArgs["state"] = "present"
	res = cli.MustRun(t, "docker_container", ctrArgs, false, false)
	assert.False(t, res.Changed, res.Msg)
	ctrArgs["state"] = "started"
	res = cli.MustRun(t, "docker_container", ctrArgs, false, false)
	assert.True(t, res.Changed)

	// A new image under the same tag: the old manifest becomes untagged,
	// and garbage collection (read-only meanwhile) removes its blobs.
	imgArgs["src"] = "app2.tar"
	res = reg.MustRun(t, "docker_image", imgArgs, false, false)
	assert.True(t, res.Changed)
	gcArgs := map[string]any{"delete_enabled": true, "http_secret": secret, "garbage_collect": true, "delete_untagged": true}
	check := reg.MustRun(t, "docker_registry", gcArgs, true, false)
	assert.True(t, check.Changed, "the dry run sees blobs to delete")
	res = reg.MustRun(t, "docker_registry", gcArgs, false, false)
	assert.True(t, res.Changed, res.Msg)
	gc := res.Data["gc"].(map[string]any)
	assert.Positive(t, gc["blobs_eligible"])
	res = reg.MustRun(t, "docker_registry", gcArgs, false, false)
	assert.False(t, res.Changed, "nothing left to collect: %s", res.Msg)
	assert.Contains(t, reg.Sh(t, "grep -A1 readonly: /etc/docker/registry/config.yml"), "enabled: false")
	cli.Sh(t, "docker pull -q "+remote)

	// The container follows the moved tag only with pull: always.
	ctrArgs["pull"] = "always"
	res = cli.MustRun(t, "docker_container", ctrArgs, false, false)
	assert.True(t, res.Changed)
	assert.Contains(t, fmt.Sprint(res.Data["drift"]), "image")

	// Authentication: 401 without credentials; the password stays hidden
	// and its hash is kept on the next run.
	authArgs := map[string]any{"delete_enabled": true, "http_secret": secret,
		"htpasswd_users": []any{map[string]any{"user": "ci", "password": "pw-never-shown"}}}
	res = reg.Converge(t, "docker_registry", authArgs, []string{"/etc/docker/registry"}, "systemctl is-active docker-registry")
	assert.NotContains(t, fmt.Sprint(res), "pw-never-shown")
	assert.Contains(t, cli.Sh(t, "curl -sS -o /dev/null -w '%{http_code}' http://"+regAddr+"/v2/"), "401")
	assert.Contains(t, cli.Sh(t, "curl -sS -o /dev/null -w '%{http_code}' -u ci:pw-never-shown http://"+regAddr+"/v2/"), "200")

	// A second instance on h2 with h1 as its peer: the same secret passes
	// (with a warning: local disks are not shared storage), another one
	// fails the task without showing either.
	cli.Vars["hostvars"] = map[string]any{"h1": reg.Vars}
	peerArgs := map[string]any{"delete_enabled": true, "http_secret": secret, "peers": []any{"h1"}}
	res = cli.MustRun(t, "docker_registry", peerArgs, false, false)
	assert.Equal(t, true, res.Data["peers"].(map[string]any)["h1"].(map[string]any)["same_secret"])
	assert.Contains(t, fmt.Sprint(res.Data["warnings"]), "not a shared filesystem")
	peerArgs["http_secret"] = "another-secret-77"
	res, err := cli.Run(t, "docker_registry", peerArgs, false, false)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "http.secret differs on h1")
	assert.NotContains(t, fmt.Sprint(res), secret)
	assert.NotContains(t, fmt.Sprint(res), "another-secret-77")
	cli.MustRun(t, "docker_registry", map[string]any{"state": "stopped"}, false, false)

	// TLS: a certificate for the registry's address; a client that
	// trusts the CA reaches /v2/ over https.
	ip := fmt.Sprint(reg.Vars["ansible_host"])
	reg.Sh(t, "cd /etc/docker/registry && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=registry -addext subjectAltName=IP:"+ip+
		" -keyout key.pem -out cert.pem 2>/dev/null && chgrp docker-registry key.pem && chmod 0640 key.pem")
	tlsArgs := map[string]any{"delete_enabled": true, "http_secret": secret, "tls_cert": "/etc/docker/registry/cert.pem", "tls_key": "/etc/docker/registry/key.pem"}
	res = reg.MustRun(t, "docker_registry", tlsArgs, false, false)
	assert.True(t, res.Changed)
	assert.Equal(t, true, res.Data["restarted"])
	assert.Equal(t, "https://127.0.0.1:5000/v2/", res.Data["url"])
	ca := reg.Sh(t, "cat /etc/docker/registry/cert.pem")
	cli.Sh(t, "mkdir -p /etc/docker/certs.d/"+regAddr+" && cat > /etc/docker/certs.d/"+regAddr+"/ca.crt <<'EOF'\n"+ca+"EOF")
	assert.Equal(t, "200", cli.Sh(t, "curl -sS -o /dev/null -w '%{http_code}' --cacert /etc/docker/certs.d/"+regAddr+"/ca.crt https://"+regAddr+"/v2/"))
	res = reg.MustRun(t, "docker_registry", tlsArgs, false, false)
	assert.False(t, res.Changed, res.Msg)

	// Removal.
	cli.Converge(t, "docker_container", map[string]any{"name": "app", "state": "absent"}, nil, ctrProbe)
	// Load from a docker save archive on the host: by image ID, once.
	cli.Sh(t, "docker save -o /root/app.tar "+remote+" && docker image rm "+remote+" >/dev/null")
	loadArgs := map[string]any{"name": remote, "source": "load", "load_path": "/root/app.tar"}
	res = cli.Converge(t, "docker_image", loadArgs, nil, "docker image inspect --format '{{.Id}}' "+remote+" 2>&1")
	assert.Contains(t, fmt.Sprint(res.Data["actions"]), "loaded")

	cli.Converge(t, "docker_image", map[string]any{"name": remote, "state": "absent"}, nil, "docker image inspect --format '{{.Id}}' "+remote+" 2>&1")
}
