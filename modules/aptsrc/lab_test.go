package aptsrc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/aptsrc"
	"github.com/hactl/hactl/modules/internal/aptrepo"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

func TestAptSourcesOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	repo := aptrepo.New(t)
	repo.Build(t, aptrepo.Package{Name: "hactl-aptsrc-demo", Version: "1.0", Files: map[string]string{"/usr/share/doc/hactl-aptsrc-demo/x": "x\n"}})
	// The image's own sources point at a mirror the lab cannot reach.
	h.Sh(t, `mkdir -p /etc/apt/hactl-disabled-sources; for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do [ -f "$f" ] && mv -f "$f" /etc/apt/hactl-disabled-sources/; done; true`)
	apt := []string{"/etc/apt/sources.list.d"}

	t.Run("apt_repository", func(t *testing.T) {
		args := map[string]any{"repo": repo.SourceLine(), "filename": "hactl-lab"}
		res := h.Converge(t, "apt_repository", args, apt, "apt-cache policy hactl-aptsrc-demo")
		require.Len(t, res.Diff, 1)
		assert.Equal(t, "/dev/null", res.Diff[0].BeforeHeader)
		assert.Equal(t, repo.SourceLine()+"\n", h.Sh(t, "cat /etc/apt/sources.list.d/hactl-lab.list"))
		assert.Equal(t, "644\n", h.Sh(t, "stat -c %a /etc/apt/sources.list.d/hactl-lab.list"))
		assert.Contains(t, h.Sh(t, "apt-cache policy hactl-aptsrc-demo"), "Candidate: 1.0", "update_cache refreshed the lists")

		h.Sh(t, "sed -i 's/^/#/' /etc/apt/sources.list.d/hactl-lab.list")
		res = h.MustRun(t, "apt_repository", args, false, false)
		assert.True(t, res.Changed, "a commented-out line is enabled again")
		assert.Equal(t, repo.SourceLine()+"\n", h.Sh(t, "cat /etc/apt/sources.list.d/hactl-lab.list"))

		h.Converge(t, "apt_repository", map[string]any{"repo": repo.SourceLine(), "state": "absent", "update_cache": false}, apt)
		assert.Equal(t, "gone\n", h.Sh(t, "test -e /etc/apt/sources.list.d/hactl-lab.list || echo gone"))

		bad := map[string]any{"repo": "deb [trusted=yes] http://10.77.0.1:1/ ./", "update_cache_retries": 2, "update_cache_retry_max_delay": 1}
		res, err := h.Run(t, "apt_repository", bad, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		assert.Contains(t, res.Msg, "Failed to update apt cache")
		assert.Equal(t, "", h.Sh(t, "ls /etc/apt/sources.list.d"), "the new file was removed again")

		res, err = h.Run(t, "apt_repository", map[string]any{"repo": "dub http://x/ y"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Invalid repository string: dub http://x/ y", res.Msg)
		res, err = h.Run(t, "apt_repository", map[string]any{"repo": "deb http://x/$(touch /tmp/pwned) y z", "filename": "o'dd name", "update_cache": false}, false, false)
		require.NoError(t, err)
		require.False(t, res.Failed, res.Msg)
		assert.Equal(t, "deb http://x/$(touch /tmp/pwned) y z\n", h.Sh(t, `cat "/etc/apt/sources.list.d/o'dd name.list"`))
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
	})
}
