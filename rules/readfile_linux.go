package rules

import (
	"io"
	"os"
	"syscall"
)

// openFile opens the file at path to read, and returns its size when it
// is a regular file (else -1). On Linux it reads through the system
// calls themselves: [os.Open] also makes the descriptor non-blocking and
// tries to register it with the runtime's poller, which a regular file
// refuses, three more system calls a file that loading a tree of
// thousands of rules paid for each. The errors are those of os.Open and
// of an *os.File's Read.
func openFile(path string) (io.ReadCloser, int64, error) {
	var fd int
	for {
		var err error
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			break
		}
		if err != syscall.EINTR {
			return nil, 0, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		// not a regular file (a pipe, a device, a directory): an
		// *os.File reads it
		return os.NewFile(uintptr(fd), path), -1, nil
	}
	return &fdFile{fd: fd, path: path}, st.Size, nil
}

// fdFile reads a regular file by its descriptor.
type fdFile struct {
	fd   int
	path string
}

// Read is os.File's Read: io.EOF at the end, errors as *os.PathError.
func (f *fdFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(f.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: f.path, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *fdFile) Close() error { return syscall.Close(f.fd) }
