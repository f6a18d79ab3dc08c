//go:build !unix

package limits

import "os"

// openNonBlocking opens path for reading; systems without O_NONBLOCK have
// no FIFOs in the file system to block on.
func openNonBlocking(path string) (*os.File, error) {
	return os.Open(path)
}
