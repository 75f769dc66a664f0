package apt

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "1.1", -1}, {"1.10", "1.9", 1}, {"1.0~rc1", "1.0", -1},
		{"1:0.1", "2.0", 1}, {"2.0-1", "2.0-2", -1}, {"2.0-1+b1", "2.0-1", 1}, {"1.0a", "1.0", 1},
		{"1.0", "1.0-0", 0}, {"0:1.0", "1.0", 0}, {"1.2.3", "1.2.3.0", -1}, {"9.2+deb12u1", "9.2", 1},
		{"1.0~~", "1.0~", -1}, {"1.0-1~bpo1", "1.0-1", -1}, {"a", "+", -1},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, compareVersions(c.a, c.b), "%s vs %s", c.a, c.b)
		assert.Equal(t, -c.want, compareVersions(c.b, c.a), "%s vs %s", c.b, c.a)
		if dpkg, err := exec.LookPath("dpkg"); err == nil {
			op := map[int]string{-1: "lt", 0: "eq", 1: "gt"}[c.want]
			assert.NoError(t, exec.Command(dpkg, "--compare-versions", c.a, op, c.b).Run(), "dpkg disagrees on %s %s %s", c.a, op, c.b)
		}
	}
}
