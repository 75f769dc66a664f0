package remotefile

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

// countingConn counts the round trips a caller makes.
type countingConn struct {
	transport.Conn
	runs, puts atomic.Int32
}

func (c *countingConn) Run(ctx context.Context, cmd string, o transport.RunOpts) (transport.Result, error) {
	c.runs.Add(1)
	return c.Conn.Run(ctx, cmd, o)
}

func (c *countingConn) Put(ctx context.Context, dst string, r io.Reader, m fs.FileMode) error {
	c.puts.Add(1)
	return c.Conn.Put(ctx, dst, r, m)
}

func TestWriteGatherIsOneCommandAndReadsTheFileBack(t *testing.T) {
	ctx := context.Background()
	c := &countingConn{Conn: transport.NewLocal()}
	dir := t.TempDir()
	dest := filepath.Join(dir, "new $(x).conf")
	content := append([]byte("binary\x00\xff and text\n"), bytes.Repeat([]byte("0123456789"), 20000)...)

	cur, err := Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	c.runs.Store(0)
	mode, err := ParseModeSpec("0640")
	require.NoError(t, err)
	w, err := WriteGather(ctx, c, WriteOpts{Dest: dest, Content: content, Current: cur, Attrs: Attrs{Mode: mode}},
		&GatherOpts{Sums: []string{"sha1", "md5"}})
	require.NoError(t, err)
	assert.Equal(t, int32(1), c.runs.Load(), "upload, install and read-back in one command")
	assert.Equal(t, int32(0), c.puts.Load(), "no SFTP")

	got, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.True(t, w.After.Exists)
	assert.Equal(t, TypeFile, w.After.Type)
	assert.Equal(t, "0640", w.After.ModeString())
	assert.Equal(t, int64(len(content)), w.After.Size)
	assert.Len(t, w.After.Sums["sha1"], 40)
	assert.Len(t, w.After.Sums["md5"], 32)
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	assert.Equal(t, FormatMode(uint32(umask)), FormatMode(w.After.Umask), "the upload's umask 077 does not leak into the state read")

	// Empty content is a real (empty) file.
	cur = w.After
	_, err = WriteGather(ctx, c, WriteOpts{Dest: dest, Current: cur}, nil)
	require.NoError(t, err)
	fi, err := os.Stat(dest)
	require.NoError(t, err)
	assert.Zero(t, fi.Size())
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
}

func TestUploadRefusesInputThatEndsEarly(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	dir := t.TempDir()
	dest := filepath.Join(dir, "keep.conf")
	require.NoError(t, os.WriteFile(dest, []byte("old\n"), 0o644))
	cur, err := Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)

	// What a connection lost mid-way looks like on the host: 5 of 10
	// bytes, then end of input.
	tmp := filepath.Join(dir, ".hactl.test.tmp")
	script := uploadScript(tmp, 10) + installScript(tmp, dest, WriteOpts{Current: cur}, 0o644)
	res, err := c.Run(ctx, script, transport.RunOpts{Stdin: strings.NewReader("12345")})
	require.NoError(t, err)
	assert.NotZero(t, res.RC)
	assert.Contains(t, string(res.Stderr), "short write")
	got, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(got), "the destination is untouched")
	_, err = os.Stat(tmp)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the temporary file is removed")
}

func TestRunGatherRefusesAScriptThatEndsEarly(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	dir := t.TempDir()
	sts, res, err := RunGather(ctx, c, "mkdir -- "+transport.Quote(filepath.Join(dir, "d")), []Query{{Path: filepath.Join(dir, "d")}})
	require.NoError(t, err)
	require.Zero(t, res.RC)
	require.Len(t, sts, 1)
	assert.Equal(t, TypeDirectory, sts[0].Type)

	_, _, err = RunGather(ctx, c, "exit 0", []Query{{Path: dir}})
	assert.ErrorContains(t, err, "ended before")
}

func TestGatherQueriesMixesOptionsAndSeesLinksToDirectories(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	dir := t.TempDir()
	require.NoError(t, os.Symlink(dir, filepath.Join(dir, "up")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600))
	sts, err := GatherQueries(ctx, c, []Query{
		{Path: filepath.Join(dir, "up")},
		{Path: filepath.Join(dir, "up"), Opts: GatherOpts{Follow: true}},
		{Path: filepath.Join(dir, "f"), Opts: GatherOpts{Sums: []string{"sha256"}, MaxContent: 1}},
	})
	require.NoError(t, err)
	assert.Equal(t, TypeLink, sts[0].Type)
	assert.True(t, sts[0].LinkToDir)
	assert.Equal(t, TypeDirectory, sts[1].Type)
	assert.Equal(t, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", sts[2].Sums["sha256"])
	assert.Equal(t, "x", string(sts[2].Content))
}
