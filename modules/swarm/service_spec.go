package swarm

import "github.com/hactl/hactl/pkg/module"

// Service is the swarm_service module.
type Service struct{}

func init() { module.Register(Service{}) }

// Spec describes swarm_service.
func (Service) Spec() module.Spec {
	return module.Spec{
		Name:    "swarm_service",
		Aliases: []string{"hactl.swarm_service", "docker_swarm_service"},
		Short:   "Create, update or remove a Docker Swarm service (run on a manager), compared field by field with docker service inspect",
		Doc: `Runs on a swarm manager and keeps one service as the task declares it. The service is read with docker service inspect and only the options the task gives are compared — an option not given is left as the service has it, and defaults Docker fills in (restart policy, update config, protocol tcp, publish mode ingress) never count as a difference. Lists given (env, publish, networks, constraints, labels) are the whole set: entries the service has beyond them are removed.

The image is compared by repository and tag: Docker pins the digest it resolved at deployment (name:tag@sha256:…), and that pin is not a difference unless the task names a digest itself. A new image pushed under the same tag is therefore not seen, unless resolve_image is true: then the manager's dockerd is asked which digest the registry serves for the tag now (as docker service update does), and a digest other than the pinned one updates the service. force_update redeploys every task whatever differs (and resolves the tag again).

A missing service is created (docker service create); a different one is updated with docker service update and only the flags that differ (--env-add/--env-rm, --publish-add/--publish-rm, --replicas, --image, …). mode cannot be changed in place: a service whose mode differs is removed and created again (rebuilt: true). state absent removes the service.

wait (default true) waits until the service has converged after a create or update — every task running the new spec, as docker service create/update report it — for at most wait_timeout seconds, and fails if the update is paused or rolled back. running_replicas and desired_replicas are returned on every run.

Diff mode shows the compared options before and after. Check mode reads and compares only; on a host that is not yet a manager (its init only predicted in the same check run) it reports a change with predicted: unknown-dependency.

The ingress routing mesh needs IPVS in the kernel of every node; where it is missing, publish with mode host (the port opens only on nodes running a task) and place tasks with constraints or replicas_max_per_node.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The service name."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "present or absent."},
			{Name: "image", Type: module.Str, Doc: "Image reference (repository[:tag][@digest]); required for present."},
			{Name: "mode", Type: module.Str, Default: "replicated", Choices: []any{"replicated", "global"}, Doc: "replicated or global (changing it rebuilds the service)."},
			{Name: "replicas", Type: module.Int, Default: -1, Doc: "Tasks of a replicated service; -1: not managed (1 on create)."},
			{Name: "command", Type: module.Raw, Doc: "Entrypoint override (string split like a shell would, or a list): ContainerSpec.Command, docker's --entrypoint."},
			{Name: "args", Type: module.List, Elements: module.Str, Doc: "Arguments to the command: ContainerSpec.Args."},
			{Name: "env", Type: module.Raw, Doc: "Environment: a dict, or a list of KEY=value strings."},
			{Name: "publish", Type: module.List, Elements: module.Dict, Doc: "Published ports: [{published_port, target_port, protocol: tcp|udp|sctp, mode: ingress|host}]."},
			{Name: "networks", Type: module.List, Doc: "Networks to attach, by name (or {name: NAME})."},
			{Name: "endpoint_mode", Type: module.Str, Choices: []any{"vip", "dnsrr"}, Doc: "Service discovery: a virtual IP or DNS round robin."},
			{Name: "placement", Type: module.Dict, Doc: "{constraints: [..], preferences: [{spread: node.labels.X}], replicas_max_per_node: N}."},
			{Name: "constraints", Type: module.List, Elements: module.Str, Doc: "Placement constraints (short for placement.constraints), e.g. node.role==worker."},
			{Name: "labels", Type: module.Dict, Doc: "Service labels."},
			{Name: "container_labels", Type: module.Dict, Doc: "Labels of the service's containers."},
			{Name: "restart_config", Type: module.Dict, Doc: "{condition: none|on-failure|any, delay, max_attempts, window}; durations as 5s, 1m30s or seconds."},
			{Name: "update_config", Type: module.Dict, Doc: "{parallelism, delay, failure_action: continue|pause|rollback, monitor, max_failure_ratio, order: stop-first|start-first}."},
			{Name: "resolve_image", Type: module.Bool, Default: false, Doc: "Compare the digest the registry serves for the tag with the one the service pinned (a new push under the same tag updates the service)."},
			{Name: "with_registry_auth", Type: module.Bool, Default: false, Doc: "Send the manager's registry credentials to the nodes (--with-registry-auth) when creating or updating."},
			{Name: "force_update", Type: module.Bool, Default: false, Doc: "Redeploy every task even when nothing differs (always reports a change)."},
			{Name: "wait", Type: module.Bool, Default: true, Doc: "After a create or update, wait until the service has converged."},
			{Name: "wait_timeout", Type: module.Int, Default: 120, Doc: "Seconds to wait for convergence."},
		},
		RequiredIf: []module.RequiredIf{{Param: "state", Value: "present", Requires: []string{"image"}}},
		CheckMode:  true,
		Examples: `- name: Three replicas of the application from the lab registry
  swarm_service:
    name: app
    image: 10.77.0.11:5000/app:1.0
    replicas: 3
    env:
      GREETING: hello
    publish:
      - published_port: 8080
        target_port: 8080
        mode: host
    placement:
      replicas_max_per_node: 1
    update_config:
      parallelism: 1
      order: start-first
    restart_config:
      condition: any
      delay: 5s
  run_once: true
  delegate_to: "{{ groups.managers[0] }}"`,
		Returns: []module.ReturnValue{
			{Name: "swarm_service", Type: module.Dict, Doc: "The service after the task: id, name, image, mode, replicas, env, ports, … (empty when absent)."},
			{Name: "changes", Type: module.List, Doc: "Names of the options that differed."},
			{Name: "rebuilt", Type: module.Bool, Doc: "The service was removed and created again (mode changed)."},
			{Name: "running_replicas", Type: module.Int, Doc: "Tasks running."},
			{Name: "desired_replicas", Type: module.Int, Doc: "Tasks wanted."},
			{Name: "predicted", Type: module.Str, Doc: "unknown-dependency when check mode found no manager to ask."},
		},
	}
}
