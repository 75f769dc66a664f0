package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const benchHosts = 10_000

// genINI writes an inventory of n hosts in 100 groups under 10 parents,
// with inline host vars, group vars and group_vars/ files.
func genINI(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	var b strings.Builder
	for g := 0; g < 100; g++ {
		fmt.Fprintf(&b, "[g%03d]\n", g)
		for i := g; i < n; i += 100 {
			fmt.Fprintf(&b, "host%05d.example.com ansible_host=10.%d.%d.%d rack=%d tags=\"['a', 'b']\"\n", i, i/65536, (i/256)%256, i%256, i%42)
		}
		fmt.Fprintf(&b, "[g%03d:vars]\ngroup_index=%d\n", g, g)
	}
	for p := 0; p < 10; p++ {
		fmt.Fprintf(&b, "[p%d:children]\n", p)
		for g := p; g < 100; g += 10 {
			fmt.Fprintf(&b, "g%03d\n", g)
		}
	}
	b.WriteString("[all:vars]\nntp=pool.ntp.org\n")
	writeGroupVars(tb, dir)
	path := filepath.Join(dir, "hosts")
	require.NoError(tb, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// genYAML writes the same inventory in YAML.
func genYAML(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	var b strings.Builder
	b.WriteString("all:\n  vars:\n    ntp: pool.ntp.org\n  children:\n")
	for p := 0; p < 10; p++ {
		fmt.Fprintf(&b, "    p%d:\n      children:\n", p)
		for g := p; g < 100; g += 10 {
			fmt.Fprintf(&b, "        g%03d:\n          vars:\n            group_index: %d\n          hosts:\n", g, g)
			for i := g; i < n; i += 100 {
				fmt.Fprintf(&b, "            host%05d.example.com: {ansible_host: 10.%d.%d.%d, rack: %d, tags: [a, b]}\n", i, i/65536, (i/256)%256, i%256, i%42)
			}
		}
	}
	writeGroupVars(tb, dir)
	path := filepath.Join(dir, "hosts.yml")
	require.NoError(tb, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func writeGroupVars(tb testing.TB, dir string) {
	tb.Helper()
	require.NoError(tb, os.MkdirAll(filepath.Join(dir, "group_vars"), 0o755))
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "group_vars", "all.yml"), []byte("dns: [1.1.1.1, 9.9.9.9]\nenabled: yes\n"), 0o644))
	for p := 0; p < 10; p++ {
		require.NoError(tb, os.WriteFile(filepath.Join(dir, "group_vars", fmt.Sprintf("p%d.yml", p)), []byte(fmt.Sprintf("parent: %d\nsettings: {a: 1, b: [x, y]}\n", p)), 0o644))
	}
}

func BenchmarkLoadINI10k(b *testing.B) {
	path := genINI(b, benchHosts)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inv, err := Load([]string{path}, Options{})
		if err != nil || len(inv.Hosts()) != benchHosts {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadYAML10k(b *testing.B) {
	path := genYAML(b, benchHosts)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inv, err := Load([]string{path}, Options{})
		if err != nil || len(inv.Hosts()) != benchHosts {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelect(b *testing.B) {
	inv, err := Load([]string{genINI(b, benchHosts)}, Options{})
	require.NoError(b, err)
	patterns := []string{"all", "p3:&g013:!host00013.example.com", "host0*.example.com", "~host1[0-9]+", "g001[1:50]"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range patterns {
			if _, err := inv.Select(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkHostVars(b *testing.B) {
	inv, err := Load([]string{genINI(b, benchHosts)}, Options{})
	require.NoError(b, err)
	hosts := inv.Hosts()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := inv.HostVars(hosts[i%len(hosts)].Name); v["parent"] == nil {
			b.Fatal("group_vars missing")
		}
	}
}

// TestLoad10kIsFast guards the performance budget in normal test runs:
// 10 000 hosts with group_vars load, and every host's variables merge, in
// well under a second (the bound is loose because the machine is shared).
func TestLoad10kIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("performance check skipped in -short mode")
	}
	for _, path := range []string{genINI(t, benchHosts), genYAML(t, benchHosts)} {
		start := time.Now()
		inv, err := Load([]string{path}, Options{})
		require.NoError(t, err)
		for _, h := range inv.Hosts() {
			require.NotNil(t, inv.HostVars(h.Name)["parent"])
		}
		elapsed := time.Since(start)
		t.Logf("%s: loaded and merged %d hosts in %v", filepath.Base(path), len(inv.Hosts()), elapsed)
		assert.Less(t, elapsed, 2*time.Second)
	}
}
