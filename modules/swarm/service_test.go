package swarm

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// inspectJSON is docker service inspect output as Docker 20.10 writes it
// for a service created with only --name, --replicas, --env, --publish
// and --constraint: the defaults are Docker's, the image is pinned.
const inspectJSON = `[
    {
        "ID": "kq2y0c5w8d3vbbh1e8r3v7k2m",
        "Version": {"Index": 42},
        "CreatedAt": "2024-05-01T10:00:00.000000000Z",
        "Spec": {
            "Name": "web",
            "Labels": {},
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": "10.77.0.11:5000/hello:1.0@sha256:6a0a5e2ad4a9c4d0f1a4e25f7e4bd3c8b0b4f2e3c9e6b7a8d9c0e1f2a3b4c5d6",
                    "Args": ["-listen", ":8080"],
                    "Env": ["GREETING=hello", "COLOR=blue"],
                    "Init": false,
                    "StopGracePeriod": 10000000000,
                    "DNSConfig": {},
                    "Isolation": "default"
                },
                "Resources": {"Limits": {}, "Reservations": {}},
                "RestartPolicy": {"Condition": "any", "Delay": 5000000000, "MaxAttempts": 0},
                "Placement": {
                    "Constraints": ["node.role == worker"],
                    "Platforms": [{"Architecture": "amd64", "OS": "linux"}]
                },
                "ForceUpdate": 0,
                "Runtime": "container"
            },
            "Mode": {"Replicated": {"Replicas": 3}},
            "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000, "MaxFailureRatio": 0, "Order": "stop-first"},
            "RollbackConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000, "MaxFailureRatio": 0, "Order": "stop-first"},
            "EndpointSpec": {"Mode": "vip", "Ports": [{"Protocol": "tcp", "TargetPort": 8080, "PublishedPort": 18080, "PublishMode": "host"}]}
        },
        "Endpoint": {"Spec": {"Mode": "vip", "Ports": [{"Protocol": "tcp", "TargetPort": 8080, "PublishedPort": 18080, "PublishMode": "host"}]}},
        "UpdateStatus": {"State": "completed", "Message": "update completed"}
    }
]`

func desired(t *testing.T, args map[string]any) (svcDesired, module.Args) {
	t.Helper()
	args["name"] = "web"
	if _, ok := args["image"]; !ok {
		args["image"] = "10.77.0.11:5000/hello:1.0"
	}
	a, err := Service{}.Spec().Validate(args, false)
	require.NoError(t, err)
	d, err := parseDesired(a)
	require.NoError(t, err)
	return d, a
}

func current(t *testing.T) svcCurrent {
	t.Helper()
	c, err := decodeInspect(inspectJSON, "web")
	require.NoError(t, err)
	return c
}

func TestServiceMatchingSpecHasNoChange(t *testing.T) {
	d, _ := desired(t, map[string]any{
		"replicas": 3,
		"args":     []any{"-listen", ":8080"},
		"env":      map[string]any{"COLOR": "blue", "GREETING": "hello"},
		"publish":  []any{map[string]any{"published_port": 18080, "target_port": 8080, "mode": "host"}},
		// Spaces around the operator differ from what Docker stored.
		"placement": map[string]any{"constraints": []any{"node.role==worker"}},
		// Docker's defaults, given explicitly.
		"restart_config": map[string]any{"condition": "any", "delay": "5s", "max_attempts": 0},
		"update_config":  map[string]any{"parallelism": 1, "order": "stop-first", "failure_action": "pause", "monitor": 5},
		"labels":         map[string]any{},
	})
	assert.Empty(t, compareService(d, current(t), nil))
}

func TestServiceEnvListEqualsDict(t *testing.T) {
	d, _ := desired(t, map[string]any{"env": []any{"GREETING=hello", "COLOR=blue"}})
	assert.Empty(t, compareService(d, current(t), nil))
}

func TestServiceOptionsNotGivenAreNotCompared(t *testing.T) {
	d, _ := desired(t, map[string]any{})
	assert.Empty(t, compareService(d, current(t), nil), "only image and mode are given, and both match")
}

