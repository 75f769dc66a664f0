package playbook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadErrors loads the fixtures of testdata/errors and checks that
// each problem is reported with its position.
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"bad_yaml.yml", []string{"bad_yaml.yml:2: did not find expected '-' indicator"}},
		{"not_a_list.yml", []string{"not_a_list.yml:1:1: a playbook must be a list of plays, got a mapping"}},
		{"unknown_play_kw.yml", []string{`unknown_play_kw.yml:2:3: "tsks" is not a valid keyword for a play (did you mean "tasks"?)`}},
		{"unknown_task_kw.yml", []string{`unknown_task_kw.yml:5:7: "whne" is not a valid keyword for a task (did you mean "when"?)`}},
		{"conflicting.yml", []string{"conflicting.yml:3:7: conflicting action statements: test_msg, test_copy"}},
		{"no_action.yml", []string{"no_action.yml:3:7: no module/action detected in task"}},
		{"scalar_task.yml", []string{
			`scalar_task.yml:3:7: a task must be a mapping, got the scalar "just a string"`,
			"scalar_task.yml:4:7: a task must be a mapping, got a list"}},
		{"missing_import.yml", []string{`missing_import.yml:3:7: import_tasks: file "nowhere.yml" not found`}},
		{"import_loop.yml", []string{"import_loop.yml:3:7: you cannot use loops on import_tasks; use include_tasks instead"}},
		{"notify_missing.yml", []string{`notify_missing.yml:3:7: notify: no handler named "restart nginx" in this play (did you mean "restart ngnix"?)`}},
		{"no_hosts.yml", []string{"no_hosts.yml:1:3: the play has no hosts: keyword"}},
		{"vars_prompt.yml", []string{"vars_prompt.yml:2:3: vars_prompt is not supported"}},
		{"role_missing.yml", []string{`role_missing.yml:3:7: role "nosuchrole" not found in testdata/errors/roles, testdata/errors`}},
		{"dup_key.yml", []string{`dup_key.yml:5:7: "when" given twice in the same mapping`}},
		{"dup_loop.yml", []string{"dup_loop.yml:3:7: duplicate loop in task: loop, with_items"}},
		{"listen_task.yml", []string{"listen_task.yml:4:7: listen is only valid on handlers"}},
		{"block_loop.yml", []string{`block_loop.yml:5:7: "loop" is not valid on a block`}},
		{"include_become.yml", []string{`include_become.yml:4:7: "become" is not valid on include_tasks (give keywords for the included tasks with apply:)`}},
		{"cycle_a.yml", []string{"cycle_b.yml:1:3: import cycle: testdata/errors/cycle_a.yml -> testdata/errors/cycle_b.yml -> testdata/errors/cycle_a.yml"}},
		{"task_cycle.yml", []string{"task_cycle_tasks.yml:1:3: import cycle: testdata/errors/task_cycle_tasks.yml -> testdata/errors/task_cycle_tasks.yml"}},
		{"role_cycle.yml", []string{"roles/rb/meta/main.yml:2:5: role dependency cycle: ra -> rb -> ra"}},
		{"unbalanced.yml", []string{"unbalanced.yml:3:17: test_msg: unbalanced quotes"}},
		{"bad_values.yml", []string{
			`bad_values.yml:2:11: serial must be a number`,
			`bad_values.yml:3:10: order must be one of`,
			`bad_values.yml:4:24: max_fail_percentage must be between 0 and 100`,
			`bad_values.yml:7:15: become must be a boolean, got the scalar "perhaps"`,
			`bad_values.yml:8:13: when must be an expression, a boolean or a list of them, got a mapping`,
			`bad_values.yml:9:17: throttle must be an integer`,
			`bad_values.yml:11:9: "loop_vr" is not a valid keyword for loop_control (did you mean "loop_var"?)`}},
		{"several.yml", []string{
			`several.yml:4:7: "whne" is not a valid keyword for a task (did you mean "when"?)`,
			`several.yml:5:7: a task must be a mapping, got the scalar "42"`,
			`several.yml:7:3: "bogus" is not a valid keyword for a play`}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			pb, err := (&Loader{}).LoadPlaybook("testdata/errors/" + c.file)
			require.Error(t, err)
			assert.Nil(t, pb)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), "testdata/errors/"+w)
			}
			assert.Len(t, splitLines(err.Error()), len(c.want), "one line per problem:\n%v", err)
		})
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestErrorsUnwrapToPositions(t *testing.T) {
	_, err := (&Loader{}).LoadPlaybook("testdata/errors/unknown_play_kw.yml")
	var pe *Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, Pos{File: "testdata/errors/unknown_play_kw.yml", Line: 2, Col: 3}, pe.Pos)
}

func TestMissingPlaybook(t *testing.T) {
	_, err := (&Loader{}).LoadPlaybook("testdata/nope.yml")
	assert.ErrorContains(t, err, "reading testdata/nope.yml")
}
