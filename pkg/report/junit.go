package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sync"

	"github.com/hactl/hactl/pkg/executor"
)

// JUnit collects task results and writes them as JUnit XML when the run
// ends: one test suite per play, one test case per task and host.
type JUnit struct {
	mu     sync.Mutex
	w      io.Writer
	suites []*junitSuite
}

// NewJUnit returns a reporter writing JUnit XML to w at the end of the run.
func NewJUnit(w io.Writer) *JUnit { return &JUnit{w: w} }

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// Event records results and writes the document at PlaybookEnd.
func (j *JUnit) Event(e executor.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch e.Kind {
	case executor.PlayStart:
		j.suites = append(j.suites, &junitSuite{Name: e.Play.Name})
	case executor.HostResult:
		if len(j.suites) == 0 || e.IsItem {
			return
		}
		s := j.suites[len(j.suites)-1]
		c := junitCase{Name: fmt.Sprintf("[%s] %s", e.Host, e.Task.DisplayName()), ClassName: e.Task.Pos.String(), Time: e.Duration.Seconds()}
		switch e.Status {
		case executor.StatusFailed, executor.StatusUnreachable:
			msg := fmt.Sprint(e.Result["msg"])
			body := compactJSON(e.Result)
			if e.NoLog {
				body = "censored (no_log)"
			}
			c.Failure = &junitFailure{Message: msg, Body: body}
			s.Failures++
		case executor.StatusSkipped:
			c.Skipped = &struct{}{}
			s.Skipped++
		}
		s.Tests++
		s.Time += c.Time
		s.Cases = append(s.Cases, c)
	case executor.PlaybookEnd:
		fmt.Fprint(j.w, xml.Header)
		doc := struct {
			XMLName xml.Name      `xml:"testsuites"`
			Suites  []*junitSuite `xml:"testsuite"`
		}{Suites: j.suites}
		enc := xml.NewEncoder(j.w)
		enc.Indent("", "  ")
		_ = enc.Encode(doc)
		fmt.Fprintln(j.w)
	}
}

// Multi sends every event to several reporters in order.
type Multi []executor.Reporter

// Event forwards e.
func (m Multi) Event(e executor.Event) {
	for _, r := range m {
		r.Event(e)
	}
}
