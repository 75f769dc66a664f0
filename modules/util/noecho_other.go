//go:build !linux

package util

import (
	"errors"
	"io"
)

// noEcho is only implemented on Linux; elsewhere input stays visible.
func noEcho(io.Reader) (func(), error) {
	return nil, errors.New("hiding input is not supported on this system")
}
