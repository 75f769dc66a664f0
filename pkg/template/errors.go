package template

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/parser"
)

// Error is a template error positioned in its template. Line and Col are
// 1-based; 0 when unknown.
type Error struct {
	Name string // the template: a file path, or what the caller called it
	Line int
	Col  int
	Msg  string
}

// Error implements error as "name:line:col: msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteString(":" + strconv.Itoa(e.Col))
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// asError is errors.As for *Error.
func asError(err error, target **Error) bool { return errors.As(err, target) }

var (
	reAtLine       = regexp.MustCompile(`at line (\d+)`)
	reName         = regexp.MustCompile(`Unable to evaluate name "([^"]+)"`)
	reAttr         = regexp.MustCompile(`(?i)unable to evaluate ([^:]+): attribute '([^']*)' not found`)
	reItem         = regexp.MustCompile(`(?i)unable to evaluate ([^:]+): item '?([^']*?)'? not found`)
	reFilterMissed = regexp.MustCompile(`filter '([^']+)' not found`)
	reInvalidCall  = regexp.MustCompile(`invalid call to (filter|function|test) '([^']+)': ((?:filter|test) [\w]+: )?`)
)

// toError turns an error from gonja (or from lazy variables) into an
// *Error naming the template and, where gonja tells it, the line; the
// column is found by looking for the undefined name on that line.
func toError(name, text string, err error) error {
	var te *Error
	if errors.As(err, &te) && te.Name == name {
		return err
	}
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		msg := se.Message
		if se.Raw != "" {
			msg = fmt.Sprintf("%s (near %q)", msg, se.Raw)
		}
		return &Error{Name: name, Line: se.Line, Col: se.Column, Msg: "syntax error: " + msg}
	}
	root, wrappers := rootCause(err)
	e := &Error{Name: name, Msg: humanize(root)}
	if m := reAtLine.FindAllStringSubmatch(wrappers, -1); len(m) > 0 {
		e.Line, _ = strconv.Atoi(m[len(m)-1][1])
	}
	if e.Line == 0 && !strings.Contains(text, "\n") {
		e.Line = 1
	}
	if e.Line > 0 {
		if word := undefinedWord(root); word != "" {
			lines := strings.Split(text, "\n")
			if e.Line <= len(lines) {
				if i := strings.Index(lines[e.Line-1], word); i >= 0 {
					e.Col = i + 1
				}
			}
		}
	}
	return e
}

// rootCause follows gonja's (pkg/errors) wrapping down to the first error
// that is not a gonja wrapper, and returns it with the text of the
// wrappers above it (which holds "at line N").
func rootCause(err error) (error, string) {
	var wrappers strings.Builder
	for {
		if v, ok := err.(*exec.Value); ok && v.IsError() {
			if inner := errorOf(v); inner != err {
				err = inner
				continue
			}
		}
		c, ok := err.(interface{ Cause() error })
		if !ok || c.Cause() == nil {
			return err, wrappers.String()
		}
		cause := c.Cause()
		wrappers.WriteString(strings.TrimSuffix(err.Error(), cause.Error()))
		err = cause
	}
}

// humanize rewrites gonja's messages into Ansible's wording.
func humanize(err error) string {
	msg := err.Error()
	msg = reInvalidCall.ReplaceAllString(msg, "$1 $2: ")
	msg = reName.ReplaceAllString(msg, "'$1' is undefined")
	msg = reAttr.ReplaceAllStringFunc(msg, func(s string) string {
		m := reAttr.FindStringSubmatch(s)
		return fmt.Sprintf("'%s' is undefined: %s has no attribute '%s'", m[1], strings.TrimSuffix(m[1], "."+m[2]), m[2])
	})
	msg = reItem.ReplaceAllString(msg, "'$1' is undefined: no item '$2'")
	msg = reFilterMissed.ReplaceAllString(msg, "no filter named '$1'")
	return msg
}

// undefinedWord is the name or attribute an undefined-error is about.
func undefinedWord(err error) string {
	var u *undefinedError
	if errors.As(err, &u) {
		if u.attr != "" {
			return u.attr
		}
		return u.what
	}
	msg := err.Error()
	if m := reName.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	if m := reAttr.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// isUndefined reports whether v is an error saying a variable, attribute
// or item is undefined (what default() and "is defined" forgive).
func isUndefinedErr(err error) bool {
	if err == nil {
		return false
	}
	var u *undefinedError
	if errors.As(err, &u) {
		return true
	}
	root, _ := rootCause(err)
	if errors.As(root, &u) {
		return true
	}
	msg := root.Error()
	return reName.MatchString(msg) || reAttr.MatchString(msg) || reItem.MatchString(msg) ||
		strings.HasPrefix(msg, "Can't use getattr on None") || strings.HasPrefix(msg, "Can't use Getitem on None") ||
		strings.Contains(msg, "is undefined")
}

// undefinedError is hactl's own undefined value: a variable (what) or a
// missing dict key (attr). It carries no stack, unlike gonja's errors.
type undefinedError struct{ what, attr string }

func (u *undefinedError) Error() string {
	if u.attr != "" {
		return fmt.Sprintf("'dict object' has no attribute '%s'", u.attr)
	}
	return fmt.Sprintf("'%s' is undefined", u.what)
}
