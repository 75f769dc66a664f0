package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// workload is one playbook every runner plays.
type workload struct {
	// Name is noop, files or facts.
	Name string
	// Tasks is the number of tasks per host, for ms per task-host.
	Tasks int
	// Twice runs the playbook a second time right after the first; the
	// second run must report no change (idempotence).
	Twice bool
	// Reset is the shell command that puts a target back in its initial
	// state before the first run ("" when the workload leaves no state).
	// hostPlaceholder in it is replaced by each host's inventory name.
	Reset string
}

// benchRoot is where the files workload writes on the targets; every host
// gets its own directory below it because the sshtest targets share one
// filesystem.
const benchRoot = "/tmp/hactl-bench-files"

// hostPlaceholder in a reset command stands for the host's inventory name
// (see execMain).
const hostPlaceholder = "@HOST@"

var workloads = map[string]workload{
	"noop": {Name: "noop", Tasks: 20},
	// The sshtest hosts share one filesystem and run the reset at once, so
	// each host removes only its own directory (the one the playbook
	// writes, named after the host) and never the shared parent: removals
	// do not race, and the parent's concurrent mkdir -p tolerates a
	// directory another host just created.
	"files": {Name: "files", Tasks: 20, Twice: true, Reset: "mkdir -p " + benchRoot + " && rm -rf " + benchRoot + "/" + hostPlaceholder},
	"facts": {Name: "facts", Tasks: 1},
}

// noopPlaybook is 20 commands that do nothing. Facts are not gathered, so
// every runner does exactly the 20 tasks (fact gathering is the facts
// workload).
func noopPlaybook() string {
	var b strings.Builder
	b.WriteString("- name: noop\n  hosts: bench\n  gather_facts: false\n  tasks:\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "    - name: true %02d\n      command: /bin/true\n", i)
	}
	return b.String()
}

// factsPlaybook only gathers facts.
func factsPlaybook() string {
	return "- name: facts\n  hosts: bench\n  gather_facts: true\n  tasks: []\n"
}

// filesPlaybook is 20 file tasks: directories, copies from content and
// from a file, templates, lines in a file and a symlink. All are
// idempotent, so a second run must report ok for every task.
func filesPlaybook() string {
	var b strings.Builder
	b.WriteString(`- name: files
  hosts: bench
  gather_facts: false
  vars:
    d: "` + benchRoot + `/{{ inventory_hostname }}"
  tasks:
    - name: root directory
      file:
        path: "{{ d }}"
        state: directory
        mode: "0755"
`)
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, `    - name: subdirectory %d
      file:
        path: "{{ d }}/sub%d"
        state: directory
        mode: "0750"
`, i, i)
	}
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, `    - name: copy content %d
      copy:
        content: "line one of file %d\nhost {{ inventory_hostname }}\n"
        dest: "{{ d }}/content%d.txt"
        mode: "0644"
`, i, i, i)
	}
	b.WriteString(`    - name: copy a file
      copy:
        src: files/motd.txt
        dest: "{{ d }}/motd.txt"
        mode: "0644"
`)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, `    - name: template %d
      template:
        src: templates/app.conf.j2
        dest: "{{ d }}/app%d.conf"
        mode: "0640"
      vars:
        instance: %d
`, i, i, i)
	}
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, `    - name: line %d
      lineinfile:
        path: "{{ d }}/settings.conf"
        regexp: "^key%d="
        line: "key%d=value%d"
        create: true
        mode: "0644"
`, i, i, i, i)
	}
	b.WriteString(`    - name: symlink
      file:
        src: "{{ d }}/app1.conf"
        dest: "{{ d }}/current.conf"
        state: link
`)
	return b.String()
}

const appTemplate = `# managed by the benchmark
[server]
name = {{ inventory_hostname }}
instance = {{ instance }}
{% for p in [8080, 8081, 8082] %}
listen = 0.0.0.0:{{ p + instance }}
{% endfor %}
`

const motd = "Welcome to a benchmark target.\nNothing to see here.\n"

// writeWorkloads writes every playbook and its files into dir.
func writeWorkloads(dir string) error {
	files := map[string]string{
		"noop.yml":              noopPlaybook(),
		"files.yml":             filesPlaybook(),
		"facts.yml":             factsPlaybook(),
		"templates/app.conf.j2": appTemplate,
		"files/motd.txt":        motd,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("workloads: %w", err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return fmt.Errorf("workloads: %w", err)
		}
	}
	return nil
}
