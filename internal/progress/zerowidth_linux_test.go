package progress

import (
	"strings"
	"testing"
	"time"

	"github.com/civit/civit/internal/ptytest"
)

// A terminal that reports 0 columns (a fresh pseudo-terminal, a serial
// console, `script`, some `docker -t` sessions) still gets its bars: mpb
// drew them 0 columns wide, that is only "\r"s, for the whole download.
func TestZeroColumnTerminalGetsBars(t *testing.T) {
	tty, output := ptytest.Terminal(t, 0, 0)
	tr := New(tty, Options{TTY: true, Width: 80})
	f := tr.File("zero_columns.safetensors", 10<<20)
	f.Start(10<<20, 0)
	f.Add(5 << 20)
	time.Sleep(400 * time.Millisecond) // a few frames
	f.Abort(0)
	tr.Wait()
	tty.Close()
	out := output()
	if !strings.Contains(out, "zero_columns.safetensors") {
		t.Errorf("no bar drawn on a 0-column terminal: %q", out)
	}
}
