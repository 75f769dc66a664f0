package labverify

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is a lab's scenario file (verify.yml).
type Config struct {
	// Target is the URL the client reads through the front VIP. It may be a
	// template over the inventory's variables ("http://{{ lb_vip }}/").
	Target string `yaml:"target"`
	// VarsHost is the inventory host whose variables render the templates
	// (default: the first host of the inventory).
	VarsHost string `yaml:"vars_host"`
	// Client tunes the request loop.
	Client ClientConfig `yaml:"client"`
	// Writes, when set, also creates items and reads them back at the end.
	Writes *WriteConfig `yaml:"writes"`
	// Defaults apply to every scenario that does not set them.
	Defaults Timing `yaml:"defaults"`
	// Scenarios run in order.
	Scenarios []Scenario `yaml:"scenarios"`
}

// ClientConfig tunes the request loop.
type ClientConfig struct {
	// Interval between two requests (default 50ms).
	Interval Duration `yaml:"interval"`
	// Timeout of one request (default 1s).
	Timeout Duration `yaml:"timeout"`
}

// WriteConfig describes acknowledged writes: every interval the client
// POSTs Body to CreateURL; each 2xx answer is an acknowledged write that
// must be readable (a 2xx answer to a GET) when the scenarios are over, at
// ReadURL or, without it, at the Location the answer gave. "{id}" in the
// URLs and the body is replaced by a unique item id.
type WriteConfig struct {
	CreateURL   string   `yaml:"create_url"`
	ReadURL     string   `yaml:"read_url"`
	Body        string   `yaml:"body"`
	ContentType string   `yaml:"content_type"`
	Interval    Duration `yaml:"interval"`
}

// Timing bounds a scenario's phases.
type Timing struct {
	// Before is the healthy traffic observed before the fault (default 2s).
	Before Duration `yaml:"before"`
	// Observe is how long a fault that causes no failure is watched
	// (default 10s).
	Observe Duration `yaml:"observe"`
	// RecoveryTimeout bounds the wait for recovery (default 30s).
	RecoveryTimeout Duration `yaml:"recovery_timeout"`
	// After is the traffic observed after the host is back, before the next
	// scenario (default 5s): a failback shows here.
	After Duration `yaml:"after"`
}

// Scenario is one entry of the scenario list: a fault applied to each of
// Hosts (or of Group's hosts) in turn, or a playbook run.
type Scenario struct {
	Name string `yaml:"name"`
	// Fault is kill, stop or cut; the host is started (kill, stop) or
	// healed (cut) once the service has recovered.
	Fault string   `yaml:"fault"`
	Hosts []string `yaml:"hosts"`
	Group string   `yaml:"group"`
	// Together applies the fault to all the hosts at once, as one step
	// (the VMs of one physical host going down with it), instead of to
	// each in turn.
	Together bool `yaml:"together"`
	// Playbook is run instead of a fault (relative to the scenario file),
	// with ExtraVars.
	Playbook  string         `yaml:"playbook"`
	ExtraVars map[string]any `yaml:"extra_vars"`
	// Checks run on surviving hosts while the fault is in place (after
	// the playbook): each must succeed within the recovery timeout.
	Checks []Check `yaml:"checks"`
	// Targets the scenario must meet.
	MaxFailed   *int      `yaml:"max_failed"`
	MaxRecovery *Duration `yaml:"max_recovery"`
	Timing      `yaml:",inline"`
}

// Step is one scenario applied to one host, to several hosts at once
// (Together), or one playbook run.
type Step struct {
	Name  string
	Fault string
	// Host is the faulted host; for a Together scenario, the first of
	// Hosts, which lists them all.
	Host     string
	Hosts    []string
	Playbook string
	Vars     map[string]any
	Scenario *Scenario
	Timing   Timing
	// Checks are the scenario's checks, resolved to this step's hosts.
	Checks []StepCheck
}

