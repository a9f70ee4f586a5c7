//go:build linux

// Package ptytest opens pseudo-terminals for tests of what civit does on
// a terminal: reading a key without echo, drawing progress bars.
package ptytest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Open returns a pseudo-terminal's two ends, closed when the test ends:
// what a user types is written to master, the program reads and writes
// tty. A new terminal reports 0 columns and rows. It skips the test where
// there are no pseudo-terminals.
func Open(t testing.TB) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// Terminal opens a pseudo-terminal of rows x cols (0 x 0: one that reports
// no size, as a fresh one does) and collects everything the program writes
// to tty. Close the tty end, then call the returned function for the output.
func Terminal(t testing.TB, rows, cols uint16) (tty *os.File, output func() string) {
	t.Helper()
	m, tty := Open(t)
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			k, err := m.Read(buf)
			b.Write(buf[:k])
			if err != nil { // EIO once the tty end is closed
				break
			}
		}
		got <- b.String()
	}()
	return tty, func() string {
		m.Close() // ends the reader if the tty end is still open
		return <-got
	}
}
