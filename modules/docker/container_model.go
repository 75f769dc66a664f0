package docker

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
)

// containerInfo is the part of `docker inspect` docker_container reads.
type containerInfo struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	Image string `json:"Image"`
	State struct {
		Status   string `json:"Status"`
		Running  bool   `json:"Running"`
		ExitCode int    `json:"ExitCode"`
		Error    string `json:"Error"`
	} `json:"State"`
	Config struct {
		Env     []string            `json:"Env"`
		Cmd     []string            `json:"Cmd"`
		Labels  map[string]string   `json:"Labels"`
		Volumes map[string]struct{} `json:"Volumes"`
	} `json:"Config"`
	HostConfig struct {
		Binds         []string                 `json:"Binds"`
		NetworkMode   string                   `json:"NetworkMode"`
		PortBindings  map[string][]portBinding `json:"PortBindings"`
		RestartPolicy struct {
			Name              string `json:"Name"`
			MaximumRetryCount int    `json:"MaximumRetryCount"`
		} `json:"RestartPolicy"`
	} `json:"HostConfig"`
}

type portBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

func (c *containerInfo) summary() map[string]any {
	if c == nil {
		return map[string]any{}
	}
	return map[string]any{"Id": c.ID, "Name": strings.TrimPrefix(c.Name, "/"), "Image": c.Image, "State": map[string]any{"Status": c.State.Status, "Running": c.State.Running}}
}

// want is a container as the task declares it.
type want struct {
	Command  []string // nil: the image's
	Env      map[string]string
	Ports    []string // normalised: IP|HOSTPORT|PORT/PROTO
	Binds    []string // normalised SOURCE:DEST[:MODE]
	Anon     []string // anonymous volume destinations
	Restart  string
	Retries  int
	Network  string
	Labels   map[string]string
	Timeout  int
	HasStopT bool
}

// parseWant reads and checks the declaration from the arguments.
func parseWant(a module.Args) (want, error) {
	w := want{Env: map[string]string{}, Labels: map[string]string{}, Restart: "no", Network: "default"}
	switch c := a["command"].(type) {
	case nil:
	case string:
		words, err := shellx.Split(c)
		if err != nil {
			return w, fmt.Errorf("command: %w", err)
		}
		w.Command = words
	case []any:
		for _, x := range c {
			w.Command = append(w.Command, fmt.Sprint(x))
		}
	default:
		return w, fmt.Errorf("command: expected a string or a list, got %T", c)
	}
	for k, v := range a.Dict("env") {
		if k == "" || strings.Contains(k, "=") {
			return w, fmt.Errorf("env: invalid variable name %q", k)
		}
		w.Env[k] = scalar(v)
	}
	for k, v := range a.Dict("labels") {
		w.Labels[k] = scalar(v)
	}
	for _, p := range a.Strings("published_ports") {
		n, err := normalisePort(p)
		if err != nil {
			return w, err
		}
		w.Ports = append(w.Ports, n)
	}
	slices.Sort(w.Ports)
	for _, v := range a.Strings("volumes") {
		if !strings.Contains(v, ":") {
			w.Anon = append(w.Anon, v)
			continue
		}
		w.Binds = append(w.Binds, normaliseBind(v))
	}
	slices.Sort(w.Binds)
	slices.Sort(w.Anon)
	if r := a.String("restart_policy"); r != "" {
		w.Restart = r
	}
	w.Retries = a.Int("restart_retries")
	if w.Retries != 0 && w.Restart != "on-failure" {
		return w, fmt.Errorf("restart_retries needs restart_policy on-failure")
	}
	if n := a.String("network_mode"); n != "" {
		w.Network = n
	}
	if a.Has("stop_timeout") {
		w.Timeout, w.HasStopT = a.Int("stop_timeout"), true
	}
	return w, nil
}

// scalar renders an env or label value as docker stores it (YAML
// booleans and numbers become their text).
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// normalisePort turns [IP:][HOST:]PORT[/PROTO] into IP|HOST|PORT/PROTO.
func normalisePort(p string) (string, error) {
	spec, proto, _ := strings.Cut(p, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return "", fmt.Errorf("published_ports %q: protocol %q is not tcp, udp or sctp", p, proto)
	}
	var ip, host, cport string
	parts := strings.Split(spec, ":")
	if strings.HasPrefix(spec, "[") { // [v6]:host:port
		end := strings.Index(spec, "]")
		if end < 0 {
			return "", fmt.Errorf("published_ports %q: unclosed [", p)
		}
		ip = spec[1:end]
		parts = append([]string{ip}, strings.Split(strings.TrimPrefix(spec[end+1:], ":"), ":")...)
	}
	switch len(parts) {
	case 1:
		cport = parts[0]
	case 2:
		host, cport = parts[0], parts[1]
	case 3:
		ip, host, cport = parts[0], parts[1], parts[2]
	default:
		return "", fmt.Errorf("published_ports %q: expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]", p)
	}
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return "", fmt.Errorf("published_ports %q: %q is not an IP address", p, ip)
		}
		if a.IsUnspecified() {
			ip = ""
		}
	}
	for i, n := range []string{host, cport} {
		if n == "" && i == 0 {
			continue // no host port: docker picks one
		}
		if v, err := strconv.Atoi(n); err != nil || v < 1 || v > 65535 {
			return "", fmt.Errorf("published_ports %q: %q is not a port number (ranges are not supported)", p, n)
		}
	}
	return ip + "|" + host + "|" + cport + "/" + proto, nil
}