// Duration is a time.Duration written as "50ms", "10s".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: a duration like 500ms or 10s: %w", n.Line, err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration, or def when d is zero.
func (d Duration) D(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// LoadConfig reads and checks a scenario file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses and checks a scenario file's content.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

var faults = map[string]bool{"kill": true, "stop": true, "cut": true}

func (c *Config) check() error {
	var errs []error
	if c.Target == "" {
		errs = append(errs, errors.New("target: the URL to read through the front VIP is required"))
	}
	if w := c.Writes; w != nil && w.CreateURL == "" {
		errs = append(errs, errors.New("writes: create_url is required"))
	}
	if len(c.Scenarios) == 0 {
		errs = append(errs, errors.New("scenarios: none listed"))
	}
	for i, s := range c.Scenarios {
		where := fmt.Sprintf("scenarios[%d] (%s)", i, s.Name)
		switch {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		case s.Playbook != "" && s.Fault != "":
			errs = append(errs, fmt.Errorf("%s: give fault or playbook, not both", where))
		case s.Playbook == "" && !faults[s.Fault]:
			errs = append(errs, fmt.Errorf("%s: fault %q: use kill, stop or cut (or give a playbook)", where, s.Fault))
		case s.Fault != "" && len(s.Hosts) == 0 && s.Group == "":
			errs = append(errs, fmt.Errorf("%s: hosts or group is required with a fault", where))
		case s.Together && s.Playbook != "":
			errs = append(errs, fmt.Errorf("%s: together applies to a fault, not to a playbook", where))
		}
		for j, ch := range s.Checks {
			if err := ch.check(fmt.Sprintf("%s: checks[%d]", where, j)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Steps expands the scenarios into steps, one per host for faults; groups
// maps inventory groups to their hosts.
func (c *Config) Steps(groups map[string][]string) ([]Step, error) {
	var out []Step
	for i := range c.Scenarios {
		s := &c.Scenarios[i]
		t := s.Timing.withDefaults(c.Defaults)
		if s.Playbook != "" {
			checks, err := resolveChecks(s.Checks, groups, nil, s.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, Step{Name: s.Name, Playbook: s.Playbook, Vars: s.ExtraVars, Scenario: s, Timing: t, Checks: checks})
			continue
		}
		hosts := s.Hosts
		if len(hosts) == 0 {
			hosts = groups[s.Group]
			if len(hosts) == 0 {
				return nil, fmt.Errorf("scenario %s: group %q has no hosts", s.Name, s.Group)
			}
		}
		if s.Together {
			checks, err := resolveChecks(s.Checks, groups, hosts, s.Name)
			if err != nil {
				return nil, err
			}
			name := s.Name + " " + strings.Join(hosts, "+")
			if s.Group != "" && len(s.Hosts) == 0 {
				name = s.Name + " " + s.Group
			}
			out = append(out, Step{Name: name, Fault: s.Fault, Host: hosts[0], Hosts: slices.Clone(hosts), Scenario: s, Timing: t, Checks: checks})
			continue
		}
		for _, h := range hosts {
			checks, err := resolveChecks(s.Checks, groups, []string{h}, s.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, Step{Name: s.Name + " " + h, Fault: s.Fault, Host: h, Hosts: []string{h}, Scenario: s, Timing: t, Checks: checks})
		}
	}
	return out, nil
}

// withDefaults fills t's unset fields from d, then from the built-in
// defaults.
func (t Timing) withDefaults(d Timing) Timing {
	pick := func(v, dv Duration, def time.Duration) Duration {
		if v != 0 {
			return v
		}
		return Duration(dv.D(def))
	}
	return Timing{
		Before:          pick(t.Before, d.Before, 2*time.Second),
		Observe:         pick(t.Observe, d.Observe, 10*time.Second),
		RecoveryTimeout: pick(t.RecoveryTimeout, d.RecoveryTimeout, 30*time.Second),
		After:           pick(t.After, d.After, 5*time.Second),
	}
}

// Render replaces the templates in the target and write URLs and in the
// checks' commands with render's output (the inventory's variables in
// hactl lab verify).
func (c *Config) Render(render func(name, text string) (string, error)) error {
	fields := []*string{&c.Target}
	if c.Writes != nil {
		fields = append(fields, &c.Writes.CreateURL, &c.Writes.ReadURL, &c.Writes.Body)
	}
	for i := range c.Scenarios {
		for j := range c.Scenarios[i].Checks {
			fields = append(fields, &c.Scenarios[i].Checks[j].Command)
		}
	}
	for _, f := range fields {
		out, err := render("verify", *f)
		if err != nil {
			return fmt.Errorf("render %q: %w", *f, err)
		}
		*f = out
	}
	return nil
}
