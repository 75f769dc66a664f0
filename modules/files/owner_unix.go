//go:build unix

package files

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// fileOwner returns the name of a controller file's owner ("" unknown).
func fileOwner(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	u, err := user.LookupId(strconv.Itoa(int(st.Uid)))
	if err != nil {
		return strconv.Itoa(int(st.Uid))
	}
	return u.Username
}
