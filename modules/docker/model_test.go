package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/module"
)

func TestNormalisePort(t *testing.T) {
	for in, want := range map[string]string{
		"80":                 "||80/tcp",
		"8080:80":            "|8080|80/tcp",
		"127.0.0.1:8080:80":  "127.0.0.1|8080|80/tcp",
		"0.0.0.0:53:53/udp":  "|53|53/udp",
		"[::1]:8443:443":     "::1|8443|443/tcp",
		"127.0.0.1::80/sctp": "127.0.0.1||80/sctp",
	} {
		got, err := normalisePort(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"8000-8001:80", "x:80", "80/icmp", "1:2:3:4", "70000:80", "10.0.0.300:80:80"} {
		_, err := normalisePort(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "[::1]:8443:443/tcp", portFlag("::1|8443|443/tcp"))
	assert.Equal(t, "8080:80/tcp", portFlag("|8080|80/tcp"))
}

func inspected() *containerInfo {
	c := &containerInfo{Image: "sha256:aaa"}
	c.Config.Env = []string{"PATH=/bin", "A=1"}
	c.Config.Cmd = []string{"/hello"}
	c.Config.Labels = map[string]string{"from": "image", "tier": "web"}
	c.HostConfig.Binds = []string{"/srv:/data:rw"}
	c.HostConfig.NetworkMode = "default"
	c.HostConfig.PortBindings = map[string][]portBinding{"80/tcp": {{HostIP: "0.0.0.0", HostPort: "8080"}}}
	c.HostConfig.RestartPolicy.Name = "unless-stopped"
	return c
}

func image() *imageInfo {
	i := &imageInfo{ID: "sha256:aaa"}
	i.Config.Env = []string{"PATH=/bin"}
	i.Config.Cmd = []string{"/hello"}
	i.Config.Labels = map[string]string{"from": "image"}
	return i
}

func declared(t *testing.T, extra map[string]any) want {
	t.Helper()
	raw := map[string]any{
		"name": "c", "image": "x", "env": map[string]any{"A": 1}, "labels": map[string]any{"tier": "web"},
		"published_ports": []any{"8080:80"}, "volumes": []any{"/srv:/data"}, "restart_policy": "unless-stopped",
	}
	for k, v := range extra {
		raw[k] = v
	}
	a, err := Container{}.Spec().Validate(raw, false)
	require.NoError(t, err)
	w, err := parseWant(a)
	require.NoError(t, err)
	return w
}

func TestDriftNoneWhenTheContainerMatches(t *testing.T) {
	assert.Empty(t, drift(inspected(), declared(t, nil), "sha256:aaa", image()))
}

func TestDriftFindsEachField(t *testing.T) {
	cases := map[string]map[string]any{
		"env (A)":         {"env": map[string]any{"A": "2"}},
		"env (B)":         {"env": map[string]any{"A": "1", "B": "x"}},
		"labels (tier)":   {"labels": map[string]any{}},
		"published_ports": {"published_ports": []any{"8081:80"}},
		"volumes":         {"volumes": []any{"/srv:/data:ro"}},
		"restart_policy":  {"restart_policy": "always"},
		"network_mode":    {"network_mode": "host"},
		"command":         {"command": "/hello world"},
	}
	for field, extra := range cases {
		assert.Equal(t, []string{field}, drift(inspected(), declared(t, extra), "sha256:aaa", image()), field)
	}
	assert.Equal(t, []string{"image"}, drift(inspected(), declared(t, nil), "sha256:bbb", image()))
	c := inspected()
	c.Config.Env = append(c.Config.Env, "STALE=1")
	assert.Equal(t, []string{"env (STALE)"}, drift(c, declared(t, nil), "sha256:aaa", image()))
}

func TestPullModeAndBadArguments(t *testing.T) {
	for in, want := range map[any]string{nil: "missing", "always": "always", "never": "never", true: "always", "no": "missing"} {
		got, err := pullMode(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := pullMode("sometimes")
	assert.Error(t, err)
	a, err := Container{}.Spec().Validate(map[string]any{"name": "c", "image": "x", "restart_retries": 3}, false)
	require.NoError(t, err)
	_, err = parseWant(a)
	assert.ErrorContains(t, err, "on-failure")
	_, err = envFile(map[string]string{"A": "x\ny"})
	assert.Error(t, err)
}

func TestCreateArgsKeepEnvValuesOffTheCommandLine(t *testing.T) {
	w := declared(t, map[string]any{"env": map[string]any{"SECRET": "s3cr3t"}, "command": []any{"/hello", "a b"}})
	args := createArgs("c", "img:1", w)
	assert.NotContains(t, module.Args{"x": args}.String("x"), "s3cr3t")
	assert.Equal(t, []string{"img:1", "/hello", "a b"}, args[len(args)-3:])
	assert.Contains(t, args, "/dev/stdin")
}

func TestImageRefsAndManifests(t *testing.T) {
	r, tag, d := splitRef("10.0.0.1:5000/app", "latest")
	assert.Equal(t, []any{"10.0.0.1:5000/app", "latest", false}, []any{r, tag, d})
	r, tag, _ = splitRef("10.0.0.1:5000/app:1.0", "latest")
	assert.Equal(t, []string{"10.0.0.1:5000/app", "1.0"}, []string{r, tag})
	_, tag, d = splitRef("app@sha256:abc", "latest")
	assert.True(t, d)
	assert.Equal(t, "sha256:abc", tag)
	assert.Equal(t, "10.0.0.1:5000", registryHost("10.0.0.1:5000/app"))
	assert.Equal(t, "", registryHost("library/debian"))
	assert.Equal(t, "localhost", registryHost("localhost/app"))

	status, h := parseHeaders("HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\nHTTP/1.1 200 OK\r\ndocker-content-digest: sha256:d\r\n\r\n")
	assert.Equal(t, 200, status)
	assert.Equal(t, "sha256:d", h.Get("Docker-Content-Digest"))

	sum := "0123456789012345678901234567890123456789012345678901234567890123"
	m, err := parseArchiveManifest([]byte(`[{"Config":"blobs/sha256/` + sum + `","RepoTags":["a:1"]}]`))
	require.NoError(t, err)
	assert.Equal(t, "sha256:"+sum, m.configID())
	m, err = parseArchiveManifest([]byte(`[{"Config":"` + sum + `.json"}]`))
	require.NoError(t, err)
	assert.Equal(t, "sha256:"+sum, m.configID())
	_, err = parseArchiveManifest([]byte(`[]`))
	assert.Error(t, err)
	assert.NotEqual(t, contentKey(sum, nil), contentKey(sum, []string{"CMD x"}))
}

func TestCommunityNamesResolve(t *testing.T) {
	for name, want := range map[string]string{
		"community.docker.docker_container": "docker_container",
		"community.docker.docker_image":     "docker_image",
		"hactl.docker_daemon_config":        "docker_daemon_config",
	} {
		m, ok := module.Lookup(name)
		require.True(t, ok, name)
		assert.Equal(t, want, m.Spec().Name)
	}
	// Arguments as community.docker playbooks spell them.
	_, err := Container{}.Spec().Validate(map[string]any{"name": "c", "image": "i", "ports": []any{"80:80"}, "pull": true,
		"restart_policy": "always", "network_mode": "host", "recreate": true, "env": map[string]any{"A": "1"}}, false)
	assert.NoError(t, err)
	_, err = Image{}.Spec().Validate(map[string]any{"name": "i", "tag": "1", "source": "load", "load_path": "/x.tar",
		"repository": "r/i", "push": true, "force_source": true, "force_tag": true}, false)
	assert.NoError(t, err)
}
