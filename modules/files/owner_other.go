//go:build !unix

package files

import "os"

// fileOwner is unknown where files have no Unix owner.
func fileOwner(os.FileInfo) string { return "" }
