package remotefile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

// The tests below run the real scripts through the local transport (a
// real /bin/sh with GNU coreutils, as on the hosts).

func TestGatherDescribesFilesDirsLinksAndAbsence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	hostile := filepath.Join(dir, "it's $(touch pwned) a\nfile")
	require.NoError(t, os.WriteFile(hostile, []byte("hello\n"), 0o640))
	require.NoError(t, os.Symlink(hostile, filepath.Join(dir, "ln")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin"), []byte{0, 1, 2}, 0o600))

	paths := []string{hostile, dir, filepath.Join(dir, "ln"), filepath.Join(dir, "missing"), filepath.Join(dir, "no", "such")}
	st, err := GatherMany(ctx, transport.NewLocal(), paths, GatherOpts{Sums: []string{"sha1", "md5"}, MaxContent: 100})
	require.NoError(t, err)
	require.Len(t, st, 5)

	f := st[0]
	assert.True(t, f.Exists)
	assert.Equal(t, TypeFile, f.Type)
	assert.Equal(t, "0640", f.ModeString())
	assert.Equal(t, int64(6), f.Size)
	assert.Equal(t, "f572d396fae9206628714fb2ce00f72e94f2258f", f.Sums["sha1"])
	assert.Equal(t, "b1946ac92492d2347c6235b4d2611184", f.Sums["md5"])
	assert.Equal(t, "hello\n", string(f.Content))
	assert.True(t, f.HasContent && f.ParentDir && f.Readable)
	assert.Equal(t, os.Getuid(), f.UID)
	assert.NotEmpty(t, f.Owner)
	assert.Greater(t, f.Mtime, 1e9)

	assert.Equal(t, TypeDirectory, st[1].Type)
	assert.Equal(t, TypeLink, st[2].Type)
	assert.Equal(t, hostile, st[2].LinkTarget)
	assert.Equal(t, hostile, st[2].RealPath)
	assert.Empty(t, st[2].Sums, "a link not followed has no checksum")

	assert.False(t, st[3].Exists)
	assert.Equal(t, TypeAbsent, st[3].Type)
	assert.True(t, st[3].ParentDir)
	assert.False(t, st[4].ParentDir)
	assert.Equal(t, uint32(0o022), st[0].Umask)
	assert.NoFileExists(t, "pwned")

	followed, err := Gather(ctx, transport.NewLocal(), filepath.Join(dir, "ln"), GatherOpts{Follow: true, Sums: []string{"sha256"}})
	require.NoError(t, err)
	assert.Equal(t, TypeFile, followed.Type)
	assert.Equal(t, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", followed.Sums["sha256"])
	assert.False(t, followed.HasContent, "content only when asked")

	_, err = Gather(ctx, transport.NewLocal(), dir, GatherOpts{Sums: []string{"crc32"}})
	assert.ErrorContains(t, err, "unsupported checksum")
}

func TestGatherExpandsTilde(t *testing.T) {
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	st, err := Gather(context.Background(), transport.NewLocal(), "~", GatherOpts{})
	require.NoError(t, err)
	assert.Equal(t, home, st.Resolved)
	assert.Equal(t, TypeDirectory, st.Type)
}

func TestWriteIsAtomicWithBackupAttrsAndValidate(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	dir := t.TempDir()
	dest := filepath.Join(dir, "a b $(x) 'q'.conf")

	cur, err := Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	backup, err := Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("one\n"), Current: cur, Backup: true})
	require.NoError(t, err)
	assert.Empty(t, backup, "nothing to back up for a new file")
	fi, err := os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "new files get 0666 minus the umask")

	require.NoError(t, os.Chmod(dest, 0o600))
	cur, err = Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	backup, err = Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("two\n"), Current: cur, Backup: true, Validate: "grep -q two %s"})
	require.NoError(t, err)
	require.NotEmpty(t, backup)
	assert.Regexp(t, `\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$`, backup)
	assert.True(t, strings.HasPrefix(backup, dest+"."))
	old, err := os.ReadFile(backup)
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(old))
	got, err := os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, "two\n", string(got))
	fi, err = os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "an existing file keeps its mode")

	mode, err := ParseModeSpec("u=rw,g=r")
	require.NoError(t, err)
	cur, err = Gather(ctx, c, dest, GatherOpts{})
	require.NoError(t, err)
	_, err = Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("three\n"), Current: cur, Validate: "grep -q nope %s",
		Attrs: Attrs{Mode: mode, Owner: "0", Group: "root"}})
	var verr *ValidateError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, 1, verr.RC)
	got, err = os.ReadFile(dest)
	require.NoError(t, err)
	assert.Equal(t, "two\n", string(got), "a failed validation leaves the file alone")

	_, err = Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("three\n"), Current: cur, Attrs: Attrs{Mode: mode}})
	require.NoError(t, err)
	fi, err = os.Stat(dest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())

	_, err = Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("x"), Current: cur, Attrs: Attrs{Owner: "no-such-user-hactl"}})
	assert.ErrorContains(t, err, "no-such-user-hactl")
	_, err = Write(ctx, c, WriteOpts{Dest: dest, Content: []byte("x"), Current: cur, Validate: "true"})
	assert.ErrorIs(t, err, ErrNoPercentS)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".hactl.", "temporary files are cleaned up")
	}
}

func TestPlanAttrsComparesNamesAndIDs(t *testing.T) {
	mode, err := ParseModeSpec("0640")
	require.NoError(t, err)
	s := State{Exists: true, Type: TypeFile, Mode: 0o644, UID: 0, GID: 0, Owner: "root", Group: "root"}
	p, err := Attrs{Mode: mode, Owner: "0", Group: "root"}.PlanAttrs(s)
	require.NoError(t, err)
	assert.Empty(t, p.Owner)
	assert.Empty(t, p.Group)
	assert.True(t, p.SetMode)
	assert.Equal(t, "0644", p.Before["mode"])
	assert.Equal(t, "0640", p.After["mode"])

	p, err = Attrs{Owner: "www-data", Group: "33"}.PlanAttrs(s)
	require.NoError(t, err)
	assert.Equal(t, "www-data", p.Owner)
	assert.Equal(t, "33", p.Group)
	assert.Contains(t, p.Script("p", true), "chown -h -- www-data \"$p\"")

	link := State{Exists: true, Type: TypeLink, Mode: 0o777}
	p, err = Attrs{Mode: mode}.PlanAttrs(link)
	require.NoError(t, err)
	assert.True(t, p.Empty(), "links are never chmod'ed")
}

func TestContentDiffNotesBinaryAndHugeContent(t *testing.T) {
	d := ContentDiff("/etc/x", "/etc/x", []byte("a\n"), []byte("b\n"))
	assert.Equal(t, "a\n", d.Before)
	assert.Equal(t, "b\n", d.After)
	d = ContentDiff("/x", "/x", []byte{0, 1}, []byte("text"))
	assert.Contains(t, d.Before, "binary")
	d = ContentDiff("/x", "/x", nil, make([]byte, MaxDiffSize+1))
	assert.Contains(t, d.After, "diff skipped")
	sd := StateDiff("/x", map[string]string{"state": "absent"}, map[string]string{"state": "file"})
	assert.Equal(t, "path: /x\nstate: absent\n", sd.Before)
	assert.Equal(t, "path: /x\nstate: file\n", sd.After)
}
