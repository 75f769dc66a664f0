package swarm

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
)

// svcPort is one published port, with Docker's defaults filled in.
type svcPort struct {
	Published int
	Target    int
	Protocol  string
	Mode      string
}

func (p svcPort) String() string {
	return fmt.Sprintf("%d:%d/%s/%s", p.Published, p.Target, p.Protocol, p.Mode)
}

// flag is the --publish long syntax for the port.
func (p svcPort) flag() string {
	s := fmt.Sprintf("target=%d,protocol=%s,mode=%s", p.Target, p.Protocol, p.Mode)
	if p.Published > 0 {
		s = fmt.Sprintf("published=%d,", p.Published) + s
	}
	return s
}

// svcRestart is the part of the restart policy a task gives (nil: not given).
type svcRestart struct {
	Condition   *string
	Delay       *time.Duration
	MaxAttempts *uint64
	Window      *time.Duration
}

// svcUpdate is the part of the update config a task gives (nil: not given).
type svcUpdate struct {
	Parallelism     *uint64
	Delay           *time.Duration
	FailureAction   *string
	Monitor         *time.Duration
	MaxFailureRatio *float64
	Order           *string
}

// svcDesired is the service as the task declares it. A nil pointer, map
// or slice is an option the task does not give, and is not compared.
type svcDesired struct {
	Name            string
	Image           string
	Mode            string
	Replicas        *uint64
	Command         []string
	Args            []string
	Env             map[string]string
	Publish         []svcPort
	Networks        []string
	EndpointMode    string
	Constraints     []string
	Preferences     []string // spread descriptors, in order
	MaxPerNode      *uint64
	Labels          map[string]string
	ContainerLabels map[string]string
	Restart         svcRestart
	Update          svcUpdate
}

// parseDesired checks the arguments the spec cannot (nested dicts,
// durations, env forms) and returns the declared service. Every problem
// is reported, before any host is contacted.
func parseDesired(a module.Args) (svcDesired, error) {
	var errs []error
	bad := func(format string, x ...any) { errs = append(errs, fmt.Errorf(format, x...)) }
	d := svcDesired{Name: a.String("name"), Image: strings.TrimSpace(a.String("image")), Mode: a.String("mode")}
	if strings.TrimSpace(d.Name) == "" || strings.ContainsAny(d.Name, " \t\n/") {
		bad("name %q is not a valid service name", d.Name)
	}
	if a.String("state") == "absent" {
		return d, errors.Join(errs...)
	}
	if strings.ContainsAny(d.Image, " \t\n") {
		bad("image %q has white space", d.Image)
	}
	if r := a.Int("replicas"); r >= 0 {
		if d.Mode == "global" {
			bad("replicas applies to mode replicated, not global")
		}
		n := uint64(r)
		d.Replicas = &n
	} else if r != -1 {
		bad("replicas must be -1 (not managed) or at least 0, got %d", r)
	}
	if a.Has("command") {
		cmd, err := commandWords(a["command"])
		if err != nil {
			bad("command: %v", err)
		}
		d.Command = cmd
	}
	if a.Has("args") {
		d.Args = append([]string{}, a.Strings("args")...)
	}
	if a.Has("env") {
		env, err := envMap(a["env"])
		if err != nil {
			bad("env: %v", err)
		}
		d.Env = env
	}
	if a.Has("publish") {
		d.Publish = []svcPort{}
		for i, p := range a.List("publish") {
			port, err := parsePort(p)
			if err != nil {
				bad("publish[%d]: %v", i, err)
				continue
			}
			d.Publish = append(d.Publish, port)
		}
	}
	if a.Has("networks") {
		d.Networks = []string{}
		for i, n := range a.List("networks") {
			name, err := networkName(n)
			if err != nil {
				bad("networks[%d]: %v", i, err)
				continue
			}
			d.Networks = append(d.Networks, name)
		}
	}
	d.EndpointMode = a.String("endpoint_mode")
	if a.Has("constraints") {
		d.Constraints = append([]string{}, a.Strings("constraints")...)
	}
	if a.Has("placement") {
		parsePlacement(a.Dict("placement"), &d, bad)
	}
	d.Labels = stringMap(a, "labels", bad)
	d.ContainerLabels = stringMap(a, "container_labels", bad)
	if a.Has("restart_config") {
		parseRestart(a.Dict("restart_config"), &d.Restart, bad)
	}
	if a.Has("update_config") {
		parseUpdate(a.Dict("update_config"), &d.Update, bad)
	}
	if a.Int("wait_timeout") < 1 {
		bad("wait_timeout must be at least 1 second")
	}
	return d, errors.Join(errs...)
}

