//go:build unix

package scan

import (
	"os"
	"syscall"
)

// openFile opens path for reading without blocking: a file swapped for a
// named pipe after the walk must not hang the scan.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
