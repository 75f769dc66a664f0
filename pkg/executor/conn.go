package executor

import (
	"context"
	"fmt"
	"maps"

	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/transport"
)

// wrapConn applies the task's environment and become settings to conn.
// Connection variables (ansible_become, ansible_become_user, …) win over
// keywords, as in Ansible.
func (pr *playRun) wrapConn(t *playbook.Task, conn transport.Conn, v map[string]any) (transport.Conn, error) {
	env, err := pr.environment(t, v)
	if err != nil {
		return nil, err
	}
	// The environment wraps become, so that it reaches the command inside
	// sudo/su rather than being reset by them.
	withEnv := func(c transport.Conn) transport.Conn {
		if len(env) == 0 {
			return c
		}
		return envConn{Conn: c, env: env}
	}
	become := pr.Options.Become
	if t.Become != nil {
		b, err := pr.truth(t.Become, v)
		if err != nil {
			return nil, fmt.Errorf("become: %w", err)
		}
		become = b
	}
	if x, ok := v["ansible_become"]; ok && x != nil {
		b, err := pr.truth(x, v)
		if err != nil {
			return nil, fmt.Errorf("ansible_become: %w", err)
		}
		become = b
	}
	if !become {
		return withEnv(conn), nil
	}
	b := transport.Become{
		Method:   firstNonEmpty(str(v, "ansible_become_method"), t.BecomeMethod, pr.Options.BecomeMethod, "sudo"),
		User:     firstNonEmpty(str(v, "ansible_become_user"), t.BecomeUser, pr.Options.BecomeUser, "root"),
		Flags:    firstNonEmpty(str(v, "ansible_become_flags"), t.BecomeFlags),
		Exe:      str(v, "ansible_become_exe"),
		Password: firstNonEmpty(str(v, "ansible_become_password"), str(v, "ansible_become_pass"), pr.Options.BecomePassword),
	}
	for _, f := range []*string{&b.Method, &b.User, &b.Flags, &b.Exe, &b.Password} {
		r, err := pr.renderString(t, *f, v)
		if err != nil {
			return nil, fmt.Errorf("become settings: %w", err)
		}
		*f = r
	}
	return withEnv(transport.WithBecome(conn, b)), nil
}

func str(v map[string]any, k string) string {
	x, ok := v[k]
	if !ok || x == nil {
		return ""
	}
	return fmt.Sprint(x)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// environment merges the task's environment: scopes, outermost first.
func (pr *playRun) environment(t *playbook.Task, v map[string]any) (map[string]string, error) {
	if len(t.Environment) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, e := range t.Environment {
		r, err := pr.Templates.Template(e, v)
		if err != nil {
			return nil, fmt.Errorf("environment: %w", err)
		}
		m, ok := r.(map[string]any)
		if !ok {
			if r == nil {
				continue
			}
			return nil, fmt.Errorf("environment must be a mapping, got %T", r)
		}
		for k, val := range m {
			out[k] = fmt.Sprint(val)
		}
	}
	return out, nil
}

// envConn adds environment variables to every command run through it.
type envConn struct {
	transport.Conn
	env map[string]string
}

func (c envConn) Run(ctx context.Context, cmd string, opt transport.RunOpts) (transport.Result, error) {
	env := maps.Clone(c.env)
	maps.Copy(env, opt.Env)
	opt.Env = env
	return c.Conn.Run(ctx, cmd, opt)
}

// connectMember gives a module the runner's connection to another
// inventory host (a cluster member): the pooled one, with that host's
// connection variables and the task's become and environment settings.
func (pr *playRun) connectMember(ctx context.Context, t *playbook.Task, host string) (transport.Conn, error) {
	hv, _ := pr.hostvars()[host].(map[string]any)
	if hv == nil {
		return nil, fmt.Errorf("%q is not an inventory host", host)
	}
	conn, err := pr.Connector.Connect(ctx, host, withConnectionKeywords(t, hv, false))
	if err != nil {
		return nil, err
	}
	return pr.wrapConn(t, conn, hv)
}
