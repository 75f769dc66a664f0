package files

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/remotefile"
)

// Real outputs of GNU tar 1.34 and zipinfo 3.0 (TZ=UTC, LC_ALL=C).
func TestParseArchiveListings(t *testing.T) {
	tarOut := `drwxr-xr-x root/root         0 2026-11-22 00:50:59 "./"
drwsr-xr-x root/root         0 2026-11-22 00:45:27 "./dir/"
-rw-r--r-- root/root         6 2026-11-22 00:45:27 "./dir/hello.txt"
lrwxrwxrwx root/root         0 2026-11-22 00:45:27 "./link" -> "dir/hello.txt"
hrw-r--r-- root/root         0 2026-11-22 00:45:27 "./hard" link to "./dir/hello.txt"
-rw-r--r-- root/root         3 2026-11-22 00:50:59 "./new\nline \"q\" \303\251"
-rw-r--r-- root/root         2 2026-11-22 00:45:27 "../escape"
`
	es, err := parseTarListing(tarOut)
	require.NoError(t, err)
	require.Len(t, es, 6, "a member climbing out of dest is left out")
	assert.Equal(t, archiveEntry{raw: "./", name: ".", typ: 'd', perm: 0o755, mtime: 1795308659}, es[0])
	assert.Equal(t, uint32(0o4755), es[1].perm)
	assert.Equal(t, "dir", es[1].name)
	assert.Equal(t, archiveEntry{raw: "./dir/hello.txt", name: "dir/hello.txt", typ: '-', perm: 0o644, size: 6, mtime: 1795308327}, es[2])
	assert.Equal(t, "dir/hello.txt", es[3].target)
	assert.Equal(t, byte('l'), es[3].typ)
	assert.Equal(t, byte('h'), es[4].typ)
	assert.Equal(t, "./dir/hello.txt", es[4].target)
	assert.Equal(t, "./new\nline \"q\" é", es[5].raw)

	_, err = parseTarListing("garbage\n")
	assert.Error(t, err)

	zipOut := `Archive:  t.zip
Zip file size: 629 bytes, number of entries: 4
drwxr-xr-x  3.0 unx        0 bx stor 20261122.004527 dir/
-rw-r--r--  3.0 unx        6 tx stor 20261122.004527 dir/hello.txt
lrwxrwxrwx  3.0 unx       13 bx stor 20261122.004527 link
-rw-r--r--  3.0 unx        2 tx stor 20261122.004527 it's $(x) a file
4 files, 21 bytes uncompressed, 21 bytes compressed:  0.0%
`
	zs := parseZipListing(zipOut)
	require.Len(t, zs, 4)
	assert.Equal(t, archiveEntry{raw: "dir/", name: "dir", typ: 'd', perm: 0o755, stamp: "20261122.004527"}, zs[0])
	assert.Equal(t, int64(6), zs[1].size)
	assert.Equal(t, byte('l'), zs[2].typ)
	assert.Equal(t, "it's $(x) a file", zs[3].name)
}

func TestPermBits(t *testing.T) {
	for in, want := range map[string]uint32{
		"-rw-r--r--": 0o644, "drwxr-xr-x": 0o755, "-rwsr-sr-t": 0o7755, "-rwSr-Sr-T": 0o7644, "----------": 0, "short": 0,
	} {
		assert.Equal(t, want, permBits(in), in)
	}
}

func TestMemberDiffComparesWhatTheDocSays(t *testing.T) {
	file := archiveEntry{typ: '-', perm: 0o644, size: 6, mtime: 1000}
	same := remotefile.State{Exists: true, Type: remotefile.TypeFile, Mode: 0o644, Size: 6, Mtime: 1000.7}
	root := compareOpts{checkMode: true}
	cases := []struct {
		e    archiveEntry
		st   remotefile.State
		o    compareOpts
		want string
	}{
		{file, same, root, ""},
		{file, remotefile.State{}, root, "missing"},
		{file, with(same, func(s *remotefile.State) { s.Size = 7 }), root, "size differs"},
		{file, with(same, func(s *remotefile.State) { s.Mtime = 999 }), root, "mod time differs"},
		{file, with(same, func(s *remotefile.State) { s.Mtime = 2000; s.Size = 9 }), compareOpts{keepNewer: true}, ""},
		{file, with(same, func(s *remotefile.State) { s.Mtime = 999 }), compareOpts{keepNewer: true}, "mod time differs"},
		{file, with(same, func(s *remotefile.State) { s.Mode = 0o600 }), root, "mode differs"},
		{file, with(same, func(s *remotefile.State) { s.Mode = 0o600 }), compareOpts{}, ""},
		{file, with(same, func(s *remotefile.State) { s.Type = remotefile.TypeDirectory }), root, "not a file"},
		{archiveEntry{typ: 'd', perm: 0o755}, remotefile.State{Exists: true, Type: remotefile.TypeDirectory, Mode: 0o755, Mtime: 5}, root, ""},
		{archiveEntry{typ: 'l', target: "a"}, remotefile.State{Exists: true, Type: remotefile.TypeLink, LinkTarget: "b"}, root, "symlink differs"},
		{archiveEntry{typ: 'l', target: "a"}, remotefile.State{Exists: true, Type: remotefile.TypeLink, LinkTarget: "a", Mode: 0o777}, root, ""},
		{archiveEntry{typ: '-', size: 6, stamp: "19700101.001640", perm: 0o644}, same, root, ""},
		{archiveEntry{typ: '-', size: 6, stamp: "19700101.001641", perm: 0o644}, same, root, "mod time differs"},
	}
	for i, c := range cases {
		assert.Equal(t, c.want, memberDiff(c.e, c.st, c.o), "case %d", i)
	}
}

func with(s remotefile.State, f func(*remotefile.State)) remotefile.State {
	f(&s)
	return s
}

func TestUnquoteC(t *testing.T) {
	s, rest, err := unquoteC(`"a\tb\\c\"d\101" -> "x"`)
	require.NoError(t, err)
	assert.Equal(t, "a\tb\\c\"dA", s)
	assert.Equal(t, ` -> "x"`, rest)
	for _, bad := range []string{`no quote`, `"open`, `"bad \`, `"\3"`} {
		_, _, err := unquoteC(bad)
		assert.Error(t, err, bad)
	}
}
