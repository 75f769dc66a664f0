package swarm

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// waitFlag is -q (follow the tasks quietly until converged) or --detach.
func waitFlag(a module.Args) string {
	if a.Bool("wait") {
		return "-q"
	}
	return "--detach"
}

// createArgs is the docker service create command line for d.
func createArgs(d svcDesired, a module.Args) []string {
	args := []string{"docker", "service", "create", waitFlag(a), "--name", d.Name, "--mode", d.Mode}
	if d.Replicas != nil {
		args = append(args, "--replicas", u64(*d.Replicas))
	}
	if d.Command != nil {
		args = append(args, "--entrypoint", words(d.Command))
	}
	for _, k := range slices.Sorted(maps.Keys(d.Env)) {
		args = append(args, "--env", k+"="+d.Env[k])
	}
	for _, p := range d.Publish {
		args = append(args, "--publish", p.flag())
	}
	for _, n := range d.Networks {
		args = append(args, "--network", n)
	}
	if d.EndpointMode != "" {
		args = append(args, "--endpoint-mode", d.EndpointMode)
	}
	for _, c := range d.Constraints {
		args = append(args, "--constraint", c)
	}
	for _, p := range d.Preferences {
		args = append(args, "--placement-pref", "spread="+p)
	}
	if d.MaxPerNode != nil {
		args = append(args, "--replicas-max-per-node", u64(*d.MaxPerNode))
	}
	for _, k := range slices.Sorted(maps.Keys(d.Labels)) {
		args = append(args, "--label", k+"="+d.Labels[k])
	}
	for _, k := range slices.Sorted(maps.Keys(d.ContainerLabels)) {
		args = append(args, "--container-label", k+"="+d.ContainerLabels[k])
	}
	r := d.Restart
	if r.Condition != nil {
		args = append(args, "--restart-condition", *r.Condition)
	}
	if r.Delay != nil {
		args = append(args, "--restart-delay", r.Delay.String())
	}
	if r.MaxAttempts != nil {
		args = append(args, "--restart-max-attempts", u64(*r.MaxAttempts))
	}
	if r.Window != nil {
		args = append(args, "--restart-window", r.Window.String())
	}
	u := d.Update
	if u.Parallelism != nil {
		args = append(args, "--update-parallelism", u64(*u.Parallelism))
	}
	if u.Delay != nil {
		args = append(args, "--update-delay", u.Delay.String())
	}
	if u.FailureAction != nil {
		args = append(args, "--update-failure-action", *u.FailureAction)
	}
	if u.Monitor != nil {
		args = append(args, "--update-monitor", u.Monitor.String())
	}
	if u.MaxFailureRatio != nil {
		args = append(args, "--update-max-failure-ratio", strconv.FormatFloat(*u.MaxFailureRatio, 'g', -1, 64))
	}
	if u.Order != nil {
		args = append(args, "--update-order", *u.Order)
	}
	if a.Bool("with_registry_auth") {
		args = append(args, "--with-registry-auth")
	}
	// Everything after the image is the container's arguments.
	args = append(args, d.Image)
	return append(args, d.Args...)
}

// updateArgs is the docker service update command line applying changes.
func updateArgs(a module.Args, id string, changes []svcChange) []string {
	args := []string{"docker", "service", "update", waitFlag(a)}
	for _, c := range changes {
		args = append(args, c.Flags...)
	}
	if a.Bool("with_registry_auth") {
		args = append(args, "--with-registry-auth")
	}
	return append(args, id)
}

// desiredSummary is the service a check-mode create would make.
func desiredSummary(d svcDesired) map[string]any {
	m := map[string]any{"name": d.Name, "image": d.Image, "mode": d.Mode}
	if d.Replicas != nil {
		m["replicas"] = int(*d.Replicas)
	}
	if d.Env != nil {
		m["env"] = anyMap(d.Env)
	}
	if d.Publish != nil {
		m["ports"] = portsAny(d.Publish)
	}
	return m
}

// currentSummary is what the module returns as swarm_service.
func currentSummary(c svcCurrent, nets map[string]string) map[string]any {
	networks := []any{}
	for _, id := range c.NetworkIDs {
		if n, ok := nets[id]; ok {
			networks = append(networks, n)
		} else {
			networks = append(networks, id)
		}
	}
	constraints := []any{}
	for _, s := range c.Constraints {
		constraints = append(constraints, s)
	}
	m := map[string]any{
		"id": c.ID, "image": c.Image, "mode": c.Mode, "env": anyMap(c.Env), "ports": portsAny(c.Publish),
		"networks": networks, "constraints": constraints, "labels": anyMap(c.Labels), "container_labels": anyMap(c.ContainerLabels),
		"endpoint_mode": c.EndpointMode, "update_state": c.UpdateState,
	}
	if c.Mode == "replicated" {
		m["replicas"] = int(c.Replicas)
	}
	return m
}

// desiredText renders the declared service for a create's diff: one
// option and its value a line, then the image and its arguments.
func desiredText(d svcDesired) string {
	var b strings.Builder
	toks := createArgs(d, module.Args{})[4:]
	for i := 0; i < len(toks); i++ {
		if strings.HasPrefix(toks[i], "--") && i+1 < len(toks) {
			b.WriteString(toks[i] + " " + toks[i+1] + "\n")
			i++
			continue
		}
		b.WriteString(toks[i] + "\n")
	}
	return b.String()
}

func anyMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func portsAny(ps []svcPort) []any {
	out := []any{}
	for _, p := range ps {
		out = append(out, map[string]any{"published_port": p.Published, "target_port": p.Target, "protocol": p.Protocol, "mode": p.Mode})
	}
	return out
}
