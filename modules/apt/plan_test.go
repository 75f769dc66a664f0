package apt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

func TestSplitSpec(t *testing.T) {
	assert.Equal(t, pkgSpec{raw: "a", name: "a"}, splitSpec("a"))
	assert.Equal(t, pkgSpec{raw: "a=1:2.0-1", name: "a", cmp: "=", version: "1:2.0-1"}, splitSpec("a=1:2.0-1"))
	assert.Equal(t, pkgSpec{raw: "a>=2", name: "a", cmp: ">=", version: "2"}, splitSpec("a>=2"))
}

func TestPlanFollowsAnsible(t *testing.T) {
	st := hostState{pkgs: map[string]*pkgState{
		"inst":  {installed: true, hasFiles: true, version: "1.0", known: true, candidate: "2.0", versions: []string{"2.0", "1.0"}},
		"new":   {known: true, candidate: "3.1", versions: []string{"3.1", "3.0"}},
		"conf":  {hasFiles: true, known: true, candidate: "1.0"},
		"virt":  {known: true, virtual: true},
		"virt2": {known: true, virtual: true, providers: []string{"postfix"}},
		"gone":  {},
	}}
	args, ch, fail := planInstall([]pkgSpec{splitSpec("inst"), splitSpec("new"), splitSpec("virt2")}, st, false, false)
	assert.Empty(t, fail)
	assert.Equal(t, []string{"new=3.1"}, args)
	assert.Equal(t, []change{{"new", "absent", "3.1"}}, ch)

	args, _, _ = planInstall([]pkgSpec{splitSpec("inst"), splitSpec("new=3.0"), splitSpec("virt")}, st, true, false)
	assert.Equal(t, []string{"inst=2.0", "new=3.0", "virt"}, args)

	args, _, _ = planInstall([]pkgSpec{splitSpec("inst>=1.0"), splitSpec("new")}, st, false, true)
	assert.Empty(t, args, "only_upgrade skips missing packages; >= is satisfied")
	args, _, _ = planInstall([]pkgSpec{splitSpec("inst>=1.5")}, st, false, false)
	assert.Equal(t, []string{"inst=2.0"}, args)
	args, _, _ = planInstall([]pkgSpec{splitSpec("inst=1.*")}, st, false, false)
	assert.Empty(t, args)

	_, _, fail = planInstall([]pkgSpec{splitSpec("gone")}, st, false, false)
	assert.Equal(t, "No package matching 'gone' is available", fail)
	_, _, fail = planInstall([]pkgSpec{splitSpec("inst>=9")}, st, false, false)
	assert.Equal(t, "no available installation candidate for inst>=9", fail)

	rm, _ := planRemove([]pkgSpec{splitSpec("inst"), splitSpec("conf"), splitSpec("gone"), splitSpec("new")}, st, false)
	assert.Equal(t, []string{"inst"}, rm)
	rm, _ = planRemove([]pkgSpec{splitSpec("inst=2.0"), splitSpec("conf")}, st, false)
	assert.Empty(t, rm, "another version is installed; config files are left alone without purge")
	rm, _ = planRemove([]pkgSpec{splitSpec("inst=2.0"), splitSpec("conf")}, st, true)
	assert.Equal(t, []string{"inst=2.0", "conf"}, rm, "with purge, any package with files on disk goes (as in Ansible)")
}

func TestParseGather(t *testing.T) {
	names := []string{"a", "v", "x"}
	script := gatherScript("M", names, "", "bookworm-backports")
	assert.Contains(t, script, "APT::Default-Release=bookworm-backports")
	out := strings.Join([]string{
		"100", "M", "rc=0", "M", "200 300", "M",
		"a\tinstall ok installed\t1.0\t", "x\tdeinstall ok config-files\t0.9\t", "M",
		"postfix\tmail-transport-agent", "M",
		"Package: a\nVersion: 2.0\nDescription: a: b\nrc=0", "M", "2.0\n1.0", "M",
		"rc=0", "M", "", "M",
		"rc=100", "M", "",
	}, "\n")
	st, err := parseGather(out, "M", names)
	require.NoError(t, err)
	assert.Equal(t, int64(100), st.cacheBefore)
	assert.Equal(t, int64(200), st.cacheTime)
	assert.Equal(t, int64(300), st.now)
	assert.Equal(t, 0, st.updateRC)
	assert.Equal(t, &pkgState{installed: true, hasFiles: true, version: "1.0", known: true, candidate: "2.0", versions: []string{"2.0", "1.0"}}, st.pkgs["a"])
	assert.True(t, st.pkgs["v"].virtual)
	assert.False(t, st.pkgs["x"].known)
	assert.True(t, st.pkgs["x"].hasFiles)
	_, err = parseGather("nonsense", "M", names)
	assert.Error(t, err)
}

func TestAptGetQuotesAndOptions(t *testing.T) {
	a, err := Apt{}.Spec().Validate(map[string]any{"name": "x", "force": true, "install_recommends": false, "default_release": "it's", "dpkg_options": "force-confnew"}, false)
	require.NoError(t, err)
	cmd := aptGet(a, true, "install", "x=1'2")
	assert.Contains(t, cmd, "--force-yes")
	assert.Contains(t, cmd, "--simulate")
	assert.Contains(t, cmd, "APT::Install-Recommends=no")
	assert.Contains(t, cmd, "Dpkg::Options::=--force-confnew")
	assert.Contains(t, cmd, "-t "+transport.Quote("it's"))
	assert.Contains(t, cmd, "-- "+transport.Quote("x=1'2"))
}
