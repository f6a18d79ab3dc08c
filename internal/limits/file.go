package limits

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// DefaultMaxFileSize is the largest input file any command reads unless
// told otherwise: far above any real rule file, spec, test file or config,
// far below what would exhaust memory.
const DefaultMaxFileSize = 32 << 20

// TooLargeError says that an input was over its size limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.Path, e.Limit)
}

// NotRegularError says that an input is a device, FIFO, socket or
// directory (after following symlinks): reading one can block for ever or
// never end, so no command reads them as files.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, describeMode(e.Mode))
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeDir != 0:
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// ReadFile is the one way commands read an input file: it refuses what is
// not a regular file once symlinks are followed (without blocking on a
// FIFO) and a file over max bytes (max <= 0 means DefaultMaxFileSize),
// checking both the size the file claims and the bytes it yields, since
// files under /proc and growing files lie about their size. Errors are a
// *TooLargeError, a *NotRegularError or the *fs.PathError of the open.
func ReadFile(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: info.Mode()}
	}
	if info.Size() > max {
		return nil, &TooLargeError{Path: path, Limit: max}
	}
	return readAll(f, path, max, info.Size())
}

// ReadAll reads r (standard input, a git blob) to its end, refusing more
// than max bytes (max <= 0 means DefaultMaxFileSize); name says what r is
// in the error.
func ReadAll(r io.Reader, name string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	return readAll(r, name, max, 0)
}

func readAll(r io.Reader, name string, max, sizeHint int64) ([]byte, error) {
	b := make([]byte, 0, min(sizeHint, max)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, &TooLargeError{Path: name, Limit: max}
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// IsLimit reports whether err is one of this package's refusals (too
// large, not a regular file), as opposed to an I/O error.
func IsLimit(err error) bool {
	var tl *TooLargeError
	var nr *NotRegularError
	return errors.As(err, &tl) || errors.As(err, &nr)
}
