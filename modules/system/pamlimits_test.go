package system

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected files and messages are what community.general.pam_limits
// wrote and returned for the same inputs (its quirks included: an earlier
// line's comment, with its line end, is carried onto the new line).
func TestPlanLimitsLikeAnsible(t *testing.T) {
	const base = "# limits\n*   soft  nofile 1024 # std\n\n@adm hard nproc 50\nmysql - nofile 4096\nbad line here\n"
	const head = "# limits\n*   soft  nofile 1024 # std\n\n@adm hard nproc 50\n"
	cases := []struct {
		name                     string
		domain, typ, item, value string
		useMax, useMin           bool
		comment                  string
		changed                  bool
		msg, want                string
	}{
		{"replace", "mysql", "-", "nofile", "65535", false, false, "", true, "mysql\t-\tnofile\t65535\t# std\n\n", head + "mysql\t-\tnofile\t65535\t# std\n\nbad line here\n"},
		{"use_max keeps the larger", "mysql", "-", "nofile", "1000", true, false, "", false, "mysql - nofile 4096\n", base},
		{"use_min with a comment", "mysql", "-", "nofile", "1000", false, true, "lower", true, "mysql\t-\tnofile\t1000\t#lower\n", head + "mysql\t-\tnofile\t1000\t#lower\nbad line here\n"},
		{"append", "root", "hard", "core", "unlimited", false, false, "", true, "root\thard\tcore\tunlimited\t# std\n\n", base + "root\thard\tcore\tunlimited\t# std\n\n"},
		{"already set", "@adm", "hard", "nproc", "50", false, false, "", false, "@adm hard nproc 50\n", base},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := planLimits("f", base, c.domain, c.typ, c.item, c.value, c.useMax, c.useMin, c.comment)
			assert.Empty(t, p.err)
			assert.Equal(t, c.changed, p.changed)
			assert.Equal(t, c.msg, p.msg)
			assert.Equal(t, c.want, p.content)
		})
	}
	assert.Equal(t, " Value of '30' for item 'nice' is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.", limitValueError("nice", "30", ""))
	assert.Empty(t, limitValueError("nofile", "infinity", ""))
	assert.NotEmpty(t, limitValueError("nofile", "-5", ""))
	p := planLimits("/x", "a b nofile lots\n", "a", "b", "nofile", "1", false, false, "")
	assert.Contains(t, p.err, "Invalid configuration found in '/x'. Value of 'lots'")
	assert.Equal(t, "u\tsoft\tnproc\t10\n", planLimits("f", "", "u", "soft", "nproc", "10", false, false, "").content)
}

func TestPamLimitsRunsOnAFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "limits.d", "mysql.conf")
	args := map[string]any{"domain": "mysql", "limit_type": "-", "limit_item": "nofile", "value": "65535", "dest": f}
	res := runLocal(t, PamLimits{}, args, false)
	assert.True(t, res.Failed, "the directory is missing")
	require.NoError(t, os.Mkdir(filepath.Dir(f), 0o755))
	res = runLocal(t, PamLimits{}, args, true)
	assert.True(t, res.Changed)
	assert.NoFileExists(t, f, "check mode creates nothing")
	res = runLocal(t, PamLimits{}, args, false)
	assert.True(t, res.Changed)
	assert.Equal(t, "mysql\t-\tnofile\t65535\n", res.Msg)
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	assert.Equal(t, "mysql\t-\tnofile\t65535\n", string(b))
	assert.False(t, runLocal(t, PamLimits{}, args, false).Changed)
	args["value"], args["backup"] = "70000", true
	res = runLocal(t, PamLimits{}, args, false)
	assert.True(t, res.Changed)
	assert.FileExists(t, res.Data["backup_file"].(string))
	args["use_min"], args["use_max"] = true, true
	assert.Equal(t, "Cannot use use_min and use_max at the same time.", runLocal(t, PamLimits{}, args, false).Msg)
}
