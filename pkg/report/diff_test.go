package report_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/executor"
	"github.com/hactl/hactl/pkg/report"
)

// TestUnifiedMatchesDiffU compares hunks with GNU diff -u on files with
// changes far apart, at the edges, and added or removed runs.
func TestUnifiedMatchesDiffU(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("diff(1) is not installed")
	}
	var a, b []string
	for i := range 40 {
		a = append(a, fmt.Sprintf("line %d", i))
	}
	b = append(b, "new first")
	for i, l := range a {
		switch {
		case i == 5:
			b = append(b, "changed 5")
		case i >= 20 && i < 23:
		case i == 39:
			b = append(b, l, "appended")
		default:
			b = append(b, l)
		}
	}
	before, after := strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n"
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	require.NoError(t, os.WriteFile(pa, []byte(before), 0o644))
	require.NoError(t, os.WriteFile(pb, []byte(after), 0o644))
	out, _ := exec.Command("diff", "-u", "--label", "before", "--label", "after", pa, pb).Output()
	got := report.Unified(executor.Diff{Before: before, After: after})
	assert.Equal(t, string(out)+"\n", got)
}
