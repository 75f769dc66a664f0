package user_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	_ "github.com/hactl/hactl/modules/user"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

var accounts = []string{"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/home"}

// hash is crypt("secret") with SHA-512, made with mkpasswd.
const hash = `$6$hactlsalt$3gD0s9F5QbS/OwXWo6QqI5m3x3aTg7Bf7oFj0a0kqQ2o4p0I8wJq7QbYk4v1o0gS9zjF7b2m2m1g8k3p1j5x0.`

func TestAccountsOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]

	t.Run("group", func(t *testing.T) {
		res := h.Converge(t, "group", map[string]any{"name": "ops", "gid": 1500}, accounts)
		assert.Equal(t, 1500, res.Data["gid"])
		assert.Equal(t, "ops:x:1500:\n", h.Sh(t, "getent group ops"))
		h.Converge(t, "group", map[string]any{"name": "ops", "gid": 1501}, accounts)
		h.Converge(t, "group", map[string]any{"name": "web", "system": true}, accounts)
		assert.Regexp(t, `^web:x:\d{3}:`, h.Sh(t, "getent group web"))
		h.Converge(t, "group", map[string]any{"name": "web", "state": "absent"}, accounts)
	})

	t.Run("user create, modify, groups, password", func(t *testing.T) {
		h.MustRun(t, "group", map[string]any{"name": "extra"}, false, false)
		res := h.Converge(t, "user", map[string]any{"name": "app", "uid": 1600, "group": "ops", "groups": []any{"extra"},
			"comment": "App, \"quoted\" $HOME", "shell": "/bin/sh", "password": hash}, accounts)
		assert.Equal(t, 1600, res.Data["uid"])
		assert.Equal(t, "NOT_LOGGING_PASSWORD", res.Data["password"])
		assert.NotContains(t, res.Diff[0].After, hash)
		assert.Equal(t, "app:x:1600:1501:App, \"quoted\" $HOME:/home/app:/bin/sh\n", h.Sh(t, "getent passwd app"))
		assert.Equal(t, hash+"\n", h.Sh(t, "getent shadow app | cut -d: -f2"))
		assert.Equal(t, "ops extra\n", h.Sh(t, "id -nG app"))
		assert.Equal(t, "yes\n", h.Sh(t, "test -d /home/app && echo yes"))

		res, err := h.Run(t, "user", map[string]any{"name": "app", "groups": "nosuchgroup"}, false, false)
		require.NoError(t, err)
		assert.Equal(t, "Group nosuchgroup does not exist", res.Msg)

		h.MustRun(t, "group", map[string]any{"name": "more"}, false, false)
		h.Converge(t, "user", map[string]any{"name": "app", "groups": "more", "append": true}, accounts)
		assert.Equal(t, "ops extra more\n", h.Sh(t, "id -nG app"))
		h.Converge(t, "user", map[string]any{"name": "app", "groups": []any{"more"}}, accounts)
		assert.Equal(t, "ops more\n", h.Sh(t, "id -nG app"))
		h.Converge(t, "user", map[string]any{"name": "app", "groups": ""}, accounts)
		assert.Equal(t, "ops\n", h.Sh(t, "id -nG app"))
		h.Converge(t, "user", map[string]any{"name": "app", "home": "/srv/app", "move_home": true, "shell": "/bin/bash"}, accounts, "ls -d /srv/app")
		res = h.MustRun(t, "user", map[string]any{"name": "app", "password": "$6$other", "update_password": "on_create"}, false, false)
		assert.False(t, res.Changed)
	})

	t.Run("system user without home, then removal", func(t *testing.T) {
		h.Converge(t, "user", map[string]any{"name": "svc", "system": true, "create_home": false, "shell": "/usr/sbin/nologin"}, accounts)
		assert.Equal(t, "no\n", h.Sh(t, "test -d /home/svc && echo yes || echo no"))
		h.Converge(t, "user", map[string]any{"name": "app", "state": "absent", "remove": true}, accounts)
		assert.Equal(t, "no\n", h.Sh(t, "test -d /srv/app && echo yes || echo no"))
		res := h.MustRun(t, "user", map[string]any{"name": "app", "state": "absent"}, false, false)
		assert.False(t, res.Changed)
	})

	t.Run("hostile names", func(t *testing.T) {
		for _, n := range []string{"x; touch /tmp/pwned", "$(touch /tmp/pwned)", "-o", "a:b"} {
			res, err := h.Run(t, "user", map[string]any{"name": n}, false, false)
			require.NoError(t, err, n)
			assert.True(t, res.Failed, n)
		}
		h.Converge(t, "user", map[string]any{"name": "q", "comment": "'; touch /tmp/pwned; '"}, accounts)
		assert.Equal(t, "no\n", h.Sh(t, "test -e /tmp/pwned && echo yes || echo no"))
	})
}
