package yamlx

import "fmt"

// Error is a decoding error at a source position. Line and Column are
// 1-based; zero means unknown.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error formats the error as file:line:column: message, leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	pos := e.File
	if e.Line > 0 {
		if pos != "" {
			pos += ":"
		}
		pos += fmt.Sprint(e.Line)
		if e.Column > 0 {
			pos += fmt.Sprintf(":%d", e.Column)
		}
	}
	if pos == "" {
		return e.Msg
	}
	return pos + ": " + e.Msg
}