// commandWords accepts a list, or a string split as a POSIX shell would.
func commandWords(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return shellx.Split(x)
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			switch e.(type) {
			case string, int, int64, float64, bool:
				out[i] = fmt.Sprint(e)
			default:
				return nil, fmt.Errorf("element %d is a %T, not a string", i, e)
			}
		}
		return out, nil
	case []string:
		return append([]string{}, x...), nil
	}
	return nil, fmt.Errorf("expected a string or a list, got %T", v)
}

// envMap accepts {KEY: value} or ["KEY=value", ...].
func envMap(v any) (map[string]string, error) {
	out := map[string]string{}
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			s, err := scalar(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = s
		}
	case []any:
		for i, e := range x {
			s, ok := e.(string)
			k, val, found := strings.Cut(s, "=")
			if !ok || !found || k == "" {
				return nil, fmt.Errorf("element %d: expected KEY=value, got %v", i, e)
			}
			out[k] = val
		}
	case string:
		// An empty string clears the environment; anything else is a mistake.
		if strings.TrimSpace(x) != "" {
			return nil, fmt.Errorf("expected a dict or a list of KEY=value, got the string %q", x)
		}
	default:
		return nil, fmt.Errorf("expected a dict or a list of KEY=value, got %T", v)
	}
	for k := range out {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			return nil, fmt.Errorf("invalid variable name %q", k)
		}
	}
	return out, nil
}

func parsePort(v any) (svcPort, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return svcPort{}, fmt.Errorf("expected a dict, got %T", v)
	}
	if err := onlyKeys(m, "published_port", "target_port", "protocol", "mode"); err != nil {
		return svcPort{}, err
	}
	p := svcPort{Protocol: "tcp", Mode: "ingress"}
	var err error
	if p.Target, err = intIn(m, "target_port", 1, 65535); err != nil {
		return p, err
	}
	if p.Target == 0 {
		return p, fmt.Errorf("target_port is required")
	}
	if p.Published, err = intIn(m, "published_port", 1, 65535); err != nil {
		return p, err
	}
	if s, ok := m["protocol"]; ok && s != nil {
		p.Protocol = fmt.Sprint(s)
	}
	if s, ok := m["mode"]; ok && s != nil {
		p.Mode = fmt.Sprint(s)
	}
	if !slices.Contains([]string{"tcp", "udp", "sctp"}, p.Protocol) {
		return p, fmt.Errorf("protocol %q is not tcp, udp or sctp", p.Protocol)
	}
	if p.Mode != "ingress" && p.Mode != "host" {
		return p, fmt.Errorf("mode %q is not ingress or host", p.Mode)
	}
	return p, nil
}

func networkName(v any) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			return "", fmt.Errorf("empty network name")
		}
		return x, nil
	case map[string]any:
		if err := onlyKeys(x, "name"); err != nil {
			return "", fmt.Errorf("%w (aliases and driver options are not supported)", err)
		}
		if s, ok := x["name"].(string); ok && s != "" {
			return s, nil
		}
		return "", fmt.Errorf("name is required")
	}
	return "", fmt.Errorf("expected a name or {name: ...}, got %T", v)
}

func parsePlacement(m map[string]any, d *svcDesired, bad func(string, ...any)) {
	if err := onlyKeys(m, "constraints", "preferences", "replicas_max_per_node"); err != nil {
		bad("placement: %v", err)
		return
	}
	if v, ok := m["constraints"]; ok && v != nil {
		if d.Constraints != nil {
			bad("constraints and placement.constraints are the same option: give one")
		}
		l, ok := v.([]any)
		if !ok {
			bad("placement.constraints: expected a list")
		}
		d.Constraints = []string{}
		for _, c := range l {
			d.Constraints = append(d.Constraints, fmt.Sprint(c))
		}
	}
	if v, ok := m["preferences"]; ok && v != nil {
		l, ok := v.([]any)
		if !ok {
			bad("placement.preferences: expected a list of {spread: DESCRIPTOR}")
		}
		d.Preferences = []string{}
		for i, p := range l {
			pm, ok := p.(map[string]any)
			s, _ := pm["spread"].(string)
			if !ok || len(pm) != 1 || s == "" {
				bad("placement.preferences[%d]: expected {spread: DESCRIPTOR}", i)
				continue
			}
			d.Preferences = append(d.Preferences, s)
		}
	}
	if _, ok := m["replicas_max_per_node"]; ok {
		n, err := intIn(m, "replicas_max_per_node", 0, 1<<31)
		if err != nil {
			bad("placement: %v", err)
			return
		}
		u := uint64(n)
		d.MaxPerNode = &u
	}
}

