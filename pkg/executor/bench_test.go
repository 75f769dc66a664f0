package executor_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	_ "github.com/hactl/hactl/modules/command" // command, as the benchmark playbooks use it
	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/pkg/transport"
)

// nopConn answers every command at once with exit code 0: what is left of
// a run is the executor's own cost (scheduling, variables, templating,
// argument validation, events).
type nopConn struct{}

func (nopConn) Run(context.Context, string, transport.RunOpts) (transport.Result, error) {
	return transport.Result{}, nil
}
func (nopConn) Put(context.Context, string, io.Reader, fs.FileMode) error { return nil }
func (nopConn) Get(context.Context, string, io.Writer) error              { return nil }
func (nopConn) Stat(context.Context, string) (transport.FileInfo, error) {
	return transport.FileInfo{}, nil
}
func (nopConn) Close() error { return nil }

type nopConnector struct{}

func (nopConnector) Connect(context.Context, string, map[string]any) (transport.Conn, error) {
	return nopConn{}, nil
}

// BenchmarkRun500x20 plays 20 `command: /bin/true` tasks on 500 hosts
// (forks 50) against connections that answer at once: the controller's
// cost per task-host, without the network. It reports ns per task-host and
// the heap in use at the end of a run.
func BenchmarkRun500x20(b *testing.B) {
	const hosts, tasks = 500, 20
	var pbText strings.Builder
	pbText.WriteString("- hosts: all\n  gather_facts: false\n  tasks:\n")
	for i := range tasks {
		fmt.Fprintf(&pbText, "    - name: true %d\n      command: /bin/true\n", i)
	}
	p := filepath.Join(b.TempDir(), "site.yml")
	if err := os.WriteFile(p, []byte(pbText.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	l := &playbook.Loader{}
	pb, err := l.LoadPlaybook(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := playbook.Validate(pb); err != nil {
		b.Fatal(err)
	}
	inv := &fakeInv{groups: map[string][]string{"bench": nil}, vars: map[string]map[string]any{}}
	for i := range hosts {
		h := fmt.Sprintf("host%03d", i)
		inv.hosts = append(inv.hosts, h)
		inv.groups["bench"] = append(inv.groups["bench"], h)
		inv.vars[h] = map[string]any{"ansible_host": "10.0.0.1", "ansible_port": 2200 + i}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := &executor.Runner{
			Inventory: inv,
			Templates: template.New(),
			Connector: nopConnector{},
			Loader:    l,
			Options:   executor.Options{Forks: 50},
		}
		stats, err := r.Run(context.Background(), pb)
		if err != nil {
			b.Fatal(err)
		}
		if stats.ExitCode() != 0 {
			b.Fatalf("exit code %d", stats.ExitCode())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*hosts*tasks), "ns/task-host")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-inuse")
}
