package system

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModprobePersistentFiles(t *testing.T) {
	st := modState{loadFiles: map[string]string{}, optionFiles: map[string]string{}}
	edits := planPersistent(st, "dummy", "numdummies=2", "present")
	require.Len(t, edits, 2)
	assert.Equal(t, fileEdit{path: "/etc/modules-load.d/dummy.conf", after: "dummy\n"}, edits[0])
	assert.Equal(t, fileEdit{path: "/etc/modprobe.d/dummy.conf", after: "options dummy numdummies=2\n"}, edits[1])

	st.loadFiles["/etc/modules-load.d/dummy.conf"] = "dummy\n"
	st.optionFiles["/etc/modprobe.d/dummy.conf"] = "options dummy numdummies=2\n"
	assert.Empty(t, planPersistent(st, "dummy", "numdummies=2", "present"), "already persistent")

	st.optionFiles["/etc/modprobe.d/other.conf"] = "options dummy numdummies=1 # old\noptions bonding max_bonds=0\n"
	edits = planPersistent(st, "dummy", "numdummies=2", "present")
	require.Len(t, edits, 2, "a conflicting value elsewhere is commented out and the file rewritten")
	assert.Equal(t, "/etc/modprobe.d/other.conf", edits[0].path)
	assert.Equal(t, "#options dummy numdummies=1 # old\n\noptions bonding max_bonds=0\n", edits[0].after, "Ansible joins kept line ends with newlines")

	delete(st.optionFiles, "/etc/modprobe.d/other.conf")
	edits = planPersistent(st, "dummy", "", "absent")
	require.Len(t, edits, 2)
	assert.Equal(t, "#dummy\n", edits[0].after)
	assert.Equal(t, "#options dummy numdummies=2\n", edits[1].after)
	assert.Empty(t, planPersistent(st, "dummy", "", "disabled"))

	assert.True(t, compileModRegexps("dummy").module.MatchString("  dummy  # comment\n"))
	assert.False(t, compileModRegexps("dummy").module.MatchString("dummy2\n"))
}
