package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeTree creates files (path → content) under a fresh temp dir and
// returns the dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// loadOne loads a single inventory file with the given content and name,
// collecting warnings.
func loadOne(t *testing.T, name, content string) (*Inventory, []string, error) {
	t.Helper()
	dir := writeTree(t, map[string]string{name: content})
	var warnings []string
	inv, err := Load([]string{filepath.Join(dir, name)}, Options{Warn: func(s string) { warnings = append(warnings, s) }})
	return inv, warnings, err
}

func mustLoad(t *testing.T, name, content string) *Inventory {
	t.Helper()
	inv, _, err := loadOne(t, name, content)
	require.NoError(t, err)
	return inv
}

func hostNames(hs []*Host) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

func selectNames(t *testing.T, inv *Inventory, pattern string) []string {
	t.Helper()
	hs, err := inv.Select(pattern)
	require.NoError(t, err, pattern)
	return hostNames(hs)
}
