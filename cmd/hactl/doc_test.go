package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModuleDocsAreCurrent keeps docs/modules in step with the modules'
// specs: regenerate with `go run ./cmd/hactl doc --markdown docs/modules`.
func TestModuleDocsAreCurrent(t *testing.T) {
	dir := t.TempDir()
	code, out := runCLI(t, "doc", "--markdown", dir)
	require.Equal(t, 0, code, out)
	want, err := os.ReadDir(dir)
	require.NoError(t, err)
	have, err := os.ReadDir(filepath.Join("..", "..", "docs", "modules"))
	require.NoError(t, err)
	assert.Equal(t, len(want), len(have), "docs/modules has a different set of pages")
	for _, e := range want {
		gen, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		cur, err := os.ReadFile(filepath.Join("..", "..", "docs", "modules", e.Name()))
		if assert.NoError(t, err, "docs/modules/%s is missing", e.Name()) {
			assert.Equal(t, string(gen), string(cur), "docs/modules/%s is stale: regenerate with hactl doc --markdown docs/modules", e.Name())
		}
	}
}

func TestDocListsAndDescribesModules(t *testing.T) {
	code, out := runCLI(t, "doc", "--list")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "haproxy_config")
	code, out = runCLI(t, "doc", "ansible.builtin.copy")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "# copy")
	code, out = runCLI(t, "doc", "cpoy")
	assert.Equal(t, 5, code, out)
	assert.Contains(t, out, `did you mean "copy"`)
}