func TestServiceDifferencesGiveUpdateFlags(t *testing.T) {
	d, a := desired(t, map[string]any{
		"image":          "10.77.0.11:5000/hello:2.0",
		"replicas":       5,
		"env":            map[string]any{"GREETING": "bonjour", "LANG": "fr"},
		"publish":        []any{map[string]any{"published_port": 18081, "target_port": 8080, "mode": "host"}},
		"constraints":    []any{"node.labels.zone==a"},
		"restart_config": map[string]any{"condition": "on-failure", "delay": "5s"},
		"update_config":  map[string]any{"order": "start-first", "delay": "10s"},
		"labels":         map[string]any{"team": "ops"},
	})
	changes := compareService(d, current(t), nil)
	assert.Equal(t, []string{"image", "replicas", "env", "publish", "constraints", "labels",
		"restart_config.condition", "update_config.delay", "update_config.order"}, changeNames(changes))
	got := strings.Join(updateArgs(a, "kq2y0c5w8d3vbbh1e8r3v7k2m", changes), " ")
	for _, want := range []string{
		"--image 10.77.0.11:5000/hello:2.0", "--replicas 5",
		"--env-rm COLOR", "--env-add GREETING=bonjour", "--env-add LANG=fr",
		"--publish-rm target=8080,protocol=tcp,mode=host", "--publish-add published=18081,target=8080,protocol=tcp,mode=host",
		"--constraint-rm node.role == worker", "--constraint-add node.labels.zone==a",
		"--label-add team=ops", "--restart-condition on-failure", "--update-delay 10s", "--update-order start-first",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "--restart-delay", "the delay is the same")
	assert.True(t, strings.HasPrefix(got, "docker service update -q "), "waits by default: %s", got)
	assert.True(t, strings.HasSuffix(got, " kq2y0c5w8d3vbbh1e8r3v7k2m"))
}

func TestServiceImageComparison(t *testing.T) {
	pinned := "10.77.0.11:5000/hello:1.0@sha256:6a0a"
	for _, tc := range []struct {
		want, have string
		same       bool
	}{
		{"10.77.0.11:5000/hello:1.0", pinned, true},
		{"10.77.0.11:5000/hello:1.1", pinned, false},
		{"10.77.0.11:5000/hello", "10.77.0.11:5000/hello:latest@sha256:aa", true},
		{"10.77.0.11:5000/hello@sha256:6a0a", pinned, true},
		{"10.77.0.11:5000/hello@sha256:ffff", pinned, false},
		{"10.77.0.11:5000/hello:1.0", "10.77.0.11:5000/hello:1.0", true},
		{"nginx", "docker.io/library/nginx:latest@sha256:bb", true},
		{"nginx:1.25", "nginx:latest@sha256:bb", false},
		{"10.77.0.12:5000/hello:1.0", pinned, false},
	} {
		assert.Equal(t, tc.same, sameImage(tc.want, tc.have), "%s vs %s", tc.want, tc.have)
	}
}

func TestServiceDefaultsFilledForAnEmptySpec(t *testing.T) {
	c, err := decodeInspect(`[{"ID":"x1","Spec":{"Name":"bare","TaskTemplate":{"ContainerSpec":{"Image":"img"}},"Mode":{"Global":{}}}}]`, "bare")
	require.NoError(t, err)
	assert.Equal(t, "global", c.Mode)
	assert.Equal(t, "any", c.Restart.Condition)
	assert.Equal(t, "5s", c.Restart.Delay.String())
	assert.Equal(t, "stop-first", c.Update.Order)
	assert.Equal(t, "pause", c.Update.FailureAction)
	assert.Equal(t, "vip", c.EndpointMode)
	d, _ := desired(t, map[string]any{"name": "bare", "image": "img", "mode": "global",
		"restart_config": map[string]any{"condition": "any"}, "update_config": map[string]any{"parallelism": 1}})
	d.Name = "bare"
	assert.Empty(t, compareService(d, c, nil))
	d.Mode = "replicated"
	assert.Equal(t, []string{"mode"}, changeNames(compareService(d, c, nil)))
}

func TestServiceNetworksComparedByName(t *testing.T) {
	c := current(t)
	c.NetworkIDs = []string{"n0f4d2e6a8c1b3d5f7e9a0b2c4d6e8f0a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9"}
	names := map[string]string{"n0f4d2e6a8c1b3d5f7e9a0b2c4d6e8f0a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9": "backend", "f00": "frontend"}
	d, _ := desired(t, map[string]any{"networks": []any{"backend"}})
	assert.Empty(t, compareService(d, c, names))
	d, _ = desired(t, map[string]any{"networks": []any{map[string]any{"name": "frontend"}}})
	ch := compareService(d, c, names)
	require.Len(t, ch, 1)
	assert.Equal(t, []string{"--network-rm", "backend", "--network-add", "frontend"}, ch[0].Flags)
}

