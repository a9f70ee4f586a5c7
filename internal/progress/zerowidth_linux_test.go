package progress

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/civit/civit/internal/ptytest"
)

// A terminal that reports 0 columns (a fresh pseudo-terminal, a serial
// console, `script`, some `docker -t` sessions) still gets its bars: mpb
// drew them 0 columns wide, that is only "\r"s, for the whole download.
func TestZeroColumnTerminalGetsBars(t *testing.T) {
	m, tty := ptytest.Open(t)
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
	f.Abort(0)
	tr.Wait()
	tty.Close()
	m.Close() // ends the reader
	out := <-got
	if !strings.Contains(out, "zero_columns.safetensors") {
		t.Errorf("no bar drawn on a 0-column terminal: %q", out)
	}
}
