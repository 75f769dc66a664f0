package swarm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// inspected is the part of `docker service inspect` the module compares.
type inspected struct {
	ID      string `json:"ID"`
	Version struct {
		Index uint64 `json:"Index"`
	} `json:"Version"`
	Spec struct {
		Name         string            `json:"Name"`
		Labels       map[string]string `json:"Labels"`
		TaskTemplate struct {
			ContainerSpec struct {
				Image   string            `json:"Image"`
				Labels  map[string]string `json:"Labels"`
				Command []string          `json:"Command"`
				Args    []string          `json:"Args"`
				Env     []string          `json:"Env"`
			} `json:"ContainerSpec"`
			RestartPolicy *struct {
				Condition   string `json:"Condition"`
				Delay       *int64 `json:"Delay"`
				MaxAttempts *uint64
				Window      *int64 `json:"Window"`
			} `json:"RestartPolicy"`
			Placement *struct {
				Constraints []string `json:"Constraints"`
				Preferences []struct {
					Spread *struct {
						SpreadDescriptor string `json:"SpreadDescriptor"`
					} `json:"Spread"`
				} `json:"Preferences"`
				MaxReplicas uint64 `json:"MaxReplicas"`
			} `json:"Placement"`
			Networks []svcNetwork `json:"Networks"`
		} `json:"TaskTemplate"`
		Mode struct {
			Replicated *struct {
				Replicas *uint64 `json:"Replicas"`
			} `json:"Replicated"`
			Global *struct{} `json:"Global"`
		} `json:"Mode"`
		UpdateConfig *struct {
			Parallelism     uint64  `json:"Parallelism"`
			Delay           int64   `json:"Delay"`
			FailureAction   string  `json:"FailureAction"`
			Monitor         int64   `json:"Monitor"`
			MaxFailureRatio float64 `json:"MaxFailureRatio"`
			Order           string  `json:"Order"`
		} `json:"UpdateConfig"`
		// Networks is where API versions before 1.25 kept the networks.
		Networks     []svcNetwork `json:"Networks"`
		EndpointSpec *struct {
			Mode  string `json:"Mode"`
			Ports []struct {
				Protocol      string `json:"Protocol"`
				TargetPort    int    `json:"TargetPort"`
				PublishedPort int    `json:"PublishedPort"`
				PublishMode   string `json:"PublishMode"`
			} `json:"Ports"`
		} `json:"EndpointSpec"`
	} `json:"Spec"`
	UpdateStatus *struct {
		State   string `json:"State"`
		Message string `json:"Message"`
	} `json:"UpdateStatus"`
}

type svcNetwork struct {
	Target string `json:"Target"`
}

// svcCurrent is the running service in the same shape as svcDesired, with
// Docker's defaults filled in where the spec leaves a field empty.
type svcCurrent struct {
	ID              string
	Image           string
	Mode            string
	Replicas        uint64
	Command         []string
	Args            []string
	Env             map[string]string
	Publish         []svcPort
	NetworkIDs      []string
	EndpointMode    string
	Constraints     []string
	Preferences     []string
	MaxPerNode      uint64
	Labels          map[string]string
	ContainerLabels map[string]string
	Restart         struct {
		Condition   string
		Delay       time.Duration
		MaxAttempts uint64
		Window      time.Duration
	}
	Update struct {
		Parallelism     uint64
		Delay           time.Duration
		FailureAction   string
		Monitor         time.Duration
		MaxFailureRatio float64
		Order           string
	}
	UpdateState, UpdateMessage string
}

// Docker's defaults for a service spec that leaves a field out (moby
// api/types/swarm and swarmkit's defaults package).
const (
	defaultRestartDelay = 5 * time.Second
	defaultMonitor      = 5 * time.Second
)

