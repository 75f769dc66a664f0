package files

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

// Cases checked with Python's fnmatch.fnmatch.
func TestFnmatchAgreesWithPython(t *testing.T) {
	cases := []struct {
		pat, name string
		want      bool
	}{
		{"*.txt", "a.txt", true}, {"*.txt", ".txt", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[!a]*", "abc", false}, {"[!a]*", "bbc", true}, {"[^a]*", "^x", true}, {"[^a]*", "bx", false},
		{"[a-c]x", "bx", true}, {"[a-c]x", "dx", false}, {"[", "[", true}, {"a[", "a[", true},
		{"[]]", "] ", false}, {"[]]", "]", true}, {"[!]]", "a", true}, {"*", ".hidden", true},
		{`a\b`, `a\b`, true}, {"*.TXT", "a.txt", false}, {"x(y)+", "x(y)+", true}, {"[a-]", "-", true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, fnmatch(c.pat, c.name), "%q ~ %q", c.pat, c.name)
	}
}

// Cases follow Ansible's find: an optional minus, digits, one unit.
func TestParseUnits(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, "2d": 172800, "-1h": -3600, "4W": 2419200, "3m": 180, "0s": 0} {
		n, ok := parseUnits(in, ageUnits)
		assert.True(t, ok, in)
		assert.Equal(t, want, n, in)
	}
	for in, want := range map[string]int64{"1k": 1024, "-100k": -102400, "2M": 2 << 20, "1g": 1 << 30, "5b": 5, "7": 7, "1t": 1 << 40} {
		n, ok := parseUnits(in, sizeUnits)
		assert.True(t, ok, in)
		assert.Equal(t, want, n, in)
	}
	for _, bad := range []string{"", "1x", "d", "1.5d", "--1", "1 d", "1dd"} {
		_, ok := parseUnits(bad, ageUnits)
		assert.False(t, ok, bad)
	}
	_, ok := parseUnits("1d", sizeUnits)
	assert.False(t, ok, "d is not a size unit")
}

func TestShellPathWithVarsExpandsOnlyVariables(t *testing.T) {
	ctx := context.Background()
	c := transport.NewLocal()
	cases := map[string]string{
		"/plain/it's $(touch x) `id`": "/plain/it's $(touch x) `id`",
		"$HACTL_T/sub":                "/set dir/sub",
		"${HACTL_T}x/$HACTL_UNSET/y":  "/set dirx/$HACTL_UNSET/y",
		"/a/${HACTL_UNSET}/b":         "/a/${HACTL_UNSET}/b",
		"/a/$ 1/$(x)$HACTL_T":         "/a/$ 1/$(x)/set dir",
	}
	for in, want := range cases {
		res, err := c.Run(ctx, "printf '%s' "+shellPathWithVars(in), transport.RunOpts{Env: map[string]string{"HACTL_T": "/set dir"}})
		require.NoError(t, err)
		assert.Equal(t, want, string(res.Stdout), in)
	}
}

func TestFindOrderIsOsWalks(t *testing.T) {
	s := findScan{entries: []findEntry{
		{path: "/d/sub", depth: 1, typ: 'd', walkDir: true},
		{path: "/d/sub/x", depth: 2, typ: 'f'},
		{path: "/d/a", depth: 1, typ: 'f'},
		{path: "/d/ln", depth: 1, typ: 'l', walkDir: true},
		{path: "/d/b", depth: 1, typ: 'f'},
	}}
	var got []string
	for _, e := range s.ordered() {
		got = append(got, e.path)
	}
	assert.Equal(t, []string{"/d/a", "/d/b", "/d/sub", "/d/ln", "/d/sub/x"}, got)
}
