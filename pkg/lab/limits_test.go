package lab

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRaiseInotifyLimitsNeverLowers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("raising kernel limits needs root")
	}
	require.NoError(t, raiseInotifyLimits())
	for p, want := range inotifyMinimums {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(string(data)))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, n, want, p)
	}
}
