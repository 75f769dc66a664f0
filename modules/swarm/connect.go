package swarm

import (
	"context"
	"fmt"
	"time"

	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// hostVars returns the variables of inventory host name (the current
// host's own for itself).
func hostVars(t *module.Target, name string) (map[string]any, error) {
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

// hostAddr is the address a host is reached at: ansible_host, else its
// name.
func hostAddr(vars map[string]any, name string) string {
	if s, ok := vars["ansible_host"].(string); ok && s != "" && !module.IsTemplate(s) {
		return s
	}
	return name
}

// dialHost connects to another inventory host with its connection
// variables (become applied when they ask for it). The returned close
// function is a no-op for the task's own host.
func dialHost(ctx context.Context, t *module.Target, name string, timeout time.Duration) (transport.Conn, func(), error) {
	if name == t.Host {
		return t.Conn, func() {}, nil
	}
	vars, err := hostVars(t, name)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := transport.ConfigFromVars(vars, transport.Defaults{Timeout: timeout})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: connection variables: %w", name, err)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := transport.Dial(dctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	b, enabled, err := transport.BecomeFromVars(vars)
	if err != nil {
		_ = c.Close()
		return nil, nil, err
	}
	var conn transport.Conn = c
	if enabled {
		conn = transport.WithBecome(c, b)
	}
	return conn, func() { _ = c.Close() }, nil
}
