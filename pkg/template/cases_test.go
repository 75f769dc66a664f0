package template

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// refCase is one entry of testdata/cases.yaml, whose expected outputs come
// from Jinja2 with Ansible's filter and test plugins (testdata/reference.py).
type refCase struct {
	T     string         `yaml:"t"`
	Vars  map[string]any `yaml:"vars"`
	Want  string         `yaml:"want"`
	Err   string         `yaml:"err"`
	Hactl string         `yaml:"hactl"`
}

func TestReferenceCases(t *testing.T) {
	data, err := os.ReadFile("testdata/cases.yaml")
	require.NoError(t, err)
	var cases []refCase
	require.NoError(t, yaml.Unmarshal(data, &cases))
	require.Greater(t, len(cases), 50)
	e := New()
	for _, c := range cases {
		t.Run(c.T, func(t *testing.T) {
			got, err := e.Render("case.j2", c.T, c.Vars)
			if c.Err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.Err)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.Want, got)
		})
	}
}
