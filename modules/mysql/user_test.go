package mysql

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hactl/hactl/pkg/module"
)

func TestIdentification(t *testing.T) {
	clause, masked, w := identification(module.Args{"password": "s3cret"}, "s3cret")
	assert.Equal(t, " IDENTIFIED BY PASSWORD '"+nativeHash("s3cret")+"'", clause)
	assert.NotContains(t, masked, nativeHash("s3cret"), "the hash is masked")
	assert.NotContains(t, masked, "s3cret")
	assert.Equal(t, wantAuth{plugin: "mysql_native_password", auth: nativeHash("s3cret")}, w)

	// An empty password asks for no authentication at all: the account is
	// created without a password and an existing one is left alone.
	for _, a := range []module.Args{{"password": ""}, {"password": "", "encrypted": true}, {}} {
		clause, masked, w = identification(a, a.String("password"))
		assert.Empty(t, clause, "%v", a)
		assert.Empty(t, masked, "%v", a)
		assert.Equal(t, wantAuth{}, w, "%v", a)
	}

	clause, _, w = identification(module.Args{"password": "x", "plugin": "unix_socket"}, "x")
	assert.Equal(t, " IDENTIFIED VIA unix_socket", clause)
	assert.Equal(t, "unix_socket", w.plugin)
}
