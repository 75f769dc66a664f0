// Package runner is hactl's library entry point: it loads inventories and
// playbooks, validates every task before any host is contacted, and runs
// them with the executor over pooled SSH connections. cmd/hactl is a thin
// layer of flags over this package.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"strings"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/inventory"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
)

// Options describe one run, as ansible-playbook's flags do.
type Options struct {
	// Inventories are -i sources: files, directories or "h1,h2," lists.
	Inventories []string
	// HostOverrides are variables applied on top of a host's inventory
	// variables, per host (the local lab's connection variables).
	HostOverrides map[string]map[string]any
	// ExtraVars are -e variables.
	ExtraVars map[string]any
	// RolesPath lists extra role directories.
	RolesPath []string
	// RoleFS holds roles searched after every directory (the roles
	// embedded in the binary: roles.FS()); nil means none.
	RoleFS fs.FS
	// Connection holds connection defaults (remote user, key, host key
	// policy, timeout).
	Connection transport.Defaults
	// Executor options: forks, check, diff, tags, limit, become, …
	Exec executor.Options
	// Reporter receives the run's events (nil: none).
	Reporter executor.Reporter
}

// ParseError is returned when a playbook or inventory cannot be loaded or
// fails validation; the CLI exits with code 4 for it.
type ParseError struct{ Err error }

func (e *ParseError) Error() string { return e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

// Loaded is a validated set of playbooks with their inventory, ready to run
// (or to list hosts and tasks).
type Loaded struct {
	Inventory *inventory.Inventory
	Playbooks []*playbook.Playbook
	loader    *playbook.Loader
	engine    *template.Engine
	opts      Options
}

// Load reads the inventories and playbooks and validates every task. No
// host is contacted.
func Load(opts Options, playbooks ...string) (*Loaded, error) {
	inv, err := inventory.Load(opts.Inventories, inventory.Options{})
	if err != nil {
		return nil, &ParseError{fmt.Errorf("inventory: %w", err)}
	}
	l := &playbook.Loader{RolesPath: opts.RolesPath, ExtraRoleFS: opts.RoleFS}
	out := &Loaded{Inventory: inv, loader: l, engine: template.New(), opts: opts}
	var errs []error
	for _, p := range playbooks {
		pb, err := l.LoadPlaybook(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := playbook.Validate(pb); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := inv.LoadPlaybookVars(filepath.Dir(p)); err != nil {
			errs = append(errs, err)
			continue
		}
		out.Playbooks = append(out.Playbooks, pb)
	}
	if len(errs) > 0 {
		return nil, &ParseError{errors.Join(errs...)}
	}
	return out, nil
}

// Run executes the loaded playbooks in order. The returned Stats give the
// recap and the exit code; the error reports only what stopped the run.
func (l *Loaded) Run(ctx context.Context) (*executor.Stats, error) {
	pool := transport.NewPool(transport.PoolOptions{})
	defer pool.CloseAll()
	r := &executor.Runner{
		Inventory: &invAdapter{inv: l.Inventory, overrides: l.opts.HostOverrides},
		Templates: l.engine,
		Connector: &connector{pool: pool, defaults: l.opts.Connection, engine: l.engine},
		Loader:    loaderAdapter{l.loader},
		Reporter:  l.opts.Reporter,
		Options:   l.opts.Exec,
	}
	if r.Options.ExtraVars == nil {
		r.Options.ExtraVars = l.opts.ExtraVars
	}
	var stats *executor.Stats
	for _, pb := range l.Playbooks {
		s, err := r.Run(ctx, pb)
		stats = s
		if err != nil {
			return stats, err
		}
		if s.ExitCode() != 0 {
			break
		}
	}
	return stats, nil
}

// Run loads and runs playbooks: Load followed by Loaded.Run.
func Run(ctx context.Context, opts Options, playbooks ...string) (*executor.Stats, error) {
	l, err := Load(opts, playbooks...)
	if err != nil {
		return nil, err
	}
	return l.Run(ctx)
}

// invAdapter presents an inventory to the executor, with per-host
// overrides applied.
type invAdapter struct {
	inv       *inventory.Inventory
	overrides map[string]map[string]any
}

func (a *invAdapter) Select(pattern string) ([]string, error) {
	hs, err := a.inv.Select(pattern)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out, nil
}

func (a *invAdapter) HostVars(h string) map[string]any {
	v := a.inv.HostVars(h)
	if o, ok := a.overrides[h]; ok {
		v = maps.Clone(v)
		maps.Copy(v, o)
	}
	return v
}

func (a *invAdapter) GroupsMap() map[string][]string { return a.inv.GroupsMap() }
func (a *invAdapter) GroupNames(h string) []string   { return a.inv.GroupNames(h) }

// connector opens pooled connections from host variables.
type connector struct {
	pool     *transport.Pool
	defaults transport.Defaults
	engine   *template.Engine
}

// Connect renders nothing itself: the variables it reads are rendered by
// the executor's templater before (connection variables rarely hold
// templates; those that do are rendered here with a plain engine).
func (c *connector) Connect(ctx context.Context, host string, vars map[string]any) (transport.Conn, error) {
	cv := map[string]any{"inventory_hostname": host}
	for k, v := range vars {
		if strings.HasPrefix(k, "ansible_") {
			cv[k] = v
		}
	}
	if needsRender(cv) {
		out, err := c.engine.Template(cv, vars)
		if err != nil {
			return nil, fmt.Errorf("connection variables of %s: %w", host, err)
		}
		cv, _ = out.(map[string]any)
	}
	cfg, err := transport.ConfigFromVars(cv, c.defaults)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", host, err)
	}
	return c.pool.Get(ctx, cfg.String(), cfg)
}

func needsRender(m map[string]any) bool {
	for _, v := range m {
		if s, ok := v.(string); ok && template.IsTemplate(s) {
			return true
		}
	}
	return false
}

type loaderAdapter struct{ l *playbook.Loader }

func (a loaderAdapter) LoadTasks(path string, parent *playbook.Task, role *playbook.Role, play *playbook.Play) ([]*playbook.Task, error) {
	return a.l.LoadTasks(path, parent, role, play)
}

func (a loaderAdapter) LoadRole(name string, opt playbook.RoleOptions, parent *playbook.Task, play *playbook.Play) (*playbook.Role, error) {
	return a.l.LoadRole(name, opt, parent, play)
}

// SetReporter replaces the reporter the run sends its events to.
func (l *Loaded) SetReporter(r executor.Reporter) { l.opts.Reporter = r }

// PlayHosts returns the hosts a play would run on, with limit applied.
func (l *Loaded) PlayHosts(play *playbook.Play, limit string) ([]string, error) {
	a := &invAdapter{inv: l.Inventory}
	pattern := play.Hosts
	if template.IsTemplate(pattern) {
		vars := maps.Clone(play.Vars)
		if vars == nil {
			vars = map[string]any{}
		}
		maps.Copy(vars, l.opts.ExtraVars)
		out, err := l.engine.Render(play.Pos.String(), pattern, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: hosts: %w", play.Pos, err)
		}
		pattern = out
	}
	hosts, err := a.Select(pattern)
	if err != nil || limit == "" {
		return hosts, err
	}
	lim, err := a.Select(limit)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, h := range lim {
		keep[h] = true
	}
	var out []string
	for _, h := range hosts {
		if keep[h] {
			out = append(out, h)
		}
	}
	return out, nil
}
