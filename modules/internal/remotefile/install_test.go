package remotefile

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

func TestInstallTempMovesAFileAlreadyOnTheHost(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	dir, other := t.TempDir(), t.TempDir()
	dest := filepath.Join(dir, "it's $(x) dest")
	require.NoError(t, os.WriteFile(dest, []byte("old\n"), 0o640))

	// A temporary file in another directory is copied beside dest first.
	tmp := filepath.Join(other, "download")
	require.NoError(t, os.WriteFile(tmp, []byte("new\n"), 0o600))
	cur, err := Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	backup, err := InstallTemp(ctx, c, tmp, WriteOpts{Dest: dest, Current: cur, Backup: true})
	require.NoError(t, err)
	b, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(b))
	fi, err := os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "an existing file keeps its mode")
	require.NotEmpty(t, backup)
	b, err = os.ReadFile(backup)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(b))
	assert.NoFileExists(t, tmp)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "dest and its backup, no temporary file")

	// A rejected validation leaves dest alone and removes the temporary file.
	tmp = filepath.Join(dir, ".hactl.x.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte("bad\n"), 0o600))
	cur, err = Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	mode, err := ParseModeSpec("0600")
	require.NoError(t, err)
	_, err = InstallTemp(ctx, c, tmp, WriteOpts{Dest: dest, Current: cur, Attrs: Attrs{Mode: mode}, Validate: "grep -q good %s"})
	var ve *ValidateError
	require.ErrorAs(t, err, &ve)
	assert.NoFileExists(t, tmp)
	b, _ = os.ReadFile(dest)
	assert.Equal(t, "new\n", string(b))

	// A new file gets its mode.
	tmp = filepath.Join(other, "second")
	require.NoError(t, os.WriteFile(tmp, []byte("good\n"), 0o600))
	fresh := filepath.Join(dir, "fresh")
	cur, err = Gather(ctx, c, fresh, GatherOpts{})
	require.NoError(t, err)
	_, err = InstallTemp(ctx, c, tmp, WriteOpts{Dest: fresh, Current: cur, Attrs: Attrs{Mode: mode}, Validate: "grep -q good %s"})
	require.NoError(t, err)
	fi, err = os.Stat(fresh)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.NoFileExists(t, tmp)
}