func TestServiceArgumentsValidatedBeforeTheHost(t *testing.T) {
	for args, want := range map[*map[string]any]string{
		{"publish": []any{map[string]any{"published_port": 80}}}:                                  "target_port is required",
		{"publish": []any{map[string]any{"target_port": 80, "mode": "mesh"}}}:                     `mode "mesh"`,
		{"publish": []any{map[string]any{"target_port": 80, "proto": "tcp"}}}:                     `unknown key "proto"`,
		{"restart_config": map[string]any{"delay": "soon"}}:                                       "restart_config.delay",
		{"restart_config": map[string]any{"condition": "always"}}:                                 `condition "always"`,
		{"update_config": map[string]any{"order": "random"}}:                                      `order "random"`,
		{"update_config": map[string]any{"max_failure_ratio": 2}}:                                 "max_failure_ratio",
		{"env": []any{"NOVALUE"}}:                                                                 "KEY=value",
		{"mode": "global", "replicas": 2}:                                                         "replicas applies to mode replicated",
		{"placement": map[string]any{"preferences": []any{map[string]any{"pack": 1}}}}:            "spread",
		{"constraints": []any{"a==b"}, "placement": map[string]any{"constraints": []any{"c==d"}}}: "give one",
	} {
		raw := map[string]any{"name": "web", "image": "img"}
		for k, v := range *args {
			raw[k] = v
		}
		a, err := Service{}.Spec().Validate(raw, false)
		require.NoError(t, err)
		conn := fakeconn.New()
		res, err := Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn}, a)
		require.NoError(t, err)
		assert.True(t, res.Failed, "%v", raw)
		assert.Contains(t, res.Msg, want)
		assert.Empty(t, conn.Calls, "nothing runs on the host when the arguments are wrong")
	}
	_, err := Service{}.Spec().Validate(map[string]any{"name": "web"}, false)
	assert.Error(t, err, "image is required for state present")
}

func TestServicePlacementWithTopLevelConstraints(t *testing.T) {
	d, a := desired(t, map[string]any{"constraints": []any{"node.role==worker"},
		"placement": map[string]any{"preferences": []any{map[string]any{"spread": "node.labels.zone"}}, "replicas_max_per_node": 1}})
	assert.Equal(t, []string{"node.role==worker"}, d.Constraints)
	changes := compareService(d, current(t), nil)
	assert.Equal(t, []string{"preferences", "replicas_max_per_node"}, changeNames(changes))
	assert.Equal(t, []string{"--placement-pref-add", "spread=node.labels.zone", "--replicas-max-per-node", "1"},
		updateArgs(a, "x", changes)[4:8])
	create := strings.Join(createArgs(d, a), " ")
	assert.Contains(t, create, "--constraint node.role==worker --placement-pref spread=node.labels.zone --replicas-max-per-node 1")
	assert.True(t, strings.HasSuffix(create, " 10.77.0.11:5000/hello:1.0"), create)
}

func TestServiceCommandWordsRoundTrip(t *testing.T) {
	d, _ := desired(t, map[string]any{"command": "/bin/sh -c 'echo it'\"'\"'s here'"})
	assert.Equal(t, []string{"/bin/sh", "-c", "echo it's here"}, d.Command)
	assert.Equal(t, `/bin/sh -c 'echo it'\''s here'`, words(d.Command))
}

// managerConn answers like a manager holding the service of inspectJSON
// and records the commands that would change it.
func managerConn(changed *[]string) *fakeconn.Conn {
	c := fakeconn.New()
	c.Handler = func(call fakeconn.Call) (transport.Result, error) {
		switch {
		case strings.HasPrefix(call.Cmd, "docker info"):
			return transport.Result{Stdout: []byte(`{"NodeID":"n1","LocalNodeState":"active","ControlAvailable":true,"Managers":3,"Nodes":5,"Cluster":{"ID":"c1"}}` + "\n")}, nil
		case strings.HasPrefix(call.Cmd, "docker service inspect"):
			return transport.Result{Stdout: []byte(inspectJSON)}, nil
		case strings.HasPrefix(call.Cmd, "docker service ls"):
			return transport.Result{Stdout: []byte("kq2y0c5w8d3v 3/3\n--tasks--\nrunning\nrunning\nshutdown\nrunning\n")}, nil
		}
		*changed = append(*changed, call.Cmd)
		return transport.Result{}, nil
	}
	return c
}

