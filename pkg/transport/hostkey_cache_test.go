package transport

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKnownHostsCacheSharesUntilTheFileChanges(t *testing.T) {
	known := filepath.Join(t.TempDir(), "known_hosts")
	line := "[h]:2222 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDQ4PEmlU9rvJAo9WSV7gM4RTm6wp3/rrfwMnZ1CCvdn1MrSDbW6M+WgADjX9UDEwdFIvgl7pUiBxSdvcehqjEk3J2nHGnf+ZG+6Ct/0Zm+BDkdl3Ht0yzMmwNn7L01dNgQWnvo8FmeX2SUejVixe4vOfX7Dv6vzOwawjaxpJ8Q3w==\n"
	require.NoError(t, os.WriteFile(known, []byte(line), 0o600))
	cache := &knownHostsCache{}
	a, err := newHostKeys(HostKeyStrict, []string{known}, cache)
	require.NoError(t, err)
	b, err := newHostKeys(HostKeyStrict, []string{known}, cache)
	require.NoError(t, err)
	assert.Len(t, cache.m, 1, "parsed once")
	assert.Equal(t, reflect.ValueOf(a.check).Pointer(), reflect.ValueOf(b.check).Pointer(), "one callback shared")
	assert.Equal(t, []string{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"}, b.algorithms("h:2222"))

	// A changed file is parsed again.
	require.NoError(t, os.WriteFile(known, []byte(line+"[g]:22"+line[len("[h]:2222"):]), 0o600))
	later := time.Now().Add(time.Second)
	require.NoError(t, os.Chtimes(known, later, later))
	c, err := newHostKeys(HostKeyStrict, []string{known}, cache)
	require.NoError(t, err)
	assert.Len(t, cache.m, 2)
	assert.NotNil(t, c.algorithms("g:22"))
	assert.Nil(t, a.algorithms("g:22"), "an earlier Conn keeps the file it read")
}
