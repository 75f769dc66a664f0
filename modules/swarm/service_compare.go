package swarm

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// svcChange is one option that differs, with what the diff shows and the
// docker service update flags that fix it.
type svcChange struct {
	Option        string
	Before, After string
	Flags         []string
}

// compareService returns the options of d that differ from c, in a fixed
// order. netNames maps network IDs to names (needed only when d gives
// networks). Only options d gives are compared.
func compareService(d svcDesired, c svcCurrent, netNames map[string]string) []svcChange {
	var out []svcChange
	add := func(opt, before, after string, flags ...string) {
		out = append(out, svcChange{Option: opt, Before: before, After: after, Flags: flags})
	}
	if d.Image != "" && !sameImage(d.Image, c.Image) {
		add("image", c.Image, d.Image, "--image", d.Image)
	}
	if d.Mode != "" && d.Mode != c.Mode {
		add("mode", c.Mode, d.Mode)
	}
	if d.Replicas != nil && d.Mode == "replicated" && (c.Mode != "replicated" || *d.Replicas != c.Replicas) {
		add("replicas", u64(c.Replicas), u64(*d.Replicas), "--replicas", u64(*d.Replicas))
	}
	if d.Command != nil && !slices.Equal(d.Command, c.Command) {
		add("command", words(c.Command), words(d.Command), "--entrypoint", words(d.Command))
	}
	if d.Args != nil && !slices.Equal(d.Args, c.Args) {
		add("args", words(c.Args), words(d.Args), "--args", words(d.Args))
	}
	if d.Env != nil && !maps.Equal(d.Env, c.Env) {
		add("env", kvText(c.Env), kvText(d.Env), mapFlags("--env-add", "--env-rm", c.Env, d.Env)...)
	}
	if d.Publish != nil {
		if flags := portFlags(c.Publish, d.Publish); len(flags) > 0 {
			add("publish", portsText(c.Publish), portsText(d.Publish), flags...)
		}
	}
	if d.Networks != nil {
		have := make([]string, len(c.NetworkIDs))
		for i, id := range c.NetworkIDs {
			have[i] = id
			if n, ok := netNames[id]; ok {
				have[i] = n
			}
		}
		want := make([]string, len(d.Networks))
		for i, n := range d.Networks {
			want[i] = n
			if full, ok := netNames[n]; ok { // given by ID
				want[i] = full
			} else {
				for id, name := range netNames {
					if strings.HasPrefix(id, n) && len(n) >= 12 {
						want[i] = name
					}
				}
			}
		}
		var flags []string
		for _, n := range have {
			if !slices.Contains(want, n) {
				flags = append(flags, "--network-rm", n)
			}
		}
		for _, n := range want {
			if !slices.Contains(have, n) {
				flags = append(flags, "--network-add", n)
			}
		}
		if len(flags) > 0 {
			add("networks", listText(have), listText(want), flags...)
		}
	}
	if d.EndpointMode != "" && d.EndpointMode != c.EndpointMode {
		add("endpoint_mode", c.EndpointMode, d.EndpointMode, "--endpoint-mode", d.EndpointMode)
	}
	if d.Constraints != nil {
		var flags []string
		for _, have := range c.Constraints {
			if !slices.ContainsFunc(d.Constraints, func(w string) bool { return sameConstraint(w, have) }) {
				flags = append(flags, "--constraint-rm", have)
			}
		}
		for _, want := range d.Constraints {
			if !slices.ContainsFunc(c.Constraints, func(h string) bool { return sameConstraint(want, h) }) {
				flags = append(flags, "--constraint-add", want)
			}
		}
		if len(flags) > 0 {
			add("constraints", listText(c.Constraints), listText(d.Constraints), flags...)
		}
	}
	if d.Preferences != nil && !slices.Equal(d.Preferences, c.Preferences) {
		// Preferences are ordered (a hierarchy): replace them all.
		var flags []string
		for _, p := range c.Preferences {
			flags = append(flags, "--placement-pref-rm", "spread="+p)
		}
		for _, p := range d.Preferences {
			flags = append(flags, "--placement-pref-add", "spread="+p)
		}
		add("preferences", listText(c.Preferences), listText(d.Preferences), flags...)
	}
	if d.MaxPerNode != nil && *d.MaxPerNode != c.MaxPerNode {
		add("replicas_max_per_node", u64(c.MaxPerNode), u64(*d.MaxPerNode), "--replicas-max-per-node", u64(*d.MaxPerNode))
	}
	if d.Labels != nil && !maps.Equal(d.Labels, c.Labels) {
		add("labels", kvText(c.Labels), kvText(d.Labels), mapFlags("--label-add", "--label-rm", c.Labels, d.Labels)...)
	}
	if d.ContainerLabels != nil && !maps.Equal(d.ContainerLabels, c.ContainerLabels) {
		add("container_labels", kvText(c.ContainerLabels), kvText(d.ContainerLabels), mapFlags("--container-label-add", "--container-label-rm", c.ContainerLabels, d.ContainerLabels)...)
	}
	r := d.Restart
	if r.Condition != nil && *r.Condition != c.Restart.Condition {
		add("restart_config.condition", c.Restart.Condition, *r.Condition, "--restart-condition", *r.Condition)
	}
	durationChange(add, "restart_config.delay", "--restart-delay", r.Delay, c.Restart.Delay)
	if r.MaxAttempts != nil && *r.MaxAttempts != c.Restart.MaxAttempts {
		add("restart_config.max_attempts", u64(c.Restart.MaxAttempts), u64(*r.MaxAttempts), "--restart-max-attempts", u64(*r.MaxAttempts))
	}
	durationChange(add, "restart_config.window", "--restart-window", r.Window, c.Restart.Window)
	u := d.Update
	if u.Parallelism != nil && *u.Parallelism != c.Update.Parallelism {
		add("update_config.parallelism", u64(c.Update.Parallelism), u64(*u.Parallelism), "--update-parallelism", u64(*u.Parallelism))
	}
	durationChange(add, "update_config.delay", "--update-delay", u.Delay, c.Update.Delay)
	if u.FailureAction != nil && *u.FailureAction != c.Update.FailureAction {
		add("update_config.failure_action", c.Update.FailureAction, *u.FailureAction, "--update-failure-action", *u.FailureAction)
	}
	durationChange(add, "update_config.monitor", "--update-monitor", u.Monitor, c.Update.Monitor)
	if u.MaxFailureRatio != nil && *u.MaxFailureRatio != c.Update.MaxFailureRatio {
		f := strconv.FormatFloat(*u.MaxFailureRatio, 'g', -1, 64)
		add("update_config.max_failure_ratio", strconv.FormatFloat(c.Update.MaxFailureRatio, 'g', -1, 64), f, "--update-max-failure-ratio", f)
	}
	if u.Order != nil && *u.Order != c.Update.Order {
		add("update_config.order", c.Update.Order, *u.Order, "--update-order", *u.Order)
	}
	return out
}

