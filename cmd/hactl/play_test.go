package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/internal/sshtest"
)

// runCLI runs hactl in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return 0, out.String()
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(&out, "ERROR:", err)
		return ee.code, out.String()
	}
	fmt.Fprintln(&out, "ERROR:", err)
	return 5, out.String()
}

// sshInventory writes an INI inventory for real sshd servers, with strict
// host key checking against their known_hosts file.
func sshInventory(t *testing.T, dir string, servers []sshtest.Server, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[web]\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes'\n",
			s.Name, s.Host, s.Port, s.User, s.KeyFile, s.KnownHostsFile)
	}
	b.WriteString(extra)
	p := filepath.Join(dir, "hosts")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestPlayOverSSHIsIdempotentAndRunsHandlersOnce(t *testing.T) {
	servers := sshtest.Start(t, 2)
	dir := t.TempDir()
	inv := sshInventory(t, dir, servers, "")
	pb := writeFile(t, dir, "site.yml", fmt.Sprintf(`
- hosts: web
  vars:
    out: %s
  tasks:
    - name: distribution from facts
      command: echo {{ ansible_distribution }}
      register: d
      changed_when: false
    - name: marker
      shell: echo "{{ inventory_hostname }} $HOME" > {{ out }}/marker-{{ inventory_hostname }}
      args:
        creates: "{{ out }}/marker-{{ inventory_hostname }}"
      notify: note
    - assert:
        that:
          - d.stdout | length > 0
          - d.rc == 0
  handlers:
    - name: note
      shell: echo handled >> {{ out }}/handler-{{ inventory_hostname }}
`, dir))

	code, out := runCLI(t, "play", "-i", inv, pb)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "RUNNING HANDLER [note]")
	assert.Regexp(t, `ssh0\s+: ok=5\s+changed=2\s+unreachable=0\s+failed=0`, out)

	code, out = runCLI(t, "play", "-i", inv, pb)
	require.Equal(t, 0, code, out)
	assert.NotContains(t, out, "RUNNING HANDLER")
	assert.Regexp(t, `ssh1\s+: ok=4\s+changed=0\s+unreachable=0\s+failed=0`, out)

	for _, s := range servers {
		data, err := os.ReadFile(filepath.Join(dir, "handler-"+s.Name))
		require.NoError(t, err)
		assert.Equal(t, "handled\n", string(data), "handler ran once on %s", s.Name)
	}
}

func TestPlayExitCodes(t *testing.T) {
	servers := sshtest.Start(t, 1)
	dir := t.TempDir()
	inv := sshInventory(t, dir, servers, "\n[down]\ngone ansible_host=127.0.0.1 ansible_port=1 ansible_connection=ssh\n")

	failing := writeFile(t, dir, "fail.yml", `
- hosts: web
  gather_facts: false
  tasks:
    - name: boom
      command: /bin/false
`)
	code, out := runCLI(t, "play", "-i", inv, failing)
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "fatal: [ssh0]: FAILED!")
	assert.Contains(t, out, `"rc": 1`)

	unreachable := writeFile(t, dir, "down.yml", `
- hosts: down
  gather_facts: false
  tasks:
    - ping:
`)
	code, out = runCLI(t, "play", "-i", inv, unreachable)
	assert.Equal(t, 3, code, out)
	assert.Contains(t, out, "fatal: [gone]: UNREACHABLE!")

	unknown := writeFile(t, dir, "unknown.yml", `
- hosts: web
  tasks:
    - name: typo
      comand: ls
`)
	code, out = runCLI(t, "play", "-i", inv, unknown)
	assert.Equal(t, 4, code, out)
	assert.Contains(t, out, "unknown.yml:4:7")
	assert.Contains(t, out, `did you mean "command"`)

	badArg := writeFile(t, dir, "badarg.yml", `
- hosts: web
  tasks:
    - command: ls
      args:
        chdr: /tmp
`)
	code, out = runCLI(t, "play", "-i", inv, badArg)
	assert.Equal(t, 4, code, out)
	assert.Contains(t, out, `did you mean "chdir"`)

	malformed := writeFile(t, dir, "malformed.yml", "- hosts: web\n  tasks:\n    - debug: {msg: [unclosed\n")
	code, out = runCLI(t, "play", "-i", inv, malformed)
	assert.Equal(t, 4, code, out)
	assert.Contains(t, out, "malformed.yml:")

	undefined := writeFile(t, dir, "undef.yml", `
- hosts: web
  gather_facts: false
  tasks:
    - name: uses an undefined variable
      debug:
        msg: "{{ no_such_var }}"
`)
	code, out = runCLI(t, "play", "-i", inv, undefined)
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "no_such_var")
	assert.Contains(t, out, "undef.yml:5")

	code, out = runCLI(t, "play", "-i", inv, "--syntax-check", failing)
	assert.Equal(t, 0, code, out)
	code, out = runCLI(t, "play", "-i", inv, "--bogus", failing)
	assert.Equal(t, 5, code, out)
}

