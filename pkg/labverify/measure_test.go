package labverify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// samples builds samples 50 ms apart from a pattern: '.' ok, 'x' failed.
func samples(t0 time.Time, pattern string) []Sample {
	out := make([]Sample, 0, len(pattern))
	for i, c := range pattern {
		start := t0.Add(time.Duration(i) * 50 * time.Millisecond)
		out = append(out, Sample{Start: start, End: start.Add(time.Millisecond), OK: c == '.', Err: map[bool]string{true: "", false: "refused"}[c == '.']})
	}
	return out
}

func TestAnalyze(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		pattern   string
		failed    int
		outage    time.Duration
		recovered bool
	}{
		{"....", 0, 0, true},
		{"..xxx..", 3, 150 * time.Millisecond, true},
		// The longest of two outages counts.
		{".x..xxxx.x.", 6, 200 * time.Millisecond, true},
		// Still failing at the end: the outage runs to the last sample.
		{"..xxx", 3, 100 * time.Millisecond, false},
		{"", 0, 0, true},
	} {
		o := Analyze(samples(t0, tc.pattern))
		assert.Equal(t, len(tc.pattern), o.Requests, tc.pattern)
		assert.Equal(t, tc.failed, o.Failed, tc.pattern)
		assert.Equal(t, tc.outage, o.Outage, tc.pattern)
		assert.Equal(t, tc.recovered, o.Recovered, tc.pattern)
	}
}

func TestAnalyzeSortsByStart(t *testing.T) {
	t0 := time.Now()
	s := samples(t0, "..xx..")
	s[0], s[3] = s[3], s[0]
	s[1], s[5] = s[5], s[1]
	o := Analyze(s)
	assert.Equal(t, 100*time.Millisecond, o.Outage)
	assert.Equal(t, t0.Add(100*time.Millisecond), o.FirstFailure)
}

func TestRecovered(t *testing.T) {
	t0 := time.Now()
	assert.False(t, recovered(samples(t0, "......."), 3), "no failure yet: nothing to recover from")
	assert.False(t, recovered(samples(t0, "..xx.."), 3))
	assert.True(t, recovered(samples(t0, "..xx..."), 3))
	assert.False(t, recovered(samples(t0, "xx...x."), 3))
}
