package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzLoadPlaybook checks that no input makes loading or validation
// panic. The seed corpus (every playbook fixture) runs with go test.
func FuzzLoadPlaybook(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("- hosts: all\n  tasks:\n    - &a {test_msg: {<<: *a}}\n"))
	f.Add([]byte("- hosts: all\n  tasks:\n    - test_cmd: \"{{ {% \"\n"))
	f.Add([]byte("- hosts: [[[]]]\n  roles: [{role: {}}]\n"))
	f.Add([]byte("- {hosts: a, tasks: [{block: [{block: [{rescue: 1}]}]}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "site.yml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		pb, err := (&Loader{}).LoadPlaybook(path)
		if err != nil {
			return
		}
		_ = Validate(pb)
	})
}

func TestAliasBombsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("- hosts: all\n  tasks:\n    - &l0 {block: [{test_msg: x}]}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "    - &l%d {block: [", i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("    - &m0 {test_msg: {a: 1}, when: x}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "    - &m%d {<<: [*m%d, *m%d, *m%d], when: x}\n", i, i-1, i-1, i-1)
	}
	dir := writeFiles(t, map[string]string{"site.yml": b.String()})
	_, err := (&Loader{}).LoadPlaybook(filepath.Join(dir, "site.yml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 50000 tasks")
}
