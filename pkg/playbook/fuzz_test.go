package playbook

import (
	"os"
	"path/filepath"
	"testing"
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
