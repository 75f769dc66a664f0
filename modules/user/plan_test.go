package user

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanUsermod(t *testing.T) {
	acc := account{exists: true, uid: "1000", gid: "100", home: "/home/a", shell: "/bin/sh", hash: "$6$x",
		groups: []string{"a", "b"}, groupOf: map[string]string{"b": "20", "c": "30", "users": "100"}}
	args, err := User{}.Spec().Validate(map[string]any{"name": "a", "groups": "b,c", "append": true, "group": "users", "password": "$6$x"}, false)
	require.NoError(t, err)
	p := plan(args, acc, []string{"b", "c"})
	assert.Equal(t, []string{"usermod", "-G", "a,b,c", "--", "a"}, p.cmd)
	assert.False(t, p.setHash)

	args, _ = User{}.Spec().Validate(map[string]any{"name": "a", "groups": []any{"b"}, "password": "$6$y", "update_password": "on_create"}, false)
	p = plan(args, acc, []string{"b"})
	assert.Equal(t, []string{"usermod", "-G", "b", "--", "a"}, p.cmd)
	assert.False(t, p.setHash, "on_create leaves an existing account's hash")

	args, _ = User{}.Spec().Validate(map[string]any{"name": "n", "uid": 7, "non_unique": true, "create_home": false, "system": true, "password": "$6$y"}, false)
	p = plan(args, account{groupOf: map[string]string{}}, nil)
	assert.Equal(t, []string{"useradd", "-r", "-M", "-u", "7", "-o", "--", "n"}, p.cmd)
	assert.True(t, p.setHash)
	assert.NotContains(t, p.after, "$6$y")
}

func TestValidName(t *testing.T) {
	for _, bad := range []string{"", "-r", "a:b", "a,b", "a b", "a\nb", "../x"} {
		assert.Error(t, validName(bad), bad)
	}
	assert.NoError(t, validName("www-data"))
	_, err := Group{}.Spec().Validate(map[string]any{"name": "g", "gid": "x"}, false)
	assert.ErrorContains(t, err, "not an integer")
	_, err = User{}.Spec().Validate(map[string]any{"name": "u", "generate_ssh_key": true}, false)
	assert.ErrorContains(t, err, "unsupported argument")
}
