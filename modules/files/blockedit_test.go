package files

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func blockSpecOf(t *testing.T, args map[string]any) blockSpec {
	t.Helper()
	full := map[string]any{"path": "/f"}
	for k, v := range args {
		full[k] = v
	}
	a, err := BlockInFile{}.Spec().Validate(full, false)
	require.NoError(t, err)
	s, msg := blockSpecFromArgs(a)
	require.Empty(t, msg)
	return s
}

func TestBlockInFileMatchesAnsible(t *testing.T) {
	for _, c := range loadRef(t, "blockinfile_ansible.json") {
		t.Run(c.Name, func(t *testing.T) {
			got := blockSpecOf(t, c.Args).apply(c.Input)
			assert.Equal(t, c.Output, got)
			assert.Equal(t, c.Changed, got != c.Input)
		})
	}
}

// Ansible 2.16 added prepend_newline and append_newline: a blank line is
// added before/after the block unless the file starts/ends there or one
// is already there.
func TestBlockInFileBlankLinesAroundTheBlock(t *testing.T) {
	s := blockSpecOf(t, map[string]any{"block": "x", "insertafter": "^a", "prepend_newline": true, "append_newline": true})
	out := s.apply("a\nb\n")
	assert.Equal(t, "a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\nb\n", out)
	assert.Equal(t, out, s.apply(out), "idempotent: the blank lines are not added twice")
	s = blockSpecOf(t, map[string]any{"block": "x", "insertbefore": "BOF", "prepend_newline": true, "append_newline": true})
	assert.Equal(t, "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n\na\n", s.apply("a\n"))
	s = blockSpecOf(t, map[string]any{"block": "x", "prepend_newline": true, "append_newline": true})
	assert.Equal(t, "a\n\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n", s.apply("a\n"))
}
