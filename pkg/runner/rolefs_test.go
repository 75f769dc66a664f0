package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/hactl/hactl/pkg/runner"
)

// A role served from an embedded file system renders its own template
// (which includes a sibling) and copies its own file onto a host reached
// over real SSH; a second run changes nothing.
func TestEmbeddedRoleTemplateRendersOnHost(t *testing.T) {
	servers := sshtest.Start(t, 1)
	s := servers[0]
	dir := t.TempDir()
	out := filepath.Join(dir, "target")
	require.NoError(t, os.MkdirAll(out, 0o755))
	inv := filepath.Join(dir, "hosts")
	require.NoError(t, os.WriteFile(inv, fmt.Appendf(nil,
		"%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes'\n",
		s.Name, s.Host, s.Port, s.User, s.KeyFile, s.KnownHostsFile), 0o644))
	site := filepath.Join(dir, "site.yml")
	require.NoError(t, os.WriteFile(site, []byte("- hosts: all\n  gather_facts: false\n  roles:\n    - { role: greeter, who: lab }\n"), 0o644))
	roleFS := fstest.MapFS{
		"greeter/defaults/main.yml": {Data: []byte("greeter_dir: " + out + "\nwho: nobody\n")},
		"greeter/tasks/main.yml": {Data: []byte(`
- name: config from the role's templates/
  template:
    src: greet.conf.j2
    dest: "{{ greeter_dir }}/greet.conf"
    mode: "0644"
- name: file from the role's files/
  copy:
    src: static.txt
    dest: "{{ greeter_dir }}/static.txt"
    mode: "0644"
`)},
		"greeter/templates/greet.conf.j2": {Data: []byte("hello {{ who }} on {{ inventory_hostname }}\n{% include 'signature.j2' %}")},
		"greeter/templates/signature.j2":  {Data: []byte("-- {{ who }}\n")},
		"greeter/files/static.txt":        {Data: []byte("shipped in the binary\n")},
	}
	play := func() (changed int) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		stats, err := runner.Run(ctx, runner.Options{Inventories: []string{inv}, RoleFS: roleFS}, site)
		require.NoError(t, err)
		require.Equal(t, 0, stats.ExitCode())
		t.Logf("play took %v", time.Since(start))
		return stats.Host(s.Name).Changed
	}
	assert.Equal(t, 2, play())
	got, err := os.ReadFile(filepath.Join(out, "greet.conf"))
	require.NoError(t, err)
	assert.Equal(t, "hello lab on "+s.Name+"\n-- lab\n", string(got), "with the sibling it includes")
	got, err = os.ReadFile(filepath.Join(out, "static.txt"))
	require.NoError(t, err)
	assert.Equal(t, "shipped in the binary\n", string(got))
	assert.Equal(t, 0, play(), "second run")
}
