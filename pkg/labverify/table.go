package labverify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints one row per result: scenario, requests, failed
// requests, time to recover (longest outage), acknowledged writes lost and
// whether the targets were met.
func WriteTable(w io.Writer, results []Result, writes bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tREQUESTS\tFAILED\tRECOVERY\tWRITES LOST\tRESULT")
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
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", r.Step.Name, r.Outcome.Requests, r.Outcome.Failed, rec, lost, verdict)
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
