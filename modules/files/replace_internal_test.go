package files

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaceMatchesAnsible(t *testing.T) {
	for _, c := range loadRef(t, "replace_ansible.json") {
		t.Run(c.Name, func(t *testing.T) {
			str := func(k string) string { s, _ := c.Args[k].(string); return s }
			out, _, msg, err := replaceText(c.Input, str("regexp"), str("replace"), str("after"), str("before"))
			require.NoError(t, err)
			assert.Equal(t, c.Output, out)
			assert.Equal(t, c.Msg, msg)
			assert.Equal(t, c.Changed, out != c.Input)
		})
	}
}

func TestReplaceRefusesLookaround(t *testing.T) {
	_, _, _, err := replaceText("ab", "(?<=a)b", "x", "", "")
	assert.ErrorContains(t, err, "lookbehind")
	_, _, _, err = replaceText("ab", "a(?=b)", "x", "", "")
	assert.ErrorContains(t, err, "lookahead")
}
