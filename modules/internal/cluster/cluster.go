// Package cluster helps modules that act on several hosts at once (Galera,
// Pacemaker, Swarm, registry peers): it finds another inventory host's
// variables in hostvars and connects to it.
package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// HostVars returns the variables of inventory host name as hostvars holds
// them; the current host's own variables are used for itself.
func HostVars(t *module.Target, name string) (map[string]any, error) {
	if name == t.Host {
		return t.Vars, nil
	}
	hv, _ := t.Vars["hostvars"].(map[string]any)
	v, ok := hv[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q is not an inventory host (not in hostvars)", name)
	}
	return v, nil
}

// Address is where a host is reached: the first of keys set in its
// variables (rendered values only), then ansible_host, then its name.
func Address(vars map[string]any, name string, keys ...string) string {
	for _, k := range append(keys, "ansible_host") {
		if s, ok := vars[k].(string); ok && s != "" && !module.IsTemplate(s) {
			return s
		}
	}
	return name
}

// Dial returns a connection to inventory host name and a function that
// releases it. The task's own host reuses the task's connection; others go
// through the runner (Target.Connect: pooled, never closed here) or, when
// the module runs outside a play, a connection dialled from the host's
// variables and closed by the release function.
func Dial(ctx context.Context, t *module.Target, name string, timeout time.Duration) (transport.Conn, func(), error) {
	if name == t.Host {
		return t.Conn, func() {}, nil
	}
	if t.Connect != nil {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		c, err := t.Connect(dctx, name)
		if err != nil {
			return nil, nil, fmt.Errorf("connect to %s: %w", name, err)
		}
		return c, func() {}, nil
	}
	vars, err := HostVars(t, name)
	if err != nil {
		return nil, nil, err
	}
	c, err := DialVars(ctx, vars, timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	return c, func() { _ = c.Close() }, nil
}

// DialVars opens a new connection from Ansible connection variables,
// applying become when they ask for it. The caller closes it.
func DialVars(ctx context.Context, vars map[string]any, timeout time.Duration) (transport.Conn, error) {
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("connection variables: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := transport.Dial(dctx, cfg)
	if err != nil {
		return nil, err
	}
	b, enabled, err := transport.BecomeFromVars(vars)
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("become: %w", err)
	}
	if enabled {
		return becomeCloser{transport.WithBecome(c, b), c}, nil
	}
	return c, nil
}

// becomeCloser closes the underlying connection of a become wrapper.
type becomeCloser struct {
	transport.Conn
	raw transport.Conn
}

func (b becomeCloser) Close() error { return b.raw.Close() }