func TestServiceRunIdempotentAndCheckMode(t *testing.T) {
	var changed []string
	conn := managerConn(&changed)
	_, a := desired(t, map[string]any{"replicas": 3, "env": map[string]any{"GREETING": "hello", "COLOR": "blue"}})
	res, err := Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn}, a)
	require.NoError(t, err)
	assert.False(t, res.Changed, res.Msg)
	assert.Equal(t, 3, res.Data["running_replicas"])
	assert.Equal(t, 3, res.Data["desired_replicas"])
	assert.Empty(t, changed)

	_, a = desired(t, map[string]any{"replicas": 4})
	res, err = Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn, Check: true, Diff: true}, a)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, []any{"replicas"}, res.Data["changes"])
	require.Len(t, res.Diff, 1)
	assert.Equal(t, "replicas: 3\n", res.Diff[0].Before)
	assert.Equal(t, "replicas: 4\n", res.Diff[0].After)
	assert.Empty(t, changed, "check mode changes nothing")

	_, a = desired(t, map[string]any{"force_update": true})
	res, err = Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn}, a)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	require.Len(t, changed, 1)
	assert.Contains(t, changed[0], "docker service update -q --force --image 10.77.0.11:5000/hello:1.0 kq2y0c5w8d3vbbh1e8r3v7k2m")
	assert.True(t, strings.HasPrefix(changed[0], "timeout 120 "), changed[0])
}

func TestServiceNeedsAManager(t *testing.T) {
	conn := fakeconn.New(fakeconn.OK(`{"LocalNodeState":"active","ControlAvailable":false}` + "\n"))
	_, a := desired(t, map[string]any{})
	res, err := Service{}.Run(context.Background(), &module.Target{Host: "w1", Conn: conn}, a)
	require.NoError(t, err)
	assert.True(t, res.Failed)
	assert.Contains(t, res.Msg, "runs on a swarm manager")

	conn = fakeconn.New(fakeconn.OK(`{"LocalNodeState":"inactive"}` + "\n"))
	res, err = Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn, Check: true}, a)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, "unknown-dependency", res.Data["predicted"])

	conn = fakeconn.New(fakeconn.OK(`{"LocalNodeState":"inactive"}` + "\n"))
	_, a = desired(t, map[string]any{"state": "absent"})
	res, err = Service{}.Run(context.Background(), &module.Target{Host: "m1", Conn: conn, Check: true}, a)
	require.NoError(t, err)
	assert.False(t, res.Changed, "no swarm, no service to remove")
}

func TestServiceResolveImage(t *testing.T) {
	ctx := context.Background()
	cur := current(t)
	answer := func(digest string) fakeconn.Reply {
		return fakeconn.OK(`{"Descriptor":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"` + digest +
			`","size":528},"Platforms":[{"architecture":"amd64","os":"linux"}]}` + "\n200")
	}
	conn := fakeconn.New(answer("sha256:1111"))
	ch, err := resolveChange(ctx, conn, "10.77.0.11:5000/hello:1.0", cur)
	require.NoError(t, err)
	require.NotNil(t, ch, "the registry serves another digest than the pinned one")
	assert.Equal(t, []string{"--image", "10.77.0.11:5000/hello:1.0"}, ch.Flags)
	assert.Equal(t, "10.77.0.11:5000/hello:1.0@sha256:1111", ch.After)
	assert.Contains(t, conn.Calls[0].Cmd, "--unix-socket /var/run/docker.sock")
	assert.Contains(t, conn.Calls[0].Cmd, "/distribution/10.77.0.11:5000/hello:1.0/json")

	_, _, pinned := splitImage(cur.Image)
	ch, err = resolveChange(ctx, fakeconn.New(answer(pinned)), "10.77.0.11:5000/hello:1.0", cur)
	require.NoError(t, err)
	assert.Nil(t, ch, "same digest")

	_, err = resolveChange(ctx, fakeconn.New(fakeconn.OK(`{"message":"manifest unknown"}`+"\n404")), "10.77.0.11:5000/hello:1.0", cur)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 404: manifest unknown")

	conn = fakeconn.New()
	ch, err = resolveChange(ctx, conn, "10.77.0.11:5000/hello:2.0", cur)
	require.NoError(t, err)
	assert.Nil(t, ch, "another tag is an image change already")
	assert.Empty(t, conn.Calls)
}
