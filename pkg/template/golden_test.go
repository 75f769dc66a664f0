package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// loadGolden reads testdata/golden/NAME.{j2,yml,out}; the .out files were
// rendered by Ansible's own templating (testdata/reference.py).
func loadGolden(t testing.TB, name string) (tpl string, vars map[string]any, want string) {
	t.Helper()
	base := filepath.Join("testdata", "golden", name)
	src, err := os.ReadFile(base + ".j2")
	require.NoError(t, err)
	data, err := os.ReadFile(base + ".yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &vars))
	out, err := os.ReadFile(base + ".out")
	require.NoError(t, err)
	return string(src), vars, string(out)
}

func TestGoldenTemplatesMatchAnsible(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.j2"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 6)
	e := New()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".j2")
		t.Run(name, func(t *testing.T) {
			tpl, vars, want := loadGolden(t, name)
			got, err := e.Render(name+".j2", tpl, vars)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}
