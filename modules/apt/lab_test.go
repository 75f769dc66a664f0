package apt_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/apt"
	"github.com/hactl/hactl/modules/internal/aptrepo"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

var status = []string{"/var/lib/dpkg/status"}

func dpkgVersion(t *testing.T, h *modtest.Host, name string) string {
	return strings.TrimSpace(h.Sh(t, "dpkg-query -W -f='${db:Status-Abbrev}${Version}' "+name+" 2>/dev/null || true"))
}

func TestAptOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	repo := aptrepo.New(t)
	repo.Download(t, "tree")
	repo.Build(t, aptrepo.Package{Name: "hactl-dep", Version: "1.0"})
	repo.Build(t, aptrepo.Package{Name: "hactl-a", Version: "1.0", Depends: "hactl-dep",
		Files: map[string]string{"/etc/hactl-a.conf": "a=1\n"}, Conffiles: []string{"/etc/hactl-a.conf"}})
	repo.Use(t, h)
	require.Equal(t, "", dpkgVersion(t, h, "tree"), "tree must not be in the image")

	t.Run("install a real package from the local repository", func(t *testing.T) {
		res := h.Converge(t, "apt", map[string]any{"name": "tree"}, status, "dpkg-query -W tree")
		assert.NotEmpty(t, res.Data["stdout"])
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "tree: absent\n", res.Diff[0].Before)
		assert.Contains(t, dpkgVersion(t, h, "tree"), "ii ")
	})

	t.Run("dependencies, manual mark, pinned version", func(t *testing.T) {
		h.Converge(t, "apt", map[string]any{"name": "hactl-a", "install_recommends": false}, status, "dpkg-query -W hactl-a hactl-dep")
		assert.Equal(t, "ii 1.0", dpkgVersion(t, h, "hactl-dep"))
		assert.Equal(t, "hactl-a\n", h.Sh(t, "apt-mark showmanual hactl-a"))
		assert.Equal(t, "hactl-dep\n", h.Sh(t, "apt-mark showauto hactl-dep"))
		res := h.MustRun(t, "apt", map[string]any{"name": "hactl-a=1.0", "state": "present"}, false, false)
		assert.False(t, res.Changed)
		res = h.MustRun(t, "apt", map[string]any{"name": "hactl-a=1.*"}, false, false)
		assert.False(t, res.Changed)
	})

	t.Run("latest, downgrade, >=", func(t *testing.T) {
		repo.Build(t, aptrepo.Package{Name: "hactl-a", Version: "2.0", Depends: "hactl-dep",
			Files: map[string]string{"/etc/hactl-a.conf": "a=2\n"}, Conffiles: []string{"/etc/hactl-a.conf"}})
		repo.Refresh(t, h)
		res := h.MustRun(t, "apt", map[string]any{"name": "hactl-a"}, false, false)
		assert.False(t, res.Changed, "present does not upgrade")
		h.Converge(t, "apt", map[string]any{"name": "hactl-a", "state": "latest"}, status, "dpkg-query -W hactl-a")
		assert.Equal(t, "ii 2.0", dpkgVersion(t, h, "hactl-a"))

		res, err := h.Run(t, "apt", map[string]any{"name": "hactl-a=1.0"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed, "a downgrade needs allow_downgrade")
		assert.Equal(t, "ii 2.0", dpkgVersion(t, h, "hactl-a"))
		h.Converge(t, "apt", map[string]any{"name": "hactl-a=1.0", "allow_downgrade": true}, status, "dpkg-query -W hactl-a")
		assert.Equal(t, "ii 1.0", dpkgVersion(t, h, "hactl-a"))
		h.Converge(t, "apt", map[string]any{"name": []any{"hactl-a>=2.0"}}, status, "dpkg-query -W hactl-a")
		assert.Equal(t, "ii 2.0", dpkgVersion(t, h, "hactl-a"))
		res, err = h.Run(t, "apt", map[string]any{"name": "hactl-a=3.*"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "no available installation candidate for hactl-a=3.*", res.Msg)
	})

	t.Run("remove and purge", func(t *testing.T) {
		h.Converge(t, "apt", map[string]any{"name": "hactl-a", "state": "absent"}, status, "dpkg-query -W hactl-a")
		assert.Equal(t, "rc 2.0", dpkgVersion(t, h, "hactl-a"), "configuration files are kept without purge")
		h.Converge(t, "apt", map[string]any{"name": "hactl-a", "state": "absent", "purge": true}, []string{"/var/lib/dpkg/status", "/etc/hactl-a.conf"})
		assert.Equal(t, "", dpkgVersion(t, h, "hactl-a"))
		res := h.MustRun(t, "apt", map[string]any{"name": "no-such-package", "state": "absent"}, false, false)
		assert.False(t, res.Changed)
		h.Converge(t, "apt", map[string]any{"autoremove": true}, status, "dpkg-query -W hactl-dep")
		assert.Equal(t, "", dpkgVersion(t, h, "hactl-dep"))
	})

	t.Run("deb files on the host and by URL", func(t *testing.T) {
		deb := repo.Build(t, aptrepo.Package{Name: "hactl-file", Version: "1.0"})
		data, err := os.ReadFile(deb)
		require.NoError(t, err)
		require.NoError(t, h.Conn.Put(context.Background(), "/root/hactl-file.deb", bytes.NewReader(data), 0o644))
		h.Converge(t, "apt", map[string]any{"deb": "/root/hactl-file.deb"}, status, "dpkg-query -W hactl-file")
		assert.Equal(t, "ii 1.0", dpkgVersion(t, h, "hactl-file"))
		url := repo.URL + filepath.Base(repo.Build(t, aptrepo.Package{Name: "hactl-url", Version: "0.5", Depends: "hactl-dep"}))
		h.Converge(t, "apt", map[string]any{"deb": url}, status, "dpkg-query -W hactl-url hactl-dep")
		assert.Equal(t, "ii 0.5", dpkgVersion(t, h, "hactl-url"))
		assert.Equal(t, "", h.Sh(t, "ls /tmp/*.deb 2>/dev/null || true"), "the download is removed")
		res, err := h.Run(t, "apt", map[string]any{"deb": "/root/missing.deb"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
	})

	t.Run("package and dpkg_selections", func(t *testing.T) {
		repo.Build(t, aptrepo.Package{Name: "hactl-b", Version: "1.0"})
		repo.Refresh(t, h)
		h.Converge(t, "package", map[string]any{"name": "hactl-b", "state": "present"}, status, "dpkg-query -W hactl-b")
		h.Converge(t, "dpkg_selections", map[string]any{"name": "hactl-b", "selection": "hold"}, status, "dpkg --get-selections hactl-b")
		assert.Equal(t, "hactl-b\n", h.Sh(t, "apt-mark showhold"))
		res := h.MustRun(t, "dpkg_selections", map[string]any{"name": "hactl-b", "selection": "install"}, false, false)
		assert.Equal(t, "hold", res.Data["before"])
		assert.True(t, res.Changed)
		res = h.MustRun(t, "dpkg_selections", map[string]any{"name": "never-heard-of", "selection": "install"}, true, false)
		assert.Equal(t, "not present", res.Data["before"])
	})

	t.Run("cache", func(t *testing.T) {
		res := h.MustRun(t, "apt", map[string]any{"update_cache": true, "cache_valid_time": 3600}, false, false)
		assert.False(t, res.Changed, "the lists were refreshed moments ago")
		assert.Equal(t, false, res.Data["cache_updated"])
		assert.Greater(t, res.Data["cache_update_time"], int64(0))
		res = h.MustRun(t, "apt", map[string]any{"update_cache": true}, true, false)
		assert.True(t, res.Changed, "check mode predicts an update")
		h.MustRun(t, "apt", map[string]any{"update_cache": true}, false, false)
	})

	t.Run("errors and hostile names", func(t *testing.T) {
		res, err := h.Run(t, "apt", map[string]any{"name": "no-such-package"}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Equal(t, "No package matching 'no-such-package' is available", res.Msg)
		for _, n := range []string{"x'; touch /tmp/pwned; '", "$(touch /tmp/pwned)", "-o=APT::Foo", "tree=1`touch /tmp/pwned`"} {
			res, err := h.Run(t, "apt", map[string]any{"name": n}, false, false)
			require.NoError(t, err, n)
			assert.True(t, res.Failed, n)
		}
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
		_, err = h.Run(t, "apt", map[string]any{"name": "tree", "state": "installed"}, false, false)
		assert.ErrorContains(t, err, "not one of")
		_, err = h.Run(t, "apt", map[string]any{"state": "present"}, false, false)
		assert.ErrorContains(t, err, "one of these arguments is required")
	})
}
