// Package registry holds docker_registry: the Docker registry (Debian's
// docker-registry package, distribution 2.x) run as a systemd service on
// the host — its config.yml rendered from checked arguments, htpasswd
// users kept with bcrypt, restarts only when a file changed, a /v2/
// health check, and garbage collection in read-only maintenance mode.
package registry
