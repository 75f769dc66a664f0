package playbook

import (
	"errors"
	"fmt"
)

// Error is a problem found while loading or validating, at a source
// position.
type Error struct {
	Pos Pos
	Err error
}

// Error formats the error as file:line:col: message.
func (e *Error) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return e.Err.Error()
	}
	return e.Pos.String() + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error at pos.
func errorf(pos Pos, format string, a ...any) *Error {
	return &Error{Pos: pos, Err: fmt.Errorf(format, a...)}
}

// errList collects problems so that one load reports as many as is cheap.
type errList struct {
	errs []error
	seen map[string]bool
}

// add records err unless an identical message was already recorded (the
// same file imported twice reports its problems once).
func (l *errList) add(err error) {
	if err == nil {
		return
	}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	msg := err.Error()
	if l.seen[msg] {
		return
	}
	l.seen[msg] = true
	l.errs = append(l.errs, err)
}

// err joins the recorded problems (nil when there are none).
func (l *errList) err() error { return errors.Join(l.errs...) }
