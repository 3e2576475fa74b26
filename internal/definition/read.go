package definition

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// describeNonFile says what path is when it is there but is not a regular
// file one can read, and how to fix it; "" when it is a regular file. A
// path that is not there at all is reported as missing (ok false), so that
// optional files can be told apart from broken ones.
func describeNonFile(path string) (msg string, exists bool) {
	lfi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		return fmt.Sprintf("cannot read: %v", pathErr(err)), true
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil && errors.Is(err, syscall.ELOOP):
		return "this is a symbolic link that loops back on itself; fix or remove the link", true
	case err != nil && errors.Is(err, fs.ErrNotExist) && lfi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Sprintf("this is a symbolic link to %s, which does not exist; fix or remove the link", target), true
	case err != nil:
		return fmt.Sprintf("cannot read: %v", pathErr(err)), true
	case fi.IsDir():
		return "this is a directory, not a file; rename or remove the directory, and put the definition in a plain file of this name", true
	case !fi.Mode().IsRegular():
		return fmt.Sprintf("this is %s, not a file; a definition must be a plain file", typeName(fi.Mode())), true
	}
	return "", true
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// readDefinition reads a definition file that the walk found, checking its
// type and size before reading: a named pipe would block, and a huge file
// must not be read whole only to be refused.
func readDefinition(path string) ([]byte, *Problem) {
	problem := func(format string, args ...any) *Problem {
		return &Problem{Pos: Pos{File: path}, Msg: fmt.Sprintf(format, args...)}
	}
	if msg, _ := describeNonFile(path); msg != "" {
		return nil, problem("%s", msg)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, problem("cannot read: %v", pathErr(err))
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	if fi, err := f.Stat(); err == nil && fi.Size() > maxFileSize {
		return nil, problem("%s", tooBig(fi.Size()))
	}
	// The file may grow between Stat and reading it: read one byte more
	// than allowed to notice.
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, problem("cannot read: %v", pathErr(err))
	}
	if len(data) > maxFileSize {
		return nil, problem("%s", tooBig(int64(len(data))))
	}
	return data, nil
}

func tooBig(size int64) string {
	if size > maxFileSize {
		return fmt.Sprintf("the file is %d bytes, more than the %d a definition may have; is it the right file?", size, maxFileSize)
	}
	return ""
}
