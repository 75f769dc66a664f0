package files_test

import (
	"testing"

	_ "github.com/hactl/hactl/modules/files"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

// TestOnLab brings up one lab (two hosts) for the whole package and runs
// every module's integration tests against it as subtests.
func TestOnLab(t *testing.T) {
	hosts := modtest.Lab(t, 2, labtest.Options{})
	for _, c := range labCases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, hosts) })
	}
}

type labCase struct {
	name string
	fn   func(t *testing.T, hosts []*modtest.Host)
}

// labCases are registered by each module's test file.
var labCases []labCase

func lab(name string, fn func(t *testing.T, hosts []*modtest.Host)) bool {
	labCases = append(labCases, labCase{name, fn})
	return true
}
