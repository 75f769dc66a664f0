package remotefile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModeSpecResolvesLikeAnsible(t *testing.T) {
	cases := []struct {
		mode  any
		cur   uint32
		isDir bool
		want  uint32
	}{
		{"0644", 0, false, 0o644},
		{"644", 0, false, 0o644},
		{"0o750", 0, false, 0o750},
		{420, 0, false, 0o644},  // YAML 0644
		{644, 0, false, 0o1204}, // YAML 644: Ansible's decimal quirk
		{"u=rw,g=r,o=r", 0o777, false, 0o644},
		{"u+x", 0o644, false, 0o744},
		{"a-w", 0o666, false, 0o444},
		{"+x", 0o644, false, 0o755}, // no class: masked by umask 022
		{"+w", 0o444, false, 0o644}, // g and o writes masked by the umask
		{"a+X", 0o644, false, 0o644},
		{"a+X", 0o744, false, 0o755},
		{"a+X", 0o600, true, 0o711},
		{"g=u", 0o640, false, 0o660},
		{"u+s,g+s,o+t", 0o755, false, 0o7755},
		{"u=rwx,g=rx,o=", 0o666, false, 0o750},
		{"u=rw-x", 0o700, false, 0o600},
	}
	for _, c := range cases {
		m, err := ParseModeSpec(c.mode)
		require.NoError(t, err, "%v", c.mode)
		got, err := m.Resolve(c.cur, c.isDir, 0o022)
		require.NoError(t, err)
		assert.Equal(t, FormatMode(c.want), FormatMode(got), "mode %v on %04o", c.mode, c.cur)
	}
}

func TestModeSpecRejectsNonsense(t *testing.T) {
	for _, bad := range []any{"0999", "rwxr-xr-x", "u=q", "ua+x", "", -1, 70000, 1.5, true} {
		_, err := ParseModeSpec(bad)
		assert.Error(t, err, "%v", bad)
	}
	m, err := ParseModeSpec(nil)
	require.NoError(t, err)
	assert.False(t, m.IsSet())
}
