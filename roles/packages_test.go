package roles_test

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/template"
	"github.com/hactl/hactl/roles"
)

// packagesFor renders <role>_packages from the role's embedded defaults
// with the given facts, as a play would.
func packagesFor(t *testing.T, role string, facts map[string]any) any {
	t.Helper()
	data, err := fs.ReadFile(roles.FS(), role+"/defaults/main.yml")
	require.NoError(t, err)
	vars := map[string]any{}
	require.NoError(t, yaml.Unmarshal(data, &vars))
	for k, v := range facts {
		vars[k] = v
	}
	out, err := template.New().Eval(role+"_packages", vars)
	require.NoError(t, err, role)
	return out
}

// The package names each role installs, per platform. Ubuntu 22.04 and
// 24.04 ship the same names as Debian 12 (packages.ubuntu.com; docker.io,
// docker-registry and galera-4 are in universe there). No Ubuntu host
// runs here: this checks the roles' choice, not an installation.
func TestPackagesPerPlatform(t *testing.T) {
	want := map[string][]any{
		"haproxy":    {"haproxy", "socat"},
		"keepalived": {"keepalived"},
		"galera":     {"mariadb-server", "mariadb-client", "galera-4", "rsync"},
		"docker":     {"docker.io", "containerd", "runc"},
		"registry":   {"docker-registry"},
	}
	platforms := map[string]map[string]any{
		"Debian 12":      {"ansible_distribution": "Debian", "ansible_distribution_major_version": "12"},
		"Ubuntu 22.04":   {"ansible_distribution": "Ubuntu", "ansible_distribution_major_version": "22"},
		"Ubuntu 24.04":   {"ansible_distribution": "Ubuntu", "ansible_distribution_major_version": "24"},
		"no facts":       {},
		"another distro": {"ansible_distribution": "Rocky", "ansible_distribution_major_version": "9"},
	}
	for role, pkgs := range want {
		for name, facts := range platforms {
			assert.Equal(t, pkgs, packagesFor(t, role, facts), "%s on %s", role, name)
		}
	}
}

// A version-specific entry wins over the distribution's, which wins over
// the default; setting <role>_packages bypasses the table.
func TestPackagesTableOrder(t *testing.T) {
	ubuntu24 := map[string]any{"ansible_distribution": "Ubuntu", "ansible_distribution_major_version": "24"}
	for _, role := range []string{"haproxy", "keepalived", "galera", "docker", "registry"} {
		facts := map[string]any{
			role + "_packages_by_platform": map[string]any{
				"default":   []any{"d"},
				"Ubuntu":    []any{"u"},
				"Ubuntu-24": []any{"u24"},
			},
		}
		for k, v := range ubuntu24 {
			facts[k] = v
		}
		assert.Equal(t, []any{"u24"}, packagesFor(t, role, facts), role)
		facts["ansible_distribution_major_version"] = "22"
		assert.Equal(t, []any{"u"}, packagesFor(t, role, facts), role)
		facts["ansible_distribution"] = "Debian"
		assert.Equal(t, []any{"d"}, packagesFor(t, role, facts), role)
		facts[role+"_packages"] = []any{"mine"}
		assert.Equal(t, []any{"mine"}, packagesFor(t, role, facts), role)
	}
}
