package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/playbook"
	"github.com/hactl/hactl/pkg/report"
)

// events replays a small run: one play, a changed task, a debug task, a
// loop with a failed item, an unreachable host.
func events() []executor.Event {
	play := &playbook.Play{Name: "web tier"}
	copyTask := &playbook.Task{Name: "install config", Module: "copy", Pos: playbook.Pos{File: "site.yml", Line: 4, Col: 7}}
	debugTask := &playbook.Task{Name: "show", Module: "debug"}
	loopTask := &playbook.Task{Name: "loop", Module: "command"}
	stats := executor.NewStatsForTest(map[string]executor.HostStats{
		"web1": {OK: 2, Changed: 1},
		"web2": {Unreachable: 1},
	})
	return []executor.Event{
		{Kind: executor.PlayStart, Play: play},
		{Kind: executor.TaskStart, Play: play, Task: copyTask},
		{Kind: executor.HostResult, Task: copyTask, Host: "web1", Status: executor.StatusChanged,
			Result: map[string]any{"changed": true}, Diffs: []executor.Diff{{BeforeHeader: "/etc/app.conf", AfterHeader: "/etc/app.conf", Before: "a\nb\n", After: "a\nc\n"}}},
		{Kind: executor.HostResult, Task: copyTask, Host: "web2", Status: executor.StatusUnreachable,
			Result: map[string]any{"unreachable": true, "changed": false, "msg": "dial: refused"}},
		{Kind: executor.TaskStart, Play: play, Task: debugTask},
		{Kind: executor.HostResult, Task: debugTask, Host: "web1", Status: executor.StatusOK, Result: map[string]any{"msg": "hi <there> & you", "changed": false}},
		{Kind: executor.TaskStart, Play: play, Task: loopTask},
		{Kind: executor.HostResult, Task: loopTask, Host: "web1", Status: executor.StatusOK, IsItem: true, Label: "a", Result: map[string]any{"changed": false}},
		{Kind: executor.HostResult, Task: loopTask, Host: "web1", Status: executor.StatusIgnored, IsItem: true, Label: "b", Result: map[string]any{"failed": true, "rc": 1}},
		{Kind: executor.HostResult, Task: loopTask, Host: "web1", Status: executor.StatusIgnored, Result: map[string]any{"failed": true, "results": []any{}}},
		{Kind: executor.PlaybookEnd, Stats: stats},
	}
}

func TestTextLooksLikeAnsible(t *testing.T) {
	var out bytes.Buffer
	r := report.NewText(&out, 0, true)
	for _, e := range events() {
		r.Event(e)
	}
	want := `
PLAY [web tier] ****************************************************************

TASK [install config] **********************************************************
--- before: /etc/app.conf
+++ after: /etc/app.conf
@@ -1,2 +1,2 @@
 a
-b
+c

changed: [web1]
fatal: [web2]: UNREACHABLE! => {"changed": false, "msg": "dial: refused", "unreachable": true}

TASK [show] ********************************************************************
ok: [web1] => {
    "msg": "hi <there> & you"
}

TASK [loop] ********************************************************************
ok: [web1] => (item=a)
failed: [web1] (item=b) => {"failed": true, "rc": 1}
...ignoring

PLAY RECAP *********************************************************************
web1                       : ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   
web2                       : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   

`
	assert.Equal(t, want, out.String())
}

func TestJSONLinesAreParseable(t *testing.T) {
	var out bytes.Buffer
	r := report.NewJSONLines(&out)
	for _, e := range events() {
		r.Event(e)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, len(events()))
	var last map[string]any
	for _, l := range lines {
		require.NoError(t, json.Unmarshal([]byte(l), &last), l)
	}
	assert.Equal(t, "playbook_end", last["event"])
	recap := last["recap"].(map[string]any)
	assert.EqualValues(t, 1, recap["web2"].(map[string]any)["Unreachable"])
}

func TestJUnitCountsFailures(t *testing.T) {
	var out bytes.Buffer
	r := report.NewJUnit(&out)
	for _, e := range events() {
		r.Event(e)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc), out.String())
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, "web tier", doc.Suites[0].Name)
	assert.Equal(t, 4, doc.Suites[0].Tests)
	assert.Equal(t, 1, doc.Suites[0].Failures)
}
