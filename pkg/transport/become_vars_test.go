package transport

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBecomeFromVars(t *testing.T) {
	b, on, err := BecomeFromVars(map[string]any{
		"ansible_become": "yes", "ansible_become_method": "ansible.builtin.su", "ansible_become_user": "postgres",
		"ansible_become_pass": "pw", "ansible_become_flags": "-l", "ansible_become_exe": "/bin/su",
	})
	require.NoError(t, err)
	assert.True(t, on)
	assert.Equal(t, Become{Method: "su", User: "postgres", Password: "pw", Flags: "-l", Exe: "/bin/su"}, b)

	b, on, err = BecomeFromVars(map[string]any{"ansible_become": false, "ansible_become_password": "x", "ansible_sudo_pass": "y"})
	require.NoError(t, err)
	assert.False(t, on)
	assert.Equal(t, "x", b.Password)

	_, _, err = BecomeFromVars(map[string]any{"ansible_become": "perhaps"})
	assert.Error(t, err)
	_, _, err = BecomeFromVars(map[string]any{"ansible_become_method": "doas"})
	assert.ErrorIs(t, err, ErrBecome)
}
