package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected orders were checked against ansible 2.14's
// "ansible PATTERN --list-hosts" on sampleINI.
func TestSelectPatterns(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	cases := map[string][]string{
		"all":            {"loose1", "web01", "web02", "web03", "db-a", "db-b", "db-c", "can1"},
		"*":              {"loose1", "web01", "web02", "web03", "db-a", "db-b", "db-c", "can1"},
		"web":            {"web01", "web02", "web03", "can1"},
		"web*":           {"web01", "web02", "web03", "can1"},
		"db-?":           {"db-a", "db-b", "db-c"},
		"db-[ab]":        {"db-a", "db-b"},
		"db-[!ab]":       {"db-c"},
		"web:db":         {"web01", "web02", "web03", "can1", "db-a", "db-b", "db-c"},
		"web,db":         {"web01", "web02", "web03", "can1", "db-a", "db-b", "db-c"},
		"db:web":         {"db-a", "db-b", "db-c", "web01", "web02", "web03", "can1"},
		"prod:&web":      {"web01", "web02", "web03", "can1"},
		"prod:!canary":   {"web01", "web02", "web03", "db-a", "db-b", "db-c"},
		"!web:db":        {"db-a", "db-b", "db-c"},
		"!web":           {"loose1", "db-a", "db-b", "db-c"},
		"&web":           {"web01", "web02", "web03", "can1"},
		"~db-[ab]":       {"db-a", "db-b"},
		"~web0[12]":      {"web01", "web02"},
		"~(web|db)-?0?a": {"db-a"},
		"prod[0]":        {"web01"},
		"prod[-1]":       {"can1"},
		"prod[1:3]":      {"web02", "web03", "db-a"},
		"prod[1:]":       {"web02", "web03", "db-a", "db-b", "db-c", "can1"},
		"prod[2:0]":      {"web03"},
		"db[5:]":         {},
		"db[0-1]":        {"db-a", "db-b"},
		"loose1:web01":   {"loose1", "web01"},
		"web01:web":      {"web01", "web02", "web03", "can1"},
		"ungrouped":      {"loose1"},
		"all:!prod":      {"loose1"},
		"nosuch":         {},
		" web , db-c ":   {"web01", "web02", "web03", "can1", "db-c"},
	}
	for pattern, want := range cases {
		assert.Equal(t, want, selectNames(t, inv, pattern), pattern)
	}
}

func TestSelectErrors(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	for pattern, want := range map[string]string{
		"db[5]":   "no hosts matched the subscripted pattern 'db[5]'",
		"db[-4]":  "no hosts matched the subscripted pattern 'db[-4]'",
		"db[3:0]": "no hosts matched the subscripted pattern 'db[3:0]'",
		"~web(":   "invalid host list pattern",
		"":        "empty host pattern",
		" , ":     "empty host pattern",
	} {
		_, err := inv.Select(pattern)
		require.Error(t, err, pattern)
		assert.Contains(t, err.Error(), want, pattern)
	}
}

func TestUnmatchedPatternsAreReported(t *testing.T) {
	var warnings []string
	dir := writeTree(t, map[string]string{"hosts": sampleINI})
	inv, err := Load([]string{filepath.Join(dir, "hosts")}, Options{Warn: func(s string) { warnings = append(warnings, s) }})
	require.NoError(t, err)
	m, err := inv.Query("web:nosuch:!other:*.example.com", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"web01", "web02", "web03", "can1"}, hostNames(m.Hosts))
	assert.Equal(t, []string{"nosuch", "*.example.com", "other"}, m.Unmatched)
	assert.Empty(t, warnings, "Query does not warn")

	_, err = inv.Select("nosuch")
	require.NoError(t, err)
	assert.Equal(t, []string{"could not match supplied host pattern, ignoring: nosuch"}, warnings)

	m, err = inv.Query("empty_group_or_all", "")
	require.NoError(t, err)
	assert.Empty(t, m.Hosts)
}

func TestLimit(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	limitFile := filepath.Join(t.TempDir(), "retry")
	require.NoError(t, os.WriteFile(limitFile, []byte("web01\n\ndb-c\n"), 0o644))
	cases := map[string][]string{
		"web":                {"web01", "web02", "web03", "can1"},
		"!web":               {"loose1", "db-a", "db-b", "db-c"},
		"prod:!db":           {"web01", "web02", "web03", "can1"},
		"@" + limitFile:      {"web01", "db-c"},
		"nosuch":             {},
		"web[0]":             {"web01"},
		"db-a,@" + limitFile: {"web01", "db-a", "db-c"},
	}
	for limit, want := range cases {
		hs, err := inv.SelectLimited("all", limit)
		require.NoError(t, err, limit)
		assert.Equal(t, want, hostNames(hs), limit)
	}
	all, _ := inv.Select("all")
	hs, err := inv.Limit(all, "db")
	require.NoError(t, err)
	assert.Equal(t, []string{"db-a", "db-b", "db-c"}, hostNames(hs))

	_, err = inv.SelectLimited("all", "@"+filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unable to find limit file")
	_, err = inv.SelectLimited("all", "@"+t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be a file, not a directory")
}

func TestSplitHostPattern(t *testing.T) {
	cases := map[string][]string{
		"a:b":         {"a", "b"},
		"a:&b:!c":     {"a", "&b", "!c"},
		"a,b:c":       {"a", "b:c"},
		"fe80::1":     {"fe80::1"},
		"web[1:3]":    {"web[1:3]"},
		"g[1:]:other": {"g[1:]", "other"},
		"host:22":     {"host:22"},
		" a , , b ":   {"a", "b"},
		"~web.*:db":   {"~web.*", "db"},
	}
	for in, want := range cases {
		assert.Equal(t, want, splitHostPattern(in), in)
	}
}

func TestGlobToRegexp(t *testing.T) {
	inv := New(Options{})
	for _, n := range []string{"a.b", "axb", "[x]", "a*b", "web1", "web12"} {
		require.NoError(t, inv.AddHost(n, nil, nil))
	}
	assert.Equal(t, []string{"a.b"}, selectNames(t, inv, "a.b"), "a dot is literal in a glob")
	assert.Equal(t, []string{"a.b", "axb", "a*b"}, selectNames(t, inv, "a?b"))
	assert.Equal(t, []string{"web1"}, selectNames(t, inv, "web[!2]"))
	assert.Equal(t, []string{}, selectNames(t, inv, "web[0-9]"), "[0-9] is a subscript, as in Ansible")
	assert.Equal(t, []string{"[x]"}, selectNames(t, inv, "[[]x?"))
	assert.Equal(t, []string{"web1", "web12"}, selectNames(t, inv, "web*"))
}
