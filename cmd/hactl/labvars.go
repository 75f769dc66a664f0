package main

import (
	"fmt"
	"maps"
	"os"

	"github.com/hactl/hactl/pkg/lab"
)

// labOverrides returns, for inventory sources that are local-lab
// directories, the connection variables that reach the running lab's
// hosts (address, key, known_hosts with strict checking). A lab directory
// whose lab is not up is an error that says how to bring it up.
func labOverrides(sources []string) (map[string]map[string]any, error) {
	var out map[string]map[string]any
	for _, src := range sources {
		st, err := os.Stat(src)
		if err != nil || !st.IsDir() || !lab.IsLab(src) {
			continue
		}
		cv, err := lab.ConnectionVars(src)
		if err != nil {
			return nil, fmt.Errorf("inventory %s is a lab directory, but its lab is not running (hactl lab up %s): %w", src, src, err)
		}
		if out == nil {
			out = map[string]map[string]any{}
		}
		maps.Copy(out, cv)
	}
	return out, nil
}
