package inventory

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExpandHostPattern(t *testing.T) {
	cases := []struct {
		in    string
		names []string
		port  int
	}{
		{"web", []string{"web"}, 0},
		{"web:22", []string{"web"}, 22},
		{"web[1:3]", []string{"web1", "web2", "web3"}, 0},
		{"web[01:03].lan", []string{"web01.lan", "web02.lan", "web03.lan"}, 0},
		{"db-[a:c]", []string{"db-a", "db-b", "db-c"}, 0},
		{"n[1:10:4]", []string{"n1", "n5", "n9"}, 0},
		{"n[:2]", []string{"n0", "n1", "n2"}, 0},
		{"r[1:2]c[a:b]:2200", []string{"r1ca", "r1cb", "r2ca", "r2cb"}, 2200},
		{"[fe80::1]:22", []string{"fe80::1"}, 22},
		{"fe80::1", []string{"fe80::1"}, 0},
		{"10.0.[1:2].5:80", []string{"10.0.1.5", "10.0.2.5"}, 80},
		{"x[y:Z]", nil, 0}, // y..z then A..Z: 28 names, checked below
	}
	for _, c := range cases {
		names, port, err := expandHostPattern(c.in, 0)
		require.NoError(t, err, c.in)
		if c.names != nil {
			assert.Equal(t, c.names, names, c.in)
		}
		assert.Equal(t, c.port, port, c.in)
	}
	names, _, err := expandHostPattern("x[y:Z]", 0)
	require.NoError(t, err)
	assert.Len(t, names, 28)
}

func TestExpandHostPatternLimits(t *testing.T) {
	_, _, err := expandHostPattern("web[1:100000000]", 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than")
	_, _, err = expandHostPattern("a[1:100]b[1:100]", 1000)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "more than 1000 hosts")
	names, _, err := expandHostPattern("a[1:10]b[1:100]", 1000)
	require.NoError(t, err)
	assert.Len(t, names, 1000)
	_, _, err = expandHostPattern("a[1:2:x]", 0)
	assert.Error(t, err)
	_, _, err = expandHostPattern("a]1:2[", 0)
	assert.Error(t, err)
}
