package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listTasks prints a playbook the way `ansible-playbook --list-tasks`
// does, so that the loaded model can be compared with Ansible's own
// reading of the same files (testdata/listtasks/*.list-tasks were
// produced by ansible-core 2.14).
func listTasks(pb *Playbook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nplaybook: %s\n", filepath.Base(pb.Path))
	for i, p := range pb.Plays {
		name := p.Name
		if name == "" {
			name = p.Hosts
		}
		fmt.Fprintf(&b, "\n  play #%d (%s): %s\tTAGS: [%s]\n    tasks:\n", i+1, p.Hosts, name, strings.Join(sorted(p.Tags), ","))
		var lines func(ts []*Task)
		lines = func(ts []*Task) {
			for _, t := range ts {
				if t.IsBlock() {
					lines(t.Block) // Ansible lists the block section only
					continue
				}
				n := t.DisplayName()
				if t.Name == "" && t.Include == nil {
					// --list-tasks prints unnamed role tasks without the
					// role prefix (the run-time banner has it).
					n = t.Module
				}
				fmt.Fprintf(&b, "      %s\tTAGS: [%s]\n", n, strings.Join(sorted(t.Tags), ", "))
			}
		}
		lines(p.PreTasks)
		for _, r := range p.Roles {
			lines(roleTasks(r))
		}
		lines(p.Tasks)
		lines(p.PostTasks)
	}
	return b.String()
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestListTasksMatchesAnsible(t *testing.T) {
	// testdata/site is not compared: its dependency "base" is listed twice
	// by --list-tasks but runs once (same role, same parameters), which
	// is what the loader models; TestSitePlay checks that.
	for _, name := range []string{"listtasks/site"} {
		t.Run(name, func(t *testing.T) {
			pb := load(t, "testdata/"+name+".yml")
			want, err := os.ReadFile("testdata/" + name + ".list-tasks")
			require.NoError(t, err)
			assert.Equal(t, string(want), listTasks(pb))
		})
	}
}
