package files_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

// findFixture builds the tree the find tests search (the same tree was
// searched with Ansible's find to obtain the expectations below).
const findFixture = `D=/root/fi
rm -rf "$D" && mkdir -p "$D/sub/deep/deeper" "$D/.hid" "$D/emptydir"
printf 'hello\nworld\n' > "$D/a.txt"
head -c 2000 /dev/zero | tr '\0' x > "$D/big.log"
printf 'port = 80\n' > "$D/sub/conf.cfg"
printf 'inner\n' > "$D/.hid/inner.txt"
printf 'hidden\n' > "$D/.dot.txt"
printf 'deep\n' > "$D/sub/deep/d.txt"
printf 'deeper\n' > "$D/sub/deep/deeper/e.txt"
printf 'it is\n' > "$D/it's \$(x) a [file].txt"
ln -s a.txt "$D/link.txt"
ln -s sub "$D/linkdir"
touch -d '10 days ago' "$D/big.log"
printf '\377\376binary\nport' > "$D/bin.dat"
chmod 4750 "$D/sub/conf.cfg"
`

var _ = lab("find", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	h.Sh(t, findFixture)
	const D = "/root/fi"
	find := func(t *testing.T, args map[string]any) map[string]any {
		t.Helper()
		if _, ok := args["paths"]; !ok {
			args["paths"] = D
		}
		res := h.MustRun(t, "find", args, false, false)
		assert.False(t, res.Changed)
		return res.Data
	}
	names := func(d map[string]any) []string {
		var out []string
		for _, f := range d["files"].([]any) {
			out = append(out, strings.TrimPrefix(f.(map[string]any)["path"].(string), D+"/"))
		}
		return out
	}

	// Expectations from ansible-core 2.14's find on the same tree.
	cases := []struct {
		args     map[string]any
		examined int
		want     []string
	}{
		{map[string]any{"recurse": true}, 16, []string{"it's $(x) a [file].txt", "big.log", "bin.dat", "a.txt", ".hid/inner.txt", "sub/conf.cfg", "sub/deep/d.txt", "sub/deep/deeper/e.txt"}},
		{map[string]any{"depth": 2, "file_type": "any", "hidden": true, "recurse": true}, 15, []string{"it's $(x) a [file].txt", "big.log", ".dot.txt", "bin.dat", "link.txt", "a.txt", "emptydir", ".hid", "sub", "linkdir", ".hid/inner.txt", "sub/conf.cfg", "sub/deep"}},
		{map[string]any{"excludes": "a*", "patterns": "*.txt,*.log"}, 10, []string{"it's $(x) a [file].txt", "big.log"}},
		{map[string]any{"patterns": []any{"^[ab].*"}, "recurse": true, "use_regex": true}, 16, []string{"big.log", "bin.dat", "a.txt"}},
		{map[string]any{"age": "5d"}, 10, []string{"big.log"}},
		{map[string]any{"age": "-5d"}, 10, []string{"it's $(x) a [file].txt", "bin.dat", "a.txt"}},
		{map[string]any{"file_type": "any", "size": "-12"}, 10, []string{"it's $(x) a [file].txt", "link.txt", "a.txt", "emptydir", "sub", "linkdir"}},
		{map[string]any{"size": "1k"}, 10, []string{"big.log"}},
		{map[string]any{"contains": "wor", "recurse": true}, 16, []string{"a.txt"}},
		{map[string]any{"contains": "orl", "recurse": true}, 16, nil},
		{map[string]any{"contains": "orl", "read_whole_file": true, "recurse": true}, 16, []string{"a.txt"}},
		{map[string]any{"contains": "port", "recurse": true}, 16, []string{"sub/conf.cfg"}},
		{map[string]any{"follow": true, "patterns": "*.cfg", "recurse": true}, 21, []string{"sub/conf.cfg", "linkdir/conf.cfg"}},
		{map[string]any{"file_type": "link"}, 10, []string{"link.txt", "linkdir"}},
		{map[string]any{"patterns": "[!a]*.txt"}, 10, []string{"it's $(x) a [file].txt"}},
		{map[string]any{"patterns": "*[[]file*"}, 10, []string{"it's $(x) a [file].txt"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.args), func(t *testing.T) {
			d := find(t, c.args)
			assert.ElementsMatch(t, c.want, names(d))
			assert.Equal(t, len(c.want), d["matched"])
			assert.Equal(t, c.examined, d["examined"])
			assert.Equal(t, "All paths examined", d["msg"])
		})
	}

	t.Run("os.walk order: a directory's files, then its directories, then deeper", func(t *testing.T) {
		got := names(find(t, map[string]any{"recurse": true, "file_type": "any"}))
		pos := map[string]int{}
		for i, n := range got {
			pos[n] = i
		}
		assert.Less(t, pos["a.txt"], pos["sub"])
		assert.Less(t, pos["link.txt"], pos["sub"], "a link to a file is among the files")
		assert.Less(t, pos["emptydir"], pos["sub/conf.cfg"])
		assert.Less(t, pos["linkdir"], pos["sub/conf.cfg"], "a link to a directory is among the directories")
		assert.Less(t, pos["sub/conf.cfg"], pos["sub/deep/d.txt"])
	})

	t.Run("stat keys, checksum, ~ and $VAR", func(t *testing.T) {
		d := find(t, map[string]any{"paths": "~/fi/sub", "get_checksum": true})
		require.Len(t, d["files"], 1)
		f := d["files"].([]any)[0].(map[string]any)
		assert.Equal(t, D+"/sub/conf.cfg", f["path"])
		assert.Equal(t, "4750", f["mode"])
		assert.Equal(t, true, f["isuid"])
		assert.Equal(t, true, f["isreg"])
		assert.Equal(t, false, f["roth"])
		assert.Equal(t, "root", f["pw_name"])
		assert.Equal(t, "root", f["gr_name"])
		assert.EqualValues(t, 10, f["size"])
		assert.Equal(t, strings.Fields(h.Sh(t, "sha1sum "+D+"/sub/conf.cfg"))[0], f["checksum"])
		assert.Greater(t, f["mtime"], 1e9)
		d = find(t, map[string]any{"paths": "$HOME/fi", "patterns": "a.*"})
		assert.Equal(t, []string{"a.txt"}, names(d))
	})

	t.Run("paths that are not directories are skipped", func(t *testing.T) {
		d := find(t, map[string]any{"paths": []any{D + "/sub", "/nonexistent", D + "/a.txt", "$NO_SUCH_VAR/x"}})
		assert.Equal(t, 1, d["matched"])
		assert.Equal(t, map[string]any{
			"/nonexistent":   "'/nonexistent' is not a directory",
			D + "/a.txt":     "'" + D + "/a.txt' is not a directory",
			"$NO_SUCH_VAR/x": "'$NO_SUCH_VAR/x' is not a directory",
		}, d["skipped_paths"])
		assert.Equal(t, "Not all paths examined, check warnings for details", d["msg"])
	})

	t.Run("bad criteria", func(t *testing.T) {
		res, err := h.Run(t, "find", map[string]any{"paths": D, "age": "1x"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "failed to process age", res.Msg)
		res, err = h.Run(t, "find", map[string]any{"paths": D, "size": "big"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "failed to process size", res.Msg)
		res, err = h.Run(t, "find", map[string]any{"paths": D, "patterns": "(?<=x)a", "use_regex": true}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		_, _, err = modtest.Validate("find", map[string]any{"patterns": "*"})
		assert.ErrorContains(t, err, `missing required argument "paths"`)
		_, _, err = modtest.Validate("find", map[string]any{"paths": "/", "file_type": "socket"})
		assert.Error(t, err)
	})
})
