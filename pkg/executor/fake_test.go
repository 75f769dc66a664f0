package executor_test

import (
	"bytes"
	"context"
	"fmt"
	_ "github.com/hactl/hactl/modules/util" // meta and friends
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
)

// fakeInv is a small in-memory inventory.
type fakeInv struct {
	hosts  []string
	groups map[string][]string
	vars   map[string]map[string]any
}

func (f *fakeInv) Select(p string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(p, ",") {
		switch {
		case part == "all" || part == "*":
			out = append(out, f.hosts...)
		case f.groups[part] != nil:
			out = append(out, f.groups[part]...)
		case slices.Contains(f.hosts, part):
			out = append(out, part)
		}
	}
	return slices.Compact(out), nil
}

func (f *fakeInv) HostVars(h string) map[string]any {
	m := map[string]any{}
	for k, v := range f.vars[h] {
		m[k] = v
	}
	return m
}

func (f *fakeInv) GroupsMap() map[string][]string {
	g := map[string][]string{"all": f.hosts}
	for k, v := range f.groups {
		g[k] = v
	}
	return g
}

func (f *fakeInv) GroupNames(h string) []string {
	var out []string
	for g, hs := range f.groups {
		if slices.Contains(hs, h) {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// fakeConn records commands; hosts listed in down are unreachable.
type fakeConn struct {
	host string
	log  *cmdLog
}

type cmdLog struct {
	mu   sync.Mutex
	cmds []string
	down map[string]bool
}

func (l *cmdLog) add(s string) {
	l.mu.Lock()
	l.cmds = append(l.cmds, s)
	l.mu.Unlock()
}

func (l *cmdLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.cmds)
}

func (c *fakeConn) Run(_ context.Context, cmd string, opt transport.RunOpts) (transport.Result, error) {
	env := ""
	for k, v := range opt.Env {
		env += k + "=" + v + " "
	}
	c.log.add(c.host + ": " + env + cmd)
	return transport.Result{Stdout: []byte(cmd)}, nil
}
func (c *fakeConn) Put(context.Context, string, io.Reader, fs.FileMode) error { return nil }
func (c *fakeConn) Get(context.Context, string, io.Writer) error              { return nil }
func (c *fakeConn) Stat(context.Context, string) (transport.FileInfo, error) {
	return transport.FileInfo{}, nil
}
func (c *fakeConn) Close() error { return nil }

type fakeConnector struct{ log *cmdLog }

func (f *fakeConnector) Connect(_ context.Context, host string, vars map[string]any) (transport.Conn, error) {
	addr := fmt.Sprint(vars["ansible_host"])
	if vars["ansible_host"] == nil {
		addr = host
	}
	if f.log.down[addr] {
		return nil, fmt.Errorf("dial %s: %w", addr, transport.ErrUnreachable)
	}
	return &fakeConn{host: addr, log: f.log}, nil
}

// Test modules: t_run runs its cmd argument; t_state reports changed
// when changed=true and fails when fail=true.
type runModule struct{}

func (runModule) Spec() module.Spec {
	return module.Spec{Name: "t_run", CheckMode: false, Params: []module.Param{{Name: "cmd", Type: module.Str, Required: true}}}
}

func (runModule) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	r, err := t.Conn.Run(ctx, a.String("cmd"), transport.RunOpts{})
	if err != nil {
		return module.Result{}, err
	}
	return module.Result{Changed: true, Data: map[string]any{"stdout": string(r.Stdout)}}, nil
}

type stateModule struct{}

func (stateModule) Spec() module.Spec {
	return module.Spec{Name: "t_state", CheckMode: true, Params: []module.Param{
		{Name: "changed", Type: module.Bool, Default: false},
		{Name: "fail", Type: module.Bool, Default: false},
		{Name: "value", Type: module.Raw},
	}}
}

func (stateModule) Run(_ context.Context, t *module.Target, a module.Args) (module.Result, error) {
	if a.Bool("fail") {
		return module.Result{Failed: true, Msg: "asked to fail on " + t.Host}, nil
	}
	if t.Check {
		return module.Result{Changed: a.Bool("changed"), Msg: "check"}, nil
	}
	return module.Result{Changed: a.Bool("changed"), Data: map[string]any{"value": a["value"]}}, nil
}

type factModule struct{}

func (factModule) Spec() module.Spec {
	return module.Spec{Name: "t_fact", CheckMode: true, Params: []module.Param{{Name: "facts", Type: module.Dict}}}
}

func (factModule) Run(_ context.Context, _ *module.Target, a module.Args) (module.Result, error) {
	return module.Result{Data: map[string]any{"ansible_facts": a.Dict("facts")}}, nil
}

func init() {
	module.Register(runModule{})
	module.Register(stateModule{})
	module.Register(factModule{})
}

// harness runs a playbook text against fake hosts.
type harness struct {
	t      *testing.T
	inv    *fakeInv
	log    *cmdLog
	opts   executor.Options
	roleFS fs.FS // embedded roles (Loader.ExtraRoleFS), optional
	events []executor.Event
	out    bytes.Buffer
}

func newHarness(t *testing.T, hosts ...string) *harness {
	return &harness{
		t:   t,
		inv: &fakeInv{hosts: hosts, groups: map[string][]string{}, vars: map[string]map[string]any{}},
		log: &cmdLog{down: map[string]bool{}},
	}
}

func (h *harness) run(yaml string) *executor.Stats {
	h.t.Helper()
	dir := h.t.TempDir()
	p := filepath.Join(dir, "site.yml")
	require.NoError(h.t, os.WriteFile(p, []byte(yaml), 0o644))
	return h.runFile(p)
}

func (h *harness) runFile(p string) *executor.Stats {
	h.t.Helper()
	l := &playbook.Loader{ExtraRoleFS: h.roleFS}
	pb, err := l.LoadPlaybook(p)
	require.NoError(h.t, err)
	require.NoError(h.t, playbook.Validate(pb))
	var mu sync.Mutex
	r := &executor.Runner{
		Inventory: h.inv,
		Templates: template.New(),
		Connector: &fakeConnector{log: h.log},
		Loader:    l,
		Reporter: executor.ReporterFunc(func(e executor.Event) {
			mu.Lock()
			h.events = append(h.events, e)
			mu.Unlock()
		}),
		Options: h.opts,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stats, err := r.Run(ctx, pb)
	require.NoError(h.t, err)
	return stats
}

// results returns the non-item HostResult events of the task named name.
func (h *harness) results(name string) map[string]executor.Event {
	out := map[string]executor.Event{}
	for _, e := range h.events {
		if e.Kind == executor.HostResult && !e.IsItem && e.Task.Name == name {
			out[e.Host] = e
		}
	}
	return out
}

// ran lists, in order, the names of tasks that ran (not skipped) on host.
func (h *harness) ran(host string) []string {
	var out []string
	for _, e := range h.events {
		if e.Kind == executor.HostResult && !e.IsItem && e.Host == host && e.Status != executor.StatusSkipped {
			out = append(out, e.Task.Name)
		}
	}
	return out
}
