package report

import (
	"encoding/json"
	"io"

	"github.com/hactl/hactl/pkg/executor"
)

// JSONLines writes one JSON object per event, for programs that follow a
// run (`hactl play --output json`).
type JSONLines struct {
	enc *json.Encoder
}

// NewJSONLines returns a reporter writing JSON lines to w.
func NewJSONLines(w io.Writer) *JSONLines {
	return &JSONLines{enc: json.NewEncoder(w)}
}

// jsonEvent is the stable shape of one line.
type jsonEvent struct {
	Event    string                        `json:"event"`
	Time     string                        `json:"time"`
	Playbook string                        `json:"playbook,omitempty"`
	Play     string                        `json:"play,omitempty"`
	Task     string                        `json:"task,omitempty"`
	TaskPath string                        `json:"task_path,omitempty"`
	Handler  bool                          `json:"handler,omitempty"`
	Host     string                        `json:"host,omitempty"`
	Status   string                        `json:"status,omitempty"`
	Item     any                           `json:"item,omitempty"`
	Result   map[string]any                `json:"result,omitempty"`
	Msg      string                        `json:"msg,omitempty"`
	Duration float64                       `json:"duration_s,omitempty"`
	Recap    map[string]executor.HostStats `json:"recap,omitempty"`
}

var kindNames = map[executor.Kind]string{
	executor.PlaybookStart: "playbook_start", executor.PlayStart: "play_start",
	executor.TaskStart: "task_start", executor.HostResult: "host_result",
	executor.Warning: "warning", executor.NoHostsLeft: "no_hosts_left",
	executor.PlaybookEnd: "playbook_end",
}

// Event writes e as one line.
func (j *JSONLines) Event(e executor.Event) {
	out := jsonEvent{Event: kindNames[e.Kind], Time: e.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		Playbook: e.Path, Handler: e.Handler, Host: e.Host, Msg: e.Msg, Duration: e.Duration.Seconds()}
	if e.Play != nil {
		out.Play = e.Play.Name
	}
	if e.Task != nil {
		out.Task = e.Task.DisplayName()
		out.TaskPath = e.Task.Pos.String()
	}
	if e.Kind == executor.HostResult {
		out.Status = e.Status.String()
		if e.Status == executor.StatusSkipped {
			out.Status = "skipped"
		}
		out.Result = e.Result
		if e.NoLog {
			out.Result = map[string]any{"censored": "no_log: true"}
		}
		if e.IsItem {
			out.Item = e.Label
		}
	}
	if e.Stats != nil {
		out.Recap = map[string]executor.HostStats{}
		for _, h := range e.Stats.Hosts() {
			out.Recap[h] = e.Stats.Host(h)
		}
	}
	if err := j.enc.Encode(out); err != nil {
		// A result that cannot be encoded still leaves a line behind.
		out.Result = map[string]any{"unencodable": err.Error()}
		_ = j.enc.Encode(out)
	}
}
