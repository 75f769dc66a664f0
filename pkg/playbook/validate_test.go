package playbook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateReportsEveryProblemWithPosition(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yml": `
- hosts: all
  roles: [r]
  tasks:
    - test_copy: src=a
    - test_cpy: dest=b
    - test_copy: dest=b state=gone
    - test_msg: msg=hi
      register: "1bad"
    - test_cmd: echo hi creates=/x
    - test_copy: dest="{{ d }}" backup="{{ b }}"
    - test_msg: msg=x
      loop_control: {label: x}
    - import_tasks: more.yml
`,
		"more.yml": `
- test_copy: dest=x bogus=1
`,
		"roles/r/tasks/main.yml": `
- test_msg: nosuch=1
`,
		"roles/r/handlers/main.yml": `
- name: h
  tset_msg: msg=x
`,
	})
	pb, err := (&Loader{}).LoadPlaybook(dir + "/site.yml")
	require.NoError(t, err)
	err = Validate(pb)
	require.Error(t, err)
	msg := err.Error()
	for _, w := range []string{
		dir + `/roles/r/tasks/main.yml:2:3: module test_msg: unsupported argument "nosuch"`,
		dir + `/site.yml:5:7: module test_copy: missing required argument "dest"`,
		dir + `/site.yml:6:7: unknown module "test_cpy" (did you mean "test_copy"?)`,
		dir + `/site.yml:7:7: module test_copy: argument "state": value "gone" is not one of present, absent`,
		dir + `/site.yml:8:7: register: "1bad" is not a valid variable name`,
		dir + `/site.yml:12:7: loop_control without a loop`,
		dir + `/more.yml:2:3: module test_copy: unsupported argument "bogus"`,
		dir + `/roles/r/handlers/main.yml:2:3: unknown module "tset_msg" (did you mean "test_msg"?)`,
	} {
		assert.Contains(t, msg, w)
	}
	assert.Len(t, splitLines(msg), 8, msg)
}

func TestValidateAcceptsAGoodPlaybook(t *testing.T) {
	pb := load(t, "testdata/args/play.yml")
	assert.NoError(t, Validate(pb))
}

func TestValidateSuggestsKeywordForLoneTypo(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p.yml": "- hosts: all\n  tasks:\n    - regster: x\n"})
	pb, err := (&Loader{}).LoadPlaybook(dir + "/p.yml")
	require.NoError(t, err, "a lone unknown key is taken for the module")
	err = Validate(pb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `keyword "register"`)
}

func TestValidateNil(t *testing.T) {
	assert.Error(t, Validate(nil))
}