// normaliseBind drops the default :rw mode.
func normaliseBind(v string) string {
	return strings.TrimSuffix(v, ":rw")
}

// portFlag turns a normalised port back into a -p value.
func portFlag(n string) string {
	f := strings.SplitN(n, "|", 3)
	ip, host, cport := f[0], f[1], f[2]
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	switch {
	case ip != "":
		return ip + ":" + host + ":" + cport
	case host != "":
		return host + ":" + cport
	}
	return cport
}

// drift lists what differs between the container and the declaration.
// imageID is the ID the declared image resolves to ("" to skip that
// comparison); img is that image (its env, labels and command are the
// defaults a container inherits).
func drift(c *containerInfo, w want, imageID string, img *imageInfo) []string {
	var out []string
	if imageID != "" && c.Image != imageID {
		out = append(out, "image")
	}
	var imgEnv, imgLabels map[string]string
	var imgCmd []string
	if img != nil {
		imgEnv = envMap(img.Config.Env)
		imgLabels = img.Config.Labels
		imgCmd = img.Config.Cmd
	}
	wantCmd := w.Command
	if wantCmd == nil {
		wantCmd = imgCmd
	}
	if img != nil || w.Command != nil {
		if !slices.Equal(emptyNil(c.Config.Cmd), emptyNil(wantCmd)) {
			out = append(out, "command")
		}
	}
	if keys := diffKeys(envMap(c.Config.Env), w.Env, imgEnv); len(keys) > 0 {
		out = append(out, "env ("+strings.Join(keys, ", ")+")")
	}
	if keys := diffKeys(c.Config.Labels, w.Labels, imgLabels); len(keys) > 0 {
		out = append(out, "labels ("+strings.Join(keys, ", ")+")")
	}
	if !slices.Equal(containerPorts(c), emptyNil(w.Ports)) {
		out = append(out, "published_ports")
	}
	binds := make([]string, 0, len(c.HostConfig.Binds))
	for _, b := range c.HostConfig.Binds {
		binds = append(binds, normaliseBind(b))
	}
	slices.Sort(binds)
	anon := []string{}
	for v := range c.Config.Volumes {
		if !slices.ContainsFunc(binds, func(b string) bool { return bindDest(b) == v }) {
			anon = append(anon, v)
		}
	}
	slices.Sort(anon)
	if !slices.Equal(binds, emptyNil(w.Binds)) || anonDrift(anon, w.Anon, img) {
		out = append(out, "volumes")
	}
	rp := c.HostConfig.RestartPolicy
	if name := rp.Name; (name == "" && w.Restart != "no") || (name != "" && name != w.Restart) || rp.MaximumRetryCount != w.Retries {
		out = append(out, "restart_policy")
	}
	if netName(c.HostConfig.NetworkMode) != netName(w.Network) {
		out = append(out, "network_mode")
	}
	return out
}

// anonDrift reports whether the container's anonymous volumes differ
// from the declared ones plus the image's own (VOLUME in the image).
func anonDrift(have, declared []string, img *imageInfo) bool {
	for _, v := range declared {
		if !slices.Contains(have, v) {
			return true
		}
	}
	for _, v := range have {
		if slices.Contains(declared, v) {
			continue
		}
		if img == nil {
			return true
		}
		if _, ok := img.Config.Volumes[v]; !ok {
			return true
		}
	}
	return false
}

func bindDest(b string) string {
	parts := strings.Split(b, ":")
	if len(parts) >= 2 {
		return parts[1]
	}
	return b
}

func netName(n string) string {
	if n == "" || n == "default" {
		return "bridge"
	}
	return n
}

func emptyNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

// diffKeys compares what a container has with what is declared, where
// base holds the values the container inherits from its image: a key
// differs when its value is not the declared one or, undeclared, not the
// image's.
func diffKeys(have, declared, base map[string]string) []string {
	keys := map[string]bool{}
	for k, v := range declared {
		if hv, ok := have[k]; !ok || hv != v {
			keys[k] = true
		}
	}
	for k, v := range have {
		if _, ok := declared[k]; ok {
			continue
		}
		if bv, ok := base[k]; !ok || bv != v {
			keys[k] = true
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

// containerPorts normalises the container's port bindings.
func containerPorts(c *containerInfo) []string {
	out := []string{}
	for port, bs := range c.HostConfig.PortBindings {
		if len(bs) == 0 {
			out = append(out, "||"+port)
		}
		for _, b := range bs {
			ip := b.HostIP
			if a, err := netip.ParseAddr(ip); err == nil && a.IsUnspecified() {
				ip = ""
			}
			out = append(out, ip+"|"+b.HostPort+"|"+port)
		}
	}
	slices.Sort(out)
	return out
}