func parseRestart(m map[string]any, r *svcRestart, bad func(string, ...any)) {
	if err := onlyKeys(m, "condition", "delay", "max_attempts", "window"); err != nil {
		bad("restart_config: %v", err)
		return
	}
	if v, ok := m["condition"]; ok && v != nil {
		s := fmt.Sprint(v)
		if !slices.Contains([]string{"none", "on-failure", "any"}, s) {
			bad("restart_config.condition %q is not none, on-failure or any", s)
		}
		r.Condition = &s
	}
	r.Delay = durationIn(m, "delay", "restart_config", bad)
	r.Window = durationIn(m, "window", "restart_config", bad)
	if _, ok := m["max_attempts"]; ok {
		n, err := intIn(m, "max_attempts", 0, 1<<31)
		if err != nil {
			bad("restart_config: %v", err)
			return
		}
		u := uint64(n)
		r.MaxAttempts = &u
	}
}

func parseUpdate(m map[string]any, u *svcUpdate, bad func(string, ...any)) {
	if err := onlyKeys(m, "parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"); err != nil {
		bad("update_config: %v", err)
		return
	}
	if _, ok := m["parallelism"]; ok {
		n, err := intIn(m, "parallelism", 0, 1<<31)
		if err != nil {
			bad("update_config: %v", err)
		} else {
			p := uint64(n)
			u.Parallelism = &p
		}
	}
	u.Delay = durationIn(m, "delay", "update_config", bad)
	u.Monitor = durationIn(m, "monitor", "update_config", bad)
	if v, ok := m["failure_action"]; ok && v != nil {
		s := fmt.Sprint(v)
		if !slices.Contains([]string{"continue", "pause", "rollback"}, s) {
			bad("update_config.failure_action %q is not continue, pause or rollback", s)
		}
		u.FailureAction = &s
	}
	if v, ok := m["order"]; ok && v != nil {
		s := fmt.Sprint(v)
		if s != "stop-first" && s != "start-first" {
			bad("update_config.order %q is not stop-first or start-first", s)
		}
		u.Order = &s
	}
	if v, ok := m["max_failure_ratio"]; ok && v != nil {
		f, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(v)), 64)
		if err != nil || f < 0 || f > 1 {
			bad("update_config.max_failure_ratio %v is not a number between 0 and 1", v)
		} else {
			u.MaxFailureRatio = &f
		}
	}
}

// stringMap reads a dict argument of scalars (nil when not given).
func stringMap(a module.Args, name string, bad func(string, ...any)) map[string]string {
	if !a.Has(name) {
		return nil
	}
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(a.Dict(name))) {
		s, err := scalar(a.Dict(name)[k])
		if err != nil {
			bad("%s.%s: %v", name, k, err)
			continue
		}
		out[k] = s
	}
	return out
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("expected a string, got %T", v)
}

// intIn reads an optional integer key (0 when absent).
func intIn(m map[string]any, key string, lo, hi int) (int, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return 0, nil
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		if x != float64(int(x)) {
			return 0, fmt.Errorf("%s %v is not an integer", key, v)
		}
		n = int(x)
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%s %q is not an integer", key, x)
		}
		n = i
	default:
		return 0, fmt.Errorf("%s: expected an integer, got %T", key, v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%s %d is out of range %d-%d", key, n, lo, hi)
	}
	return n, nil
}

// durationIn reads an optional duration key: a Go duration (5s, 1m30s,
// 250ms) or a number of seconds.
func durationIn(m map[string]any, key, where string, bad func(string, ...any)) *time.Duration {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	d, err := parseDuration(v)
	if err != nil {
		bad("%s.%s: %v", where, key, err)
		return nil
	}
	return &d
}

func parseDuration(v any) (time.Duration, error) {
	var d time.Duration
	switch x := v.(type) {
	case int:
		d = time.Duration(x) * time.Second
	case int64:
		d = time.Duration(x) * time.Second
	case float64:
		d = time.Duration(x * float64(time.Second))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			d = time.Duration(n * float64(time.Second))
			break
		}
		p, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration like 5s or 1m30s", x)
		}
		d = p
	default:
		return 0, fmt.Errorf("expected a duration like 5s, got %T", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %v", v)
	}
	return d, nil
}

func onlyKeys(m map[string]any, keys ...string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("unknown key %q (accepted: %s)", k, strings.Join(keys, ", "))
		}
	}
	return nil
}
