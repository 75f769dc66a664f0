package playbook

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// benchPlaybook writes a playbook of 200 tasks (in blocks, with an
// imported file) applying a role of 20 tasks with a dependency.
func benchPlaybook(b *testing.B) string {
	var tasks strings.Builder
	for i := range 180 {
		if i%20 == 0 {
			fmt.Fprintf(&tasks, "    - block:\n")
		}
		fmt.Fprintf(&tasks, "        - name: task %d\n          test_copy: src=f%d dest=/tmp/f%d mode=0644\n          when: x is defined\n          tags: [t%d]\n          notify: h\n", i, i, i, i%7)
	}
	var role strings.Builder
	for i := range 20 {
		fmt.Fprintf(&role, "- name: role task %d\n  test_cmd: echo %d chdir=/tmp\n  loop: [1, 2, 3]\n", i, i)
	}
	return writeFiles(b, map[string]string{
		"site.yml": "- hosts: all\n  become: yes\n  roles: [r]\n  tasks:\n" + tasks.String() +
			"    - import_tasks: more.yml\n  handlers:\n    - name: h\n      test_msg: msg=h\n",
		"more.yml":                  "- test_msg: msg=more\n",
		"roles/r/tasks/main.yml":    role.String(),
		"roles/r/meta/main.yml":     "dependencies: [d]\n",
		"roles/d/tasks/main.yml":    "- test_msg: msg=dep\n",
		"roles/r/defaults/main.yml": "a: 1\n",
	})
}

func BenchmarkLoadPlaybook(b *testing.B) {
	path := filepath.Join(benchPlaybook(b), "site.yml")
	l := &Loader{}
	b.ReportAllocs()
	for b.Loop() {
		pb, err := l.LoadPlaybook(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := Validate(pb); err != nil {
			b.Fatal(err)
		}
	}
}
