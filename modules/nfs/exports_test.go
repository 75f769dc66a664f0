package nfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/nfs"
)

// fakeExportfs is a stand-in for exportfs (the kernel NFS server cannot
// run where these tests run): -ra records the call and rebuilds a table
// from the .exports files, -v prints it the way exportfs -v does, with a
// default option added so the subset comparison is exercised.
const fakeExportfs = `#!/bin/sh
d=$(dirname "$0")
case "$1" in
-ra) echo ra >> "$d/calls"
     cat "$EXPORTS_DIR"/*.exports 2>/dev/null | grep -v '^#' | while read -r p rest; do
       [ -n "$p" ] || continue
       for c in $rest; do printf '%s\t%s\n' "$p" "$(echo "$c" | sed 's/)$/,secure)/')"; done
     done > "$d/table" ;;
-v)  cat "$d/table" 2>/dev/null ;;
*)   echo "unexpected $*" >&2; exit 2 ;;
esac
`

func TestExportsBackendWithAFakeExportfs(t *testing.T) {
	bin := t.TempDir()
	root := t.TempDir()
	exportsDir := filepath.Join(root, "exports.d")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "exportfs"), []byte(fakeExportfs), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("EXPORTS_DIR", exportsDir)
	h := modtest.Local(t)
	data := filepath.Join(root, "data")
	args := map[string]any{
		"path": data, "exports_dir": exportsDir, "fsid": "7",
		"clients": []any{map[string]any{"host": "10.77.0.0/24", "options": []any{"rw", "sync", "no_subtree_check"}}, "node9(ro)"},
	}
	file := filepath.Join(exportsDir, strings.ReplaceAll(strings.Trim(data, "/"), "/", "-")+".exports")
	calls := func() string { b, _ := os.ReadFile(filepath.Join(bin, "calls")); return string(b) }

	res := h.Converge(t, "nfs_export", args, []string{root})
	assert.Equal(t, file, res.Data["file"])
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, data+" 10.77.0.0/24(rw,sync,no_subtree_check,fsid=7) node9(ro,fsid=7)\n", strings.SplitN(string(got), "\n", 2)[1])
	assert.DirExists(t, data)
	assert.Equal(t, "ra\n", calls(), "exportfs -ra runs once, only for the change")

	t.Run("a hand edit is put back", func(t *testing.T) {
		require.NoError(t, os.WriteFile(file, []byte(data+" *(rw)\n"), 0o644))
		res := h.MustRun(t, "nfs_export", args, false, true)
		assert.True(t, res.Changed)
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].Before, "*(rw)")
		assert.Equal(t, "ra\nra\n", calls())
	})

	t.Run("the live table must agree", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(bin, "table"), []byte(data+"\t10.77.0.0/24(rw)\n"), 0o644))
		res, err := h.Run(t, "nfs_export", args, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "lacks option sync")
	})

	t.Run("absent removes the file and reloads", func(t *testing.T) {
		abs := map[string]any{"path": data, "exports_dir": exportsDir, "state": "absent"}
		h.Converge(t, "nfs_export", abs, []string{exportsDir})
		assert.NoFileExists(t, file)
		assert.Equal(t, "ra\nra\nra\n", calls())
	})
}

func TestBadArguments(t *testing.T) {
	h := modtest.Local(t)
	for _, args := range []map[string]any{
		{"path": "relative/dir"},
		{"path": "/srv/a b"},
		{"path": "/srv/x", "clients": []any{"bad host(rw)"}},
		{"path": "/srv/x", "clients": []any{map[string]any{"host": "h", "options": []any{"rw)"}}}},
		{"path": "/srv/x", "backend": "ganesha", "export_id": 0},
	} {
		res, err := h.Run(t, "nfs_export", args, true, false)
		if err == nil {
			assert.True(t, res.Failed, "%v should fail", args)
		}
	}
}
