package modtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	_ "github.com/hactl/hactl/modules/all"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// TestConvergeOnALabHost proves the harness itself on a real lab host with
// a module whose idempotence comes from creates=.
func TestConvergeOnALabHost(t *testing.T) {
	h := modtest.Lab(t, 1, labtest.Options{})[0]
	res := h.Converge(t, "shell", map[string]any{
		"_raw_params": "echo made > /root/made",
		"creates":     "/root/made",
	}, []string{"/root/made"})
	assert.Equal(t, 0, res.Data["rc"])
	assert.Equal(t, "made\n", h.Sh(t, "cat /root/made"))
	_, err := h.Run(t, "shell", map[string]any{"_raw_params": "true", "creatse": "/x"}, false, false)
	assert.ErrorContains(t, err, `did you mean "creates"`)
}
