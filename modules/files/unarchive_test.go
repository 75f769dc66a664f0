package files_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
)

// member is one archive entry built by the tests.
type member struct {
	name, body, link string
	mode             int64
	dir              bool
}

var archiveTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

var treeMembers = []member{
	{name: "./", dir: true, mode: 0o755},
	{name: "./app/", dir: true, mode: 0o755},
	{name: "./app/hello.txt", body: "hello\n", mode: 0o644},
	{name: "./app/run.sh", body: "#!/bin/sh\necho run\n", mode: 0o750},
	{name: "./it's $(touch pwned) `id` a file", body: "x\n", mode: 0o600},
	{name: "./current", link: "app/hello.txt", mode: 0o777},
}

// writeTarGz writes members as a gzipped tar into dir/name.
func writeTarGz(t *testing.T, dir, name string, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: m.mode, ModTime: archiveTime, Uid: 0, Gid: 0, Uname: "root", Gname: "root", Format: tar.FormatGNU}
		switch {
		case m.dir:
			h.Typeflag = tar.TypeDir
		case m.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, m.link
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(m.body))
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte(m.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

// writeZip writes regular files and directories as a zip into dir/name.
func writeZip(t *testing.T, dir, name string, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		if m.link != "" || m.name == "./" {
			continue
		}
		fh := &zip.FileHeader{Name: strings.TrimPrefix(m.name, "./"), Method: zip.Deflate, Modified: archiveTime}
		mode := os.FileMode(m.mode)
		if m.dir {
			mode |= os.ModeDir
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		require.NoError(t, err)
		_, err = w.Write([]byte(m.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

var _ = lab("unarchive", func(t *testing.T, hosts []*modtest.Host) {
	h := hosts[0]
	writeTarGz(t, h.FilesDir, "tree.tgz", treeMembers)
	writeZip(t, h.FilesDir, "tree.zip", treeMembers)
	reset := func(t *testing.T, dir string) {
		h.Sh(t, "rm -rf "+dir+" && mkdir -p "+dir)
	}

	t.Run("tar.gz from the controller converges", func(t *testing.T) {
		reset(t, "/root/ua/tgz")
		args := map[string]any{"src": "tree.tgz", "dest": "/root/ua/tgz", "list_files": true}
		res := h.Converge(t, "unarchive", args, []string{"/root/ua"})
		assert.Equal(t, "TgzArchive", res.Data["handler"])
		assert.Equal(t, "/root/ua/tgz", res.Data["dest"])
		assert.Equal(t, []any{"./", "./app/", "./app/hello.txt", "./app/run.sh", "./it's $(touch pwned) `id` a file", "./current"}, res.Data["files"])
		require.Contains(t, res.Data, "extract_results")
		assert.Equal(t, 0, res.Data["extract_results"].(map[string]any)["rc"])
		assert.Equal(t, "directory", res.Data["state"])
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/ua/tgz/current"))
		assert.Equal(t, "750 1704164645\n", h.Sh(t, "stat -c '%a %Y' /root/ua/tgz/app/run.sh"))
		assert.Equal(t, "0\n", h.Sh(t, "find / -xdev -name pwned 2>/dev/null | wc -l"))
		assert.Empty(t, strings.TrimSpace(h.Sh(t, "ls /tmp | grep '^tmp\\.' || true")), "the temporary directory is removed")

		h.Sh(t, "printf 'changed\\n' > /root/ua/tgz/app/hello.txt")
		res = h.MustRun(t, "unarchive", args, false, false)
		assert.True(t, res.Changed, "a modified member is restored")
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/ua/tgz/app/hello.txt"))
		h.Sh(t, "chmod 700 /root/ua/tgz/app/run.sh")
		assert.True(t, h.MustRun(t, "unarchive", args, false, false).Changed, "permissions are compared when extracting as root")
		h.Sh(t, "rm /root/ua/tgz/current")
		assert.True(t, h.MustRun(t, "unarchive", args, false, false).Changed, "a missing symlink is restored")
		h.Sh(t, "echo extra > /root/ua/tgz/extra")
		assert.False(t, h.MustRun(t, "unarchive", args, false, false).Changed, "files not in the archive are ignored")
	})

	t.Run("zip converges", func(t *testing.T) {
		reset(t, "/root/ua/zip")
		res := h.Converge(t, "unarchive", map[string]any{"src": "tree.zip", "dest": "/root/ua/zip"}, []string{"/root/ua/zip"})
		assert.Equal(t, "ZipArchive", res.Data["handler"])
		assert.Equal(t, "hello\n", h.Sh(t, "cat /root/ua/zip/app/hello.txt"))
		assert.Equal(t, "1704164645\n", h.Sh(t, "stat -c %Y /root/ua/zip/app/hello.txt"))
	})

	t.Run("remote tar, tar.bz2 and tar.xz", func(t *testing.T) {
		h.Sh(t, "rm -rf /root/ua/src && mkdir -p /root/ua/src/t/d && echo one > /root/ua/src/t/d/one && echo two > /root/ua/src/t/two && "+
			"cd /root/ua/src && tar -cf a.tar -C t . && tar -cjf a.tar.bz2 -C t . && tar -cJf a.tar.xz -C t . && printf 'not an archive' > bad.tgz")
		for file, handler := range map[string]string{"a.tar": "TarArchive", "a.tar.bz2": "TarBzipArchive", "a.tar.xz": "TarXzArchive"} {
			dest := "/root/ua/out-" + strings.ReplaceAll(file, ".", "-")
			reset(t, dest)
			res := h.Converge(t, "unarchive", map[string]any{"src": "/root/ua/src/" + file, "dest": dest, "remote_src": true}, []string{dest})
			assert.Equal(t, handler, res.Data["handler"])
			assert.Equal(t, "one\n", h.Sh(t, "cat "+dest+"/d/one"))
		}
		res, err := h.Run(t, "unarchive", map[string]any{"src": "/root/ua/src/bad.tgz", "dest": "/root/ua", "remote_src": true}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, `Failed to find handler for "/root/ua/src/bad.tgz"`)
	})

	t.Run("attributes, extra_opts, exclude and keep_newer", func(t *testing.T) {
		reset(t, "/root/ua/attrs")
		args := map[string]any{"src": "tree.tgz", "dest": "/root/ua/attrs", "owner": "nobody", "group": "nogroup", "mode": "u=rwX,g=rX,o="}
		h.Converge(t, "unarchive", args, []string{"/root/ua/attrs"})
		assert.Equal(t, "nobody nogroup 640\n", h.Sh(t, "stat -c '%U %G %a' /root/ua/attrs/app/hello.txt"))
		assert.Equal(t, "nobody 750\n", h.Sh(t, "stat -c '%U %a' /root/ua/attrs/app"))
		assert.Equal(t, "nobody 750\n", h.Sh(t, "stat -c '%U %a' /root/ua/attrs"), "dest's own ./ entry too, as in Ansible")

		reset(t, "/root/ua/strip")
		args = map[string]any{"src": "tree.tgz", "dest": "/root/ua/strip", "extra_opts": []any{"--strip-components=2"}, "exclude": []any{"./app/run.sh"}}
		h.Converge(t, "unarchive", args, []string{"/root/ua/strip"})
		assert.Equal(t, "hello.txt\n", h.Sh(t, "ls /root/ua/strip"))

		reset(t, "/root/ua/newer")
		args = map[string]any{"src": "tree.tgz", "dest": "/root/ua/newer", "keep_newer": true}
		h.MustRun(t, "unarchive", args, false, false)
		h.Sh(t, "printf 'mine\\n' > /root/ua/newer/app/hello.txt")
		res := h.MustRun(t, "unarchive", args, false, false)
		assert.False(t, res.Changed, "a newer file is kept")
		assert.Equal(t, "mine\n", h.Sh(t, "cat /root/ua/newer/app/hello.txt"))
	})

	t.Run("include (tar) and exclude (zip)", func(t *testing.T) {
		reset(t, "/root/ua/inc")
		res := h.Converge(t, "unarchive", map[string]any{"src": "tree.tgz", "dest": "/root/ua/inc", "include": []any{"./app/hello.txt"}, "list_files": true}, []string{"/root/ua/inc"})
		assert.Equal(t, []any{"./app/hello.txt"}, res.Data["files"])
		assert.Equal(t, "app\n", h.Sh(t, "ls /root/ua/inc"))
		assert.Equal(t, "hello.txt\n", h.Sh(t, "ls /root/ua/inc/app"))

		reset(t, "/root/ua/exz")
		h.Converge(t, "unarchive", map[string]any{"src": "tree.zip", "dest": "/root/ua/exz", "exclude": []any{"app/run.sh", "it's*"}}, []string{"/root/ua/exz"})
		assert.Equal(t, "app\n", h.Sh(t, "ls /root/ua/exz"))
		assert.Equal(t, "hello.txt\n", h.Sh(t, "ls /root/ua/exz/app"))
	})

	t.Run("from a URL the host downloads", func(t *testing.T) {
		s := serve(t, hosts[1], "/root/www-ua", 8083)
		archive, err := os.ReadFile(filepath.Join(h.FilesDir, "tree.tgz"))
		require.NoError(t, err)
		dest := "/root/ua/url dir's $(x)"
		hosts[1].Sh(t, "base64 -d > "+s.Dir+"/files/tree.tgz <<'EOF'\n"+b64(archive)+"\nEOF")
		h.Sh(t, "rm -rf \"/root/ua/url dir's \\$(x)\" && mkdir -p \"/root/ua/url dir's \\$(x)\"")
		res := h.Converge(t, "unarchive", map[string]any{"src": s.Base + "/files/tree.tgz", "dest": dest, "remote_src": true}, []string{dest})
		assert.Equal(t, "TgzArchive", res.Data["handler"])
		assert.Equal(t, "hello\n", h.Sh(t, "cat \"/root/ua/url dir's \\$(x)/app/hello.txt\""))
	})

	t.Run("creates and errors", func(t *testing.T) {
		res := h.MustRun(t, "unarchive", map[string]any{"src": "tree.tgz", "dest": "/root/ua/tgz", "creates": "/root/ua/tgz/app"}, false, false)
		assert.True(t, res.Skipped)
		assert.Equal(t, "skipped, since /root/ua/tgz/app exists", res.Msg)

		res, err := h.Run(t, "unarchive", map[string]any{"src": "tree.tgz", "dest": "/root/ua/none"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "dest '/root/ua/none' must be an existing dir", res.Msg)
		res, err = h.Run(t, "unarchive", map[string]any{"src": "/root/ua/none.tgz", "dest": "/root/ua", "remote_src": true}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Source '/root/ua/none.tgz' does not exist", res.Msg)
		res, err = h.Run(t, "unarchive", map[string]any{"src": "missing.tgz", "dest": "/root/ua"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Could not find or access 'missing.tgz'")
		_, _, err = modtest.Validate("unarchive", map[string]any{"src": "a", "dest": "/x", "include": "a", "exclude": "b"})
		assert.ErrorContains(t, err, "mutually exclusive")
	})
})

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
