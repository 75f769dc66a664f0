package main

import "testing"

func TestDirPrefixKeepsBaseNamesAndRatios(t *testing.T) {
	in := "hactl exited 2 (log /tmp/x-1/runs/out.log): ok/changed 20/20/0 at /a/b/c"
	want := "hactl exited 2 (log out.log): ok/changed 20/20/0 at c"
	if got := dirPrefix.ReplaceAllString(in, "${1}"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
