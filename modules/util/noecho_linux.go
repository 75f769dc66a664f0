//go:build linux

package util

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// noEcho turns off echo on the terminal behind in and returns a function
// restoring it. It fails when in is not a terminal.
func noEcho(in io.Reader) (func(), error) {
	f, ok := in.(*os.File)
	if !ok {
		return nil, errors.New("not a terminal")
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }, nil
}
