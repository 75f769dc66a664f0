package transport

import (
	"fmt"
	"strings"
)

// BecomeFromVars reads Ansible's become variables from a host's (already
// rendered) variables: ansible_become, ansible_become_method,
// ansible_become_user, ansible_become_password (ansible_become_pass,
// ansible_sudo_pass), ansible_become_flags and ansible_become_exe. enabled
// reports ansible_become; the playbook keywords become/become_user, which
// are not variables, are the executor's to merge in.
func BecomeFromVars(vars map[string]any) (b Become, enabled bool, err error) {
	v := varReader{vars: vars}
	if s, ok := v.lookup("ansible_become"); ok {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "true", "1", "on", "y":
			enabled = true
		case "no", "false", "0", "off", "n", "":
		default:
			return b, false, fmt.Errorf("ansible_become %q: want a boolean", s)
		}
	}
	b.Method = strings.TrimPrefix(v.str("ansible_become_method"), "ansible.builtin.")
	switch b.Method {
	case "", "sudo", "su":
	default:
		return b, enabled, fmt.Errorf("%w: become method %q is not supported (use sudo or su)", ErrBecome, b.Method)
	}
	b.User = v.str("ansible_become_user")
	b.Password = firstNonEmpty(v.str("ansible_become_password"), v.str("ansible_become_pass"), v.str("ansible_sudo_pass"))
	b.Flags = v.str("ansible_become_flags")
	b.Exe = v.str("ansible_become_exe")
	return b, enabled, nil
}