// currentFrom normalises one inspected service.
func currentFrom(in inspected) svcCurrent {
	s := in.Spec
	cs := s.TaskTemplate.ContainerSpec
	c := svcCurrent{
		ID: in.ID, Image: cs.Image, Mode: "replicated", Replicas: 1,
		Command: cs.Command, Args: cs.Args, Env: map[string]string{},
		Labels: nonNil(s.Labels), ContainerLabels: nonNil(cs.Labels), EndpointMode: "vip",
	}
	if s.Mode.Global != nil {
		c.Mode, c.Replicas = "global", 0
	} else if s.Mode.Replicated != nil && s.Mode.Replicated.Replicas != nil {
		c.Replicas = *s.Mode.Replicated.Replicas
	}
	for _, e := range cs.Env {
		k, v, _ := strings.Cut(e, "=")
		c.Env[k] = v
	}
	if ep := s.EndpointSpec; ep != nil {
		if ep.Mode != "" {
			c.EndpointMode = ep.Mode
		}
		for _, p := range ep.Ports {
			port := svcPort{Published: p.PublishedPort, Target: p.TargetPort, Protocol: p.Protocol, Mode: p.PublishMode}
			if port.Protocol == "" {
				port.Protocol = "tcp"
			}
			if port.Mode == "" {
				port.Mode = "ingress"
			}
			c.Publish = append(c.Publish, port)
		}
	}
	nets := s.TaskTemplate.Networks
	if len(nets) == 0 {
		nets = s.Networks
	}
	for _, n := range nets {
		c.NetworkIDs = append(c.NetworkIDs, n.Target)
	}
	if p := s.TaskTemplate.Placement; p != nil {
		c.Constraints = p.Constraints
		for _, pref := range p.Preferences {
			if pref.Spread != nil {
				c.Preferences = append(c.Preferences, pref.Spread.SpreadDescriptor)
			}
		}
		c.MaxPerNode = p.MaxReplicas
	}
	c.Restart.Condition, c.Restart.Delay = "any", defaultRestartDelay
	if r := s.TaskTemplate.RestartPolicy; r != nil {
		if r.Condition != "" {
			c.Restart.Condition = r.Condition
		}
		if r.Delay != nil {
			c.Restart.Delay = time.Duration(*r.Delay)
		}
		if r.MaxAttempts != nil {
			c.Restart.MaxAttempts = *r.MaxAttempts
		}
		if r.Window != nil {
			c.Restart.Window = time.Duration(*r.Window)
		}
	}
	c.Update.Parallelism, c.Update.FailureAction, c.Update.Monitor, c.Update.Order = 1, "pause", defaultMonitor, "stop-first"
	if u := s.UpdateConfig; u != nil {
		c.Update.Parallelism, c.Update.Delay, c.Update.MaxFailureRatio = u.Parallelism, time.Duration(u.Delay), u.MaxFailureRatio
		if u.FailureAction != "" {
			c.Update.FailureAction = u.FailureAction
		}
		if u.Monitor != 0 {
			c.Update.Monitor = time.Duration(u.Monitor)
		}
		if u.Order != "" {
			c.Update.Order = u.Order
		}
	}
	if in.UpdateStatus != nil {
		c.UpdateState, c.UpdateMessage = in.UpdateStatus.State, in.UpdateStatus.Message
	}
	return c
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// inspectService reads the named service; found is false when the swarm
// has none of that name.
func inspectService(ctx context.Context, c transport.Conn, name string) (svcCurrent, bool, error) {
	out, err := hostcmd.Run(ctx, c, "docker service inspect", "docker service inspect "+transport.Quote(name), transport.RunOpts{Timeout: time.Minute})
	if err != nil {
		return svcCurrent{}, false, err
	}
	if out.RC != 0 {
		msg := hostcmd.FirstLine(out.Stderr, out.Stdout)
		if strings.Contains(strings.ToLower(msg), "no such service") {
			return svcCurrent{}, false, nil
		}
		return svcCurrent{}, false, fmt.Errorf("docker service inspect %s: exit status %d: %s", name, out.RC, msg)
	}
	cur, err := decodeInspect(out.Stdout, name)
	return cur, err == nil, err
}

// decodeInspect parses docker service inspect output for the named service.
func decodeInspect(out, name string) (svcCurrent, error) {
	var list []inspected
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return svcCurrent{}, fmt.Errorf("docker service inspect %s: decode: %w", name, err)
	}
	for _, s := range list {
		if s.Spec.Name == name || s.ID == name {
			return currentFrom(s), nil
		}
	}
	return svcCurrent{}, fmt.Errorf("docker service inspect %s: the answer holds no service of that name", name)
}

// networkNames maps the swarm's network IDs to names (on a manager).
func networkNames(ctx context.Context, c transport.Conn) (map[string]string, error) {
	out, err := docker(ctx, c, "docker network ls", "docker network ls --no-trunc --format '{{.ID}} {{.Name}}'", transport.RunOpts{Timeout: time.Minute})
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		if id, name, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			m[id] = name
		}
	}
	return m, nil
}

// replicaCounts returns the tasks wanted (docker service ls: "3/3", or
// "2/3 (max 1 per node)") and the tasks running that are meant to run: a
// task still stopping after a scale-down or an update is running but not
// counted, as docker service ls would count it.
func replicaCounts(ctx context.Context, c transport.Conn, id string) (running, desired int, err error) {
	q := transport.Quote(id)
	script := "docker service ls --filter id=" + q + " --format '{{.ID}} {{.Replicas}}' && echo " + listMarker +
		" && ids=$(docker service ps -q --no-trunc --filter desired-state=running " + q + ") && " +
		"if [ -n \"$ids\" ]; then docker inspect --type task --format '{{.Status.State}}' $ids; fi"
	out, err := docker(ctx, c, "docker service ls", script, transport.RunOpts{Timeout: time.Minute})
	if err != nil {
		return 0, 0, err
	}
	list, states, _ := strings.Cut(out, listMarker+"\n")
	found := false
	for line := range strings.SplitSeq(list, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(id, f[0]) {
			continue
		}
		if _, desired, err = parseReplicas(f[1]); err != nil {
			return 0, 0, err
		}
		found = true
	}
	if !found {
		return 0, 0, fmt.Errorf("docker service ls: service %s is not listed", id)
	}
	for line := range strings.SplitSeq(states, "\n") {
		if strings.TrimSpace(line) == "running" {
			running++
		}
	}
	return running, desired, nil
}

// listMarker separates the service list from the task states.
const listMarker = "--tasks--"

func parseReplicas(s string) (running, desired int, err error) {
	r, d, ok := strings.Cut(s, "/")
	if ok {
		running, err = strconv.Atoi(r)
		if err == nil {
			desired, err = strconv.Atoi(d)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("docker service ls: replicas %q is not RUNNING/DESIRED", s)
	}
	return running, desired, nil
}
