//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package iostreams

import (
	"io"

	"golang.org/x/sys/unix"
)

// readLineNoEcho reads one line from the terminal fd with echo off, as
// term.ReadPassword does, except that Ctrl-D ends the input: the
// terminal's read then returns 0 bytes, which term.ReadPassword reads as
// nothing and waits on, so the next line typed (`ls`, taken for the shell)
// became the API key. The terminal edits the line itself (canonical mode).
func readLineNoEcho(fd int) ([]byte, error) {
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	st := *old
	st.Lflag &^= unix.ECHO
	st.Lflag |= unix.ICANON | unix.ISIG
	st.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &st); err != nil {
		return nil, err
	}
	defer unix.IoctlSetTermios(fd, ioctlSetTermios, old)
	var line []byte
	var buf [256]byte
	for {
		n, err := unix.Read(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return line, err
		}
		if n == 0 { // Ctrl-D: the end of the input
			if len(line) > 0 {
				return line, nil
			}
			return nil, io.EOF
		}
		for _, c := range buf[:n] {
			if c == '\n' {
				return line, nil
			}
			if c != '\r' {
				line = append(line, c)
			}
		}
		if n < len(buf) {
			// A canonical read ends at a newline or at Ctrl-D; without
			// the newline, the key was ended by Ctrl-D.
			return line, nil
		}
	}
}
