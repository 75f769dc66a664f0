package labverify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints one row per result: scenario, requests, failed
// requests, time to recover (longest outage), acknowledged writes lost,
// the checks (a column shown only when some scenario has checks) and
// whether the targets were met.
func WriteTable(w io.Writer, results []Result, writes bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	checks := false
	for _, r := range results {
		checks = checks || len(r.Step.Checks) > 0
	}
	head := "SCENARIO\tREQUESTS\tFAILED\tRECOVERY\tWRITES LOST\t"
	if checks {
		head += "CHECKS\t"
	}
	fmt.Fprintln(tw, head+"RESULT")
	for _, r := range results {
		rec := "-"
		switch {
		case !r.Outcome.Recovered:
			rec = "never"
		case r.Outcome.Failed > 0:
			rec = r.Outcome.Outage.Round(10 * time.Millisecond).String()
		}
		lost := "-"
		if writes {
			lost = fmt.Sprintf("%d/%d", r.Lost, r.Acked)
		}
		verdict := "ok"
		if len(r.Misses) > 0 {
			verdict = "MISSED: " + strings.Join(r.Misses, "; ")
		}
		row := fmt.Sprintf("%s\t%d\t%d\t%s\t%s\t", r.Step.Name, r.Outcome.Requests, r.Outcome.Failed, rec, lost)
		if checks {
			row += checksColumn(r.Checks) + "\t"
		}
		fmt.Fprintln(tw, row+verdict)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// Missed reports whether any result missed a target.
func Missed(results []Result) bool {
	for _, r := range results {
		if len(r.Misses) > 0 {
			return true
		}
	}
	return false
}
