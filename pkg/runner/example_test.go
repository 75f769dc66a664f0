package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/runner"
)

// Run a playbook from Go: load and validate it with an inventory, then
// run it, receiving events and the recap.
func Example() {
	dir, _ := os.MkdirTemp("", "hactl-example")
	defer os.RemoveAll(dir)
	playbook := filepath.Join(dir, "site.yml")
	_ = os.WriteFile(playbook, []byte(`
- hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: greet
      debug:
        msg: "hello {{ who }} from {{ inventory_hostname }}"
`), 0o644)

	stats, err := runner.Run(context.Background(), runner.Options{
		Inventories: []string{"localhost,"},
		ExtraVars:   map[string]any{"who": "library user"},
		Reporter: executor.ReporterFunc(func(e executor.Event) {
			if e.Kind == executor.HostResult {
				fmt.Printf("%s %s: %v\n", e.Host, e.Status, e.Result["msg"])
			}
		}),
	}, playbook)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("exit code:", stats.ExitCode(), "ok:", stats.Host("localhost").OK)
	// Output:
	// localhost ok: hello library user from localhost
	// exit code: 0 ok: 1
}

// Load validates playbooks before any host is contacted: a typo in a module
// name is reported with its position and a suggestion.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "hactl-example")
	defer os.RemoveAll(dir)
	playbook := filepath.Join(dir, "site.yml")
	_ = os.WriteFile(playbook, []byte("- hosts: all\n  tasks:\n    - shel: echo hi\n"), 0o644)

	_, err := runner.Load(runner.Options{Inventories: []string{"localhost,"}}, playbook)
	fmt.Println(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	// Output:
	// site.yml:3:7: unknown module "shel" (did you mean "shell"?)
}