func TestPlayCheckModeChangesNothing(t *testing.T) {
	servers := sshtest.Start(t, 1)
	dir := t.TempDir()
	inv := sshInventory(t, dir, servers, "")
	target := filepath.Join(dir, "never")
	pb := writeFile(t, dir, "site.yml", fmt.Sprintf(`
- hosts: web
  gather_facts: false
  tasks:
    - shell: touch %s
`, target))
	code, out := runCLI(t, "play", "-i", inv, "--check", pb)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "skipping: [ssh0]")
	assert.NoFileExists(t, target)
}

func TestPlayListHostsAndTasks(t *testing.T) {
	dir := t.TempDir()
	inv := writeFile(t, dir, "hosts", "[web]\nw1\nw2\n[db]\nd1\n")
	pb := writeFile(t, dir, "site.yml", `
- name: web tier
  hosts: web
  tasks:
    - {name: one, debug: {msg: x}, tags: [a]}
    - {name: two, debug: {msg: y}}
`)
	code, out := runCLI(t, "play", "-i", inv, "--list-hosts", "--list-tasks", "--tags", "a", pb)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "hosts (2):")
	assert.Contains(t, out, "w2")
	assert.Contains(t, out, "one\tTAGS: [a]")
	assert.NotContains(t, out, "two\t")
}

func TestPlayForceHandlersFlag(t *testing.T) {
	dir := t.TempDir()
	inv := writeFile(t, dir, "hosts", "localhost ansible_connection=local\n")
	marker := filepath.Join(dir, "reloaded")
	pb := writeFile(t, dir, "site.yml", fmt.Sprintf(`
- hosts: all
  gather_facts: false
  tasks:
    - {name: change, command: "true", notify: reload}
    - {name: boom, command: /bin/false}
  handlers:
    - {name: reload, command: "touch %s"}
`, marker))
	code, out := runCLI(t, "play", "-i", inv, "--force-handlers=false", pb)
	assert.Equal(t, 2, code, out)
	assert.NoFileExists(t, marker, "Ansible's behaviour: a failed host's handlers are dropped")
	code, out = runCLI(t, "play", "-i", inv, pb)
	assert.Equal(t, 2, code, out)
	assert.FileExists(t, marker, "hactl's default: the handler still runs for the failed host")
}

// -c local runs a host listed in the inventory on this machine, as
// ansible-playbook -c local does; a host variable still wins over it.
func TestPlayConnectionFlag(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran-here")
	pb := writeFile(t, dir, "site.yml", `
- hosts: all
  gather_facts: false
  tasks:
    - command: touch `+marker+`
    - debug:
        msg: '{{ ''v1.2'' | regex_replace(''\.'', ''-'') }}'
`)
	code, out := runCLI(t, "play", "-i", "box,", "-c", "local", pb)
	require.Equal(t, 0, code, out)
	assert.FileExists(t, marker)
	assert.Contains(t, out, `"msg": "v1-2"`)

	code, out = runCLI(t, "play", "-i", "box,", "-c", "telnet", pb)
	assert.Equal(t, 5, code, out)
	assert.Contains(t, out, `--connection "telnet" is not supported`)
}