func durationChange(add func(string, string, string, ...string), opt, flag string, want *time.Duration, have time.Duration) {
	if want != nil && *want != have {
		add(opt, have.String(), want.String(), flag, want.String())
	}
}

// mapFlags returns the add and remove flags turning have into want.
func mapFlags(addFlag, rmFlag string, have, want map[string]string) []string {
	var flags []string
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			flags = append(flags, rmFlag, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if hv, ok := have[k]; !ok || hv != want[k] {
			flags = append(flags, addFlag, k+"="+want[k])
		}
	}
	return flags
}

// portFlags returns the flags turning have into want (none when equal as
// sets). docker service update drops every port with the target,
// protocol and mode of a --publish-rm; the module verifies the result
// and updates again when that removed a port still wanted.
func portFlags(have, want []svcPort) []string {
	var flags []string
	for _, p := range have {
		if !slices.Contains(want, p) {
			flags = append(flags, "--publish-rm", fmt.Sprintf("target=%d,protocol=%s,mode=%s", p.Target, p.Protocol, p.Mode))
		}
	}
	for _, p := range want {
		if !slices.Contains(have, p) {
			flags = append(flags, "--publish-add", p.flag())
		}
	}
	return flags
}

// sameConstraint compares placement constraints without the spaces
// around their operator ("node.role == manager" is "node.role==manager").
func sameConstraint(a, b string) bool {
	strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strip(a) == strip(b)
}

// sameImage compares a declared image with the one in the service spec.
// Docker records name:tag@digest after resolving the tag; the digest
// counts only when the declared image names one. A missing tag is
// latest, and Docker Hub's long names equal their short ones.
func sameImage(want, have string) bool {
	wn, wt, wd := splitImage(want)
	hn, ht, hd := splitImage(have)
	if wn != hn {
		return false
	}
	if wd != "" {
		return wd == hd && (wt == "" || wt == ht)
	}
	if wt == "" {
		wt = "latest"
	}
	if ht == "" {
		ht = "latest"
	}
	return wt == ht
}

// splitImage splits repository[:tag][@digest] and normalises Docker Hub
// names (docker.io/library/x is x).
func splitImage(ref string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	for _, p := range []string{"docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			name = rest
			break
		}
	}
	return name, tag, digest
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// words renders a command as one string that Docker's shell-like
// splitting (--entrypoint, --args) reads back as the same words.
func words(w []string) string {
	q := make([]string, len(w))
	for i, s := range w {
		q[i] = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`") {
			q[i] = s
		}
	}
	return strings.Join(q, " ")
}

func kvText(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k + "=" + m[k] + "; ")
	}
	return strings.TrimSuffix(b.String(), "; ")
}

func portsText(ps []svcPort) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

func listText(l []string) string { return strings.Join(l, ", ") }
