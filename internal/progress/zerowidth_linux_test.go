package progress

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A terminal that reports 0 columns (a fresh pseudo-terminal, a serial
// console, `script`, some `docker -t` sessions) still gets its bars: mpb
// drew them 0 columns wide, that is only "\r"s, for the whole download.
func TestZeroColumnTerminalGetsBars(t *testing.T) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	defer m.Close()
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{}); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			k, err := m.Read(buf)
			b.Write(buf[:k])
			if err != nil {
				break
			}
		}
		got <- b.String()
	}()
	tr := New(tty, Options{TTY: true, Width: 80})
	f := tr.File("zero_columns.safetensors", 10<<20)
	f.Start(10<<20, 0)
	f.Add(5 << 20)
	time.Sleep(400 * time.Millisecond) // a few frames
	f.Abort()
	tr.Wait()
	tty.Close()
	m.Close()
	out := <-got
	if !strings.Contains(out, "zero_columns.safetensors") {
		t.Errorf("no bar drawn on a 0-column terminal: %q", out)
	}
}
