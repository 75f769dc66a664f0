package registry

import "github.com/hactl/hactl/pkg/module"

// Registry is the docker_registry module.
type Registry struct{}

func init() { module.Register(Registry{}) }

// Spec describes docker_registry.
func (Registry) Spec() module.Spec {
	return module.Spec{
		Name:    "docker_registry",
		Aliases: []string{"hactl.docker_registry"},
		Short:   "Run the Docker registry as the docker-registry service: config.yml, htpasswd, restart on change, /v2/ check, garbage collection",
		Doc: `Runs a Docker registry (distribution 2.x, Debian's docker-registry package) as its systemd service — not as a container, so it needs no image from anywhere. The module owns /etc/docker/registry/config.yml and renders it from the arguments, always to the same bytes: filesystem storage (storage_path), the HTTP address (addr), an optional TLS certificate and key, an optional http_secret, storage.delete.enabled (delete_enabled) and read-only maintenance mode (readonly).

Several instances behind a load balancer must share the same storage (e.g. an NFS export) and the same http_secret, or uploads that land on different instances fail; give both to every instance. http_secret is secret: it is masked in the diff, and config.yml is written 0640 root:docker-registry.

htpasswd_users turns on basic authentication: each {user, password} becomes a bcrypt line in htpasswd_path. An existing line whose hash still matches its password is kept as it is (bcrypt salts differ on every hash, so regenerating would change the file every run); users not listed are removed. Passwords and hashes never appear in output or diffs. The registry only accepts basic auth over TLS in clients' eyes: docker login refuses plain HTTP unless the registry is in insecure-registries.

When either file changes, a running registry is restarted (the registry reads its configuration only at start); state started starts a stopped one, enabled enables it at boot. Then the module checks that GET /v2/ on the host answers 200 (or 401 with authentication) with the header Docker-Distribution-Api-Version: registry/2.0.

garbage_collect: true removes blobs no manifest references. Garbage collection is stop-the-world for writers: the module switches the registry to read-only (readonly maintenance mode, restart), runs "docker-registry garbage-collect" as the docker-registry user, then restores the configuration the task declares and restarts again. Pulls keep working throughout; pushes fail while it runs (the time is returned as readonly_seconds). With several instances on shared storage, put all of them read-only first (run this task with readonly: true on the others). The task reports a change only when something was eligible for deletion; in check mode it runs garbage-collect --dry-run, which changes nothing.

peers names the other instances (inventory hosts, reached with their connection variables from hostvars). After its own work the module reads their config.yml and compares: a different (or missing) http.secret fails the task — the hash is compared, the secret is never shown; a storage path that differs, or storage that is not on a shared filesystem (nfs, cephfs, glusterfs, …, as findmnt reports it), is a warning.

Clients: a plain-HTTP registry must be listed in each client's insecure-registries (docker_daemon_config); a registry with a private CA wants the CA in /etc/docker/certs.d/HOST:PORT/ca.crt.

Check mode renders and compares, and shows the diffs; nothing is written or restarted.`,
		Params: []module.Param{
			{Name: "addr", Type: module.Str, Default: ":5000", Aliases: []string{"listen"}, Doc: "http.addr: [HOST]:PORT to listen on."},
			{Name: "storage_path", Type: module.Path, Default: "/var/lib/docker-registry", Doc: "storage.filesystem.rootdirectory (created for the docker-registry user when missing)."},
			{Name: "delete_enabled", Type: module.Bool, Default: false, Doc: "storage.delete.enabled: allow deleting manifests and blobs through the API."},
			{Name: "readonly", Type: module.Bool, Default: false, Doc: "storage.maintenance.readonly.enabled: refuse writes (maintenance)."},
			{Name: "http_secret", Type: module.Str, Secret: true, Doc: "http.secret, the same on every instance behind a load balancer."},
			{Name: "tls_cert", Type: module.Path, Doc: "http.tls.certificate: certificate file on the host."},
			{Name: "tls_key", Type: module.Path, Doc: "http.tls.key: key file on the host."},
			{Name: "htpasswd_users", Type: module.List, Elements: module.Dict, Secret: true, Doc: "[{user, password}] for basic authentication (bcrypt)."},
			{Name: "htpasswd_path", Type: module.Path, Default: "/etc/docker/registry/htpasswd", Doc: "Where the htpasswd file goes."},
			{Name: "realm", Type: module.Str, Default: "registry", Doc: "Basic authentication realm."},
			{Name: "state", Type: module.Str, Default: "started", Choices: []any{"started", "stopped", "present"}, Doc: "started: running with this configuration; stopped; present: only the files."},
			{Name: "enabled", Type: module.Bool, Default: true, Doc: "Enable the service at boot (state started)."},
			{Name: "service", Type: module.Str, Default: "docker-registry", Doc: "The systemd unit."},
			{Name: "garbage_collect", Type: module.Bool, Default: false, Doc: "Run garbage collection in read-only mode (see above)."},
			{Name: "delete_untagged", Type: module.Bool, Default: false, Doc: "With garbage_collect, also delete manifests no tag references."},
			{Name: "peers", Type: module.List, Elements: module.Str, Doc: "Inventory hosts running the other instances behind the same load balancer: checked for the same http.secret and shared storage."},
			{Name: "verify", Type: module.Bool, Default: true, Doc: "Check GET /v2/ after starting or restarting."},
			{Name: "verify_timeout", Type: module.Int, Default: 30, Doc: "Seconds to wait for /v2/ to answer."},
		},
		RequiredTogether: [][]string{{"tls_cert", "tls_key"}},
		CheckMode:        true,
		Examples: `- name: Registry on infra01, plain HTTP inside the lab
  docker_registry:
    addr: ":5000"
    delete_enabled: true
    http_secret: "{{ vault_registry_secret }}"

- name: Monthly clean-up
  docker_registry:
    delete_enabled: true
    http_secret: "{{ vault_registry_secret }}"
    garbage_collect: true`,
		Returns: []module.ReturnValue{
			{Name: "config_changed", Type: module.Bool, Doc: "Whether config.yml changed (or would)."},
			{Name: "htpasswd_changed", Type: module.Bool, Doc: "Whether the htpasswd file changed (or would)."},
			{Name: "restarted", Type: module.Bool, Doc: "Whether the registry was restarted for a new configuration."},
			{Name: "started", Type: module.Bool, Doc: "Whether it was started."},
			{Name: "url", Type: module.Str, Doc: "The /v2/ URL checked on the host."},
			{Name: "peers", Type: module.Dict, Doc: "With peers: per peer, same_secret, storage and fstype."},
			{Name: "warnings", Type: module.List, Doc: "With peers: storage that is not shared or differs."},
			{Name: "gc", Type: module.Dict, Doc: "With garbage_collect: blobs_eligible, manifests_eligible, readonly_seconds, dry_run."},
		},
	}
}
