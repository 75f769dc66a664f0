package playbook

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// identRE matches a valid variable name (register:, loop_var…).
var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks every task of a loaded playbook before any host is
// contacted: roles, handlers and statically imported tasks included. Each
// module call must name a registered module, with arguments valid for its
// spec (values still holding templates are checked at run time), and
// keywords must make sense. All problems are returned joined, each
// prefixed with its file:line:col.
func Validate(pb *Playbook) error {
	if pb == nil {
		return errors.New("validate: no playbook")
	}
	var errs errList
	for _, p := range pb.Plays {
		walkPlay(p, func(t *Task) {
			for _, err := range validateTask(t) {
				errs.add(err)
			}
		})
	}
	return errs.err()
}

// ValidateTasks checks tasks loaded at run time (LoadTasks, LoadRole)
// the way Validate checks a playbook.
func ValidateTasks(tasks []*Task) error {
	var errs errList
	walkTasks(tasks, func(t *Task) {
		for _, err := range validateTask(t) {
			errs.add(err)
		}
	})
	return errs.err()
}

// validateTask checks one task (not its children).
func validateTask(t *Task) []error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, errorf(t.Pos, format, a...))
	}
	if t.Module != "" {
		m, ok := module.Lookup(t.Module)
		if !ok {
			err := module.UnknownError(t.Module)
			if kw := module.Closest(t.Module, taskKeywordNames(t.Handler)); kw != "" && !strings.Contains(err.Error(), "did you mean") {
				err = fmt.Errorf("%w (or is it the keyword %q, misspelt?)", err, kw)
			}
			errs = append(errs, &Error{Pos: t.Pos, Err: err})
		} else if _, err := m.Spec().Validate(t.Args, true); err != nil {
			errs = append(errs, &Error{Pos: t.Pos, Err: err})
		}
	}
	if t.Register != "" && !identRE.MatchString(t.Register) {
		bad("register: %q is not a valid variable name", t.Register)
	}
	if lv := t.LoopControl.LoopVar; lv != "" && !identRE.MatchString(lv) && !isTemplate(lv) {
		bad("loop_control: loop_var %q is not a valid variable name", lv)
	}
	if iv := t.LoopControl.IndexVar; iv != "" && !identRE.MatchString(iv) && !isTemplate(iv) {
		bad("loop_control: index_var %q is not a valid variable name", iv)
	}
	if t.Loop == nil && (t.LoopControl != LoopControl{}) {
		bad("loop_control without a loop")
	}
	for _, kv := range []struct {
		name string
		v    any
	}{{"retries", t.Retries}, {"delay", t.Delay}, {"async", t.Async}, {"poll", t.Poll}} {
		if n, ok := kv.v.(int); ok && n < 0 {
			bad("%s must not be negative", kv.name)
		}
	}
	if t.Handler && t.Name == "" && len(t.Listen) == 0 && !t.IsBlock() {
		bad("a handler needs a name or listen: so that tasks can notify it")
	}
	return errs
}
