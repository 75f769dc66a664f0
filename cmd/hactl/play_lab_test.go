package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/lab/labtest"
)

// TestPlayAgainstLabDirectory plays against a running lab with the lab
// directory as the inventory: hactl must find the lab's key and
// known_hosts and connect with strict host key checking.
func TestPlayAgainstLabDirectory(t *testing.T) {
	dir := labtest.NewDir(t, 3, labtest.Options{})
	hosts := labtest.Dir(t, dir)
	require.Len(t, hosts, 3)
	pb := writeFile(t, t.TempDir(), "site.yml", `
- hosts: all
  tasks:
    - name: each host knows who it is
      command: hostname
      register: hn
      changed_when: false
      failed_when: hn.stdout != inventory_hostname
    - name: hosts reach each other over the lab network
      shell: "{% for h in groups['all'] %}ping -c1 -W2 {{ hostvars[h].ansible_host }} >/dev/null && {% endfor %}true"
      changed_when: false
    - name: network sysctls are the host's own (HAProxy needs ip_nonlocal_bind)
      command: sysctl -w net.ipv4.ip_nonlocal_bind=1
      changed_when: false
    - name: no default route leaves the lab
      command: ip route show default
      register: r
      changed_when: false
      failed_when: r.stdout != ""
`)
	code, out := runCLI(t, "play", "-i", dir, pb)
	require.Equal(t, 0, code, out)
	for _, h := range hosts {
		assert.Regexp(t, h.Name+`\s+: ok=5\s+changed=0\s+unreachable=0\s+failed=0`, out)
	}
}
