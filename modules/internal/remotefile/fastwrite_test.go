package remotefile

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

func sha1Of(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestPutIfDifferentWritesComparesAndStepsAside(t *testing.T) {
	ctx := context.Background()
	c := &countingConn{Conn: transport.NewLocal()}
	dir := t.TempDir()
	dest := filepath.Join(dir, "it's $(x).conf")
	content := []byte("hello\n")
	o := PutOpts{Dest: dest, Content: content, SHA1: sha1Of(content), Mode: 0o640}

	r, err := PutIfDifferent(ctx, c, o)
	require.NoError(t, err)
	assert.Equal(t, PutWritten, r.Outcome)
	assert.Equal(t, "0640", r.State.ModeString())
	assert.Equal(t, o.SHA1, r.State.Sums["sha1"])
	got, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, content, got)

	require.NoError(t, os.Chmod(dest, 0o600))
	r, err = PutIfDifferent(ctx, c, o)
	require.NoError(t, err)
	assert.Equal(t, PutSame, r.Outcome, "same content: nothing written")
	assert.Equal(t, "0600", r.State.ModeString(), "attributes of an unchanged file are left to the caller")

	other := []byte("other\n")
	r, err = PutIfDifferent(ctx, c, PutOpts{Dest: dest, Content: other, SHA1: sha1Of(other), Mode: 0o644})
	require.NoError(t, err)
	assert.Equal(t, PutWritten, r.Outcome)
	assert.Equal(t, "0644", r.State.ModeString())
	assert.Equal(t, int32(3), c.runs.Load(), "one command each")

	// Into a directory, under the given name.
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	r, err = PutIfDifferent(ctx, c, PutOpts{Dest: sub, IntoBase: "motd", Content: content, SHA1: o.SHA1, Mode: 0o644})
	require.NoError(t, err)
	assert.Equal(t, PutWritten, r.Outcome)
	assert.Equal(t, filepath.Join(sub, "motd"), r.Dest)
	got, err = os.ReadFile(filepath.Join(sub, "motd"))
	require.NoError(t, err)
	assert.Equal(t, content, got)

	// Unusual cases are left to the general path, untouched.
	require.NoError(t, os.Symlink(dest, filepath.Join(dir, "ln")))
	for _, p := range []string{sub, filepath.Join(dir, "ln"), filepath.Join(dir, "missing", "f")} {
		r, err = PutIfDifferent(ctx, c, PutOpts{Dest: p, Content: content, SHA1: o.SHA1, Mode: 0o644})
		require.NoError(t, err, p)
		assert.Equal(t, PutSlow, r.Outcome, p)
	}
	link, err := os.Readlink(filepath.Join(dir, "ln"))
	require.NoError(t, err)
	assert.Equal(t, dest, link)

	_, err = PutIfDifferent(ctx, c, PutOpts{Dest: filepath.Join(dir, "x"), Content: content, SHA1: o.SHA1, Mode: 0o644, Owner: "no-such-user-hactl"})
	assert.ErrorContains(t, err, "no-such-user-hactl")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".hactl.", "temporary files are cleaned up")
		assert.NotEqual(t, "x", e.Name(), "a failed put leaves no destination")
	}
}
