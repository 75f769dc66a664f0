package labverify

import (
	"sort"
	"time"
)

// Sample is one request of the client loop.
type Sample struct {
	// Start is when the request was sent; End when it completed.
	Start, End time.Time
	// OK is a 2xx answer within the timeout.
	OK bool
	// Err says why it failed.
	Err string
}

// Outcome is what a window of samples shows.
type Outcome struct {
	// Requests and Failed count the samples.
	Requests, Failed int
	// Outage is the longest outage: from a failed request's start to the
	// start of the first successful request after it.
	Outage time.Duration
	// FirstFailure is the start of the first failed request (zero if none).
	FirstFailure time.Time
	// Recovered is false when the window ends in an outage.
	Recovered bool
	// LastErr is the error of the last failed request.
	LastErr string
}

// Analyze measures samples (in any order). An outage still open at the
// end of the samples counts up to the last sample's start and leaves
// Recovered false.
func Analyze(samples []Sample) Outcome {
	s := append([]Sample(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	o := Outcome{Requests: len(s), Recovered: true}
	var open time.Time // start of the current outage
	for _, x := range s {
		if !x.OK {
			o.Failed++
			o.LastErr = x.Err
			if o.FirstFailure.IsZero() {
				o.FirstFailure = x.Start
			}
			if open.IsZero() {
				open = x.Start
			}
			continue
		}
		if !open.IsZero() {
			o.Outage = max(o.Outage, x.Start.Sub(open))
			open = time.Time{}
		}
	}
	if !open.IsZero() {
		o.Recovered = false
		o.Outage = max(o.Outage, s[len(s)-1].Start.Sub(open))
	}
	return o
}

// recovered reports whether samples (those since a fault) show the service
// back: a failure was seen and the last n samples succeeded.
func recovered(samples []Sample, n int) bool {
	s := append([]Sample(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start.Before(s[j].Start) })
	failed := false
	for _, x := range s {
		if !x.OK {
			failed = true
		}
	}
	if !failed || len(s) < n {
		return false
	}
	for _, x := range s[len(s)-n:] {
		if !x.OK {
			return false
		}
	}
	return true
}
