package aptsrc_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/openpgp"       //nolint:staticcheck // test keys
	"golang.org/x/crypto/openpgp/armor" //nolint:staticcheck // test keys

	_ "github.com/hactl/hactl/modules/aptsrc"
	"github.com/hactl/hactl/modules/internal/ansiblecmp"
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

	t.Run("apt_key", func(t *testing.T) {
		keyA, idA := armoredKey(t, "alice")
		keyB, idB := armoredKey(t, "bob")
		fileA := "/etc/apt/trusted.gpg.d/" + idA + ".asc"
		res := h.Converge(t, "apt_key", map[string]any{"data": keyA}, []string{"/etc/apt/trusted.gpg.d"})
		assert.Equal(t, idA, res.Data["id"])
		assert.Equal(t, idA[8:], res.Data["short_id"])
		assert.Contains(t, h.Sh(t, "cat "+fileA), "-----BEGIN PGP PUBLIC KEY BLOCK-----")
		assert.Equal(t, "644\n", h.Sh(t, "stat -c %a "+fileA))

		// A keyring: binary, keys merged; the key file is read on the host.
		h.Sh(t, "cat > /tmp/bob.asc <<'EOF'\n"+keyB+"EOF")
		ring := "/etc/apt/keyrings/ha ring.gpg"
		h.Converge(t, "apt_key", map[string]any{"file": "/tmp/bob.asc", "keyring": ring}, []string{"/etc/apt/keyrings"})
		h.Converge(t, "apt_key", map[string]any{"data": keyA, "keyring": ring, "id": "0x" + idA}, []string{"/etc/apt/keyrings"})
		assert.Equal(t, "binary\n", h.Sh(t, "grep -q 'BEGIN PGP' '"+ring+"' && echo armored || echo binary"))

		h.Converge(t, "apt_key", map[string]any{"id": idB, "keyring": ring, "state": "absent"}, []string{"/etc/apt/keyrings"})
		res = h.MustRun(t, "apt_key", map[string]any{"id": idA[8:], "keyring": ring}, false, false)
		assert.False(t, res.Changed, "a short id finds the remaining key")
		assert.Equal(t, []any{idA[8:], res.Data["before"].([]any)[1]}, res.Data["before"])

		h.Converge(t, "apt_key", map[string]any{"id": idA, "state": "absent"}, []string{"/etc/apt/trusted.gpg.d"})
		assert.Equal(t, "gone\n", h.Sh(t, "test -e "+fileA+" || echo gone"))

		res, err := h.Run(t, "apt_key", map[string]any{"data": "garbage"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Unable to extract key from 'inline data'", res.Msg)
		res, err = h.Run(t, "apt_key", map[string]any{"id": "xyz"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Invalid key_id", res.Msg)
		_, err = h.Run(t, "apt_key", map[string]any{"data": keyA, "url": "http://x/"}, false, false)
		assert.Error(t, err, "data and url exclude each other")
	})

	t.Run("apt_repository side by side with Ansible", func(t *testing.T) {
		ansiblecmp.Require(t)
		reset := `rm -f /etc/apt/sources.list.d/*; printf '#deb  http://mirror.example/debian   bookworm main # ours\ndeb http://other.example/d bookworm main\n' > /etc/apt/sources.list.d/base.list`
		read := `for f in /etc/apt/sources.list.d/*; do echo "$f $(stat -c %a "$f")"; cat "$f"; done`
		for _, args := range []map[string]any{
			{"repo": "deb [arch=amd64] https://user:pw@download.example.com/linux/debian bookworm stable", "update_cache": false},
			{"repo": "deb http://mirror.example/debian bookworm main", "update_cache": false},
			{"repo": "deb http://other.example/d bookworm main", "state": "absent", "update_cache": false},
			{"repo": "deb-src http://x.example/ bookworm main", "filename": "xsrc", "mode": "0600", "update_cache": false},
		} {
			ansiblecmp.SideBySide(t, h, "apt_repository", args, reset, read)
		}
	})
}

// armoredKey makes a fresh public key and returns it armored with its
// long id.
func armoredKey(t *testing.T, name string) (string, string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.org", nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	require.NoError(t, err)
	require.NoError(t, e.Serialize(w))
	require.NoError(t, w.Close())
	buf.WriteString("\n")
	return buf.String(), fmt.Sprintf("%016X", e.PrimaryKey.KeyId)
}
