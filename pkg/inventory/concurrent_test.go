package inventory

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConcurrentReads runs the executor's access pattern (every fork asks
// for its host's variables and selects hosts) in parallel; run it with
// -race.
func TestConcurrentReads(t *testing.T) {
	inv := mustLoad(t, "hosts", sampleINI)
	want := map[string]map[string]any{}
	for _, h := range inv.Hosts() {
		want[h.Name] = inv.HostVars(h.Name)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				for name, v := range want {
					if got := inv.HostVars(name); fmt.Sprint(got) != fmt.Sprint(v) {
						errs <- fmt.Errorf("%s: got %v, want %v", name, got, v)
						return
					}
					_ = inv.GroupNames(name)
				}
				if _, err := inv.Select("prod:!canary"); err != nil {
					errs <- err
					return
				}
				_ = inv.GroupsMap()
				_, _ = inv.Host("localhost")
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}
