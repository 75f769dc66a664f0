package docker

import "github.com/hactl/hactl/pkg/module"

// Container is the docker_container module.
type Container struct{}

func init() { module.Register(Container{}) }

// Spec describes docker_container.
func (Container) Spec() module.Spec {
	return module.Spec{
		Name:    "docker_container",
		Aliases: []string{"hactl.docker_container"},
		Short:   "Run a Docker container from a declared spec; recreate it only when it drifted",
		Doc: `Manages one named container on the host's Docker engine, through the docker CLI.

The task declares the container completely: image, command, env, published_ports, volumes, restart_policy, network_mode and labels. The module reads the container with docker inspect and compares it with that declaration — the image ID the image reference resolves to now, the command (the image's when none is given), the environment and labels beyond those the image itself sets, published ports, bind mounts and named volumes, restart policy (and retries) and network mode. Anything different is drift: the container is removed and created again (reported as changed, with the drifted fields in the diff). An option left out of the task means its default, so removing an env entry from the task removes it from the container. A container that matches is left alone; if it is stopped and state is started, it is started (changed).

Environment values never appear on a command line: docker create reads them as an env file from its standard input (--env-file /dev/stdin). The diff names the env keys that differ without their values.

state: started (exists, matches, running — verified running shortly after start), present (exists and matches, not started), stopped (exists and matches, stopped), absent (removed with docker rm -f).

pull: missing (default: pull the image only when the host does not have it), always (pull before comparing, so a moved tag recreates the container), never (fail when the image is missing). Booleans are accepted as in community.docker: true is always, false is missing.

recreate: true recreates even without drift; restart: true restarts a running container that needed no recreate.

Check mode gathers and compares only: nothing is pulled, created, started or removed.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "Container name."},
			{Name: "image", Type: module.Str, Doc: "Image reference; required unless state is absent or stopped on an existing container."},
			{Name: "state", Type: module.Str, Default: "started", Choices: []any{"started", "present", "stopped", "absent"}, Doc: "Desired state."},
			{Name: "command", Type: module.Raw, Doc: "Command: a list of words, or a string split like a shell would."},
			{Name: "env", Type: module.Dict, Doc: "Environment variables (values are strings)."},
			{Name: "published_ports", Type: module.List, Elements: module.Str, Aliases: []string{"ports"}, Doc: "[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] entries."},
			{Name: "volumes", Type: module.List, Elements: module.Str, Doc: "SOURCE:DEST[:MODE] bind mounts or named volumes, or DEST for an anonymous volume."},
			{Name: "restart_policy", Type: module.Str, Choices: []any{"no", "on-failure", "always", "unless-stopped"}, Doc: "Restart policy (default no)."},
			{Name: "restart_retries", Type: module.Int, Doc: "Maximum retries with on-failure."},
			{Name: "network_mode", Type: module.Str, Doc: "bridge (default), host, none, container:NAME or a network name."},
			{Name: "labels", Type: module.Dict, Doc: "Container labels."},
			{Name: "pull", Type: module.Raw, Default: "missing", Doc: "missing, always or never (true = always, false = missing)."},
			{Name: "recreate", Type: module.Bool, Default: false, Doc: "Recreate even when nothing drifted."},
			{Name: "restart", Type: module.Bool, Default: false, Doc: "Restart a running container that was not recreated."},
			{Name: "stop_timeout", Type: module.Int, Doc: "Seconds docker waits for the container to stop before killing it."},
		},
		RequiredIf: []module.RequiredIf{
			{Param: "state", Value: "started", Requires: []string{"image"}},
			{Param: "state", Value: "present", Requires: []string{"image"}},
		},
		CheckMode: true,
		Examples: `- name: Run the application
  docker_container:
    name: app
    image: 10.77.0.13:5000/app:1.0
    env:
      GREETING: hello
    published_ports: ["8080:8080"]
    volumes: ["/srv/app:/data:ro"]
    restart_policy: unless-stopped
    labels:
      tier: front`,
		Returns: []module.ReturnValue{
			{Name: "container", Type: module.Dict, Doc: "Id, Name, Image, State.Status of the container after the task (absent: empty)."},
			{Name: "drift", Type: module.List, Doc: "The fields that differed from the declaration."},
			{Name: "actions", Type: module.List, Doc: "What was done (or would be)."},
		},
	}
}
