package playbook_test

import (
	"fmt"

	"github.com/hactl/hactl/pkg/playbook"
)

// Load a playbook and walk its plays: static imports and roles are
// expanded, and keywords (tags, when, become…) are already propagated to
// every task.
func ExampleLoader_LoadPlaybook() {
	l := &playbook.Loader{}
	pb, err := l.LoadPlaybook("testdata/site/site.yml")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := pb.Plays[0]
	fmt.Println(p.Name, "on", p.Hosts)
	for _, r := range p.Roles {
		for _, t := range r.Tasks {
			fmt.Println(t.DisplayName(), t.Tags)
		}
	}
	install := p.Tasks[0]
	fmt.Println(install.Pos, install.Module, install.Args["name"], install.Become)
	// Output:
	// Web servers on web,db
	// common : common task [play]
	// common : common task [play again]
	// testdata/site/site.yml:21:7 apt nginx true
}

// Validate checks every module call before any host is contacted; each
// problem names its position. (test_copy and test_msg are modules the
// package's tests register.)
func ExampleValidate() {
	l := &playbook.Loader{}
	pb, err := l.LoadPlaybook("testdata/validate/play.yml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(playbook.Validate(pb))
	// Output:
	// testdata/validate/play.yml:3:7: module test_copy: missing required argument "dest"
	// testdata/validate/play.yml:5:7: unknown module "test_mgs" (did you mean "test_msg"?)
}
