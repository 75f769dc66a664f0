package util

import (
	"context"
	"fmt"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Meta{}) }

// Meta is the meta module. The executor carries out meta actions itself
// (they act on the run, not on a host); this registration gives them a
// spec for validation and `hactl doc`.
type Meta struct{}

// MetaActions are the actions the executor understands.
var MetaActions = []string{"flush_handlers", "noop", "end_play", "end_host", "end_batch",
	"clear_facts", "clear_host_errors", "refresh_inventory", "reset_connection"}

// Spec describes meta.
func (Meta) Spec() module.Spec {
	return module.Spec{
		Name:      "meta",
		Short:     "Act on the run itself: flush handlers, end the play or a host, clear facts",
		Doc:       "The free-form argument names the action: flush_handlers runs the handlers notified so far; end_play stops the play for every host; end_host stops it for the hosts where the task's condition holds; end_batch ends the current serial batch; clear_facts forgets gathered facts; clear_host_errors lets failed hosts take part again; noop, refresh_inventory and reset_connection change nothing (connections are re-established on demand).",
		FreeForm:  true,
		CheckMode: true,
		Examples: `- meta: flush_handlers

- meta: end_host
  when: ansible_distribution != "Debian"`,
	}
}

// Run is never reached in a play: the executor handles meta tasks.
func (Meta) Run(context.Context, *module.Target, module.Args) (module.Result, error) {
	return module.Result{}, fmt.Errorf("meta actions are carried out by the runner, not on a host")
}
