package progress

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civit/civit/internal/ptytest"
)

// More files at once than the terminal has rows (-j 10 in a small tmux
// pane): a frame is at most one line shorter than the terminal, so the
// cursor can go back up over all of it. A frame as tall as the terminal
// scrolled it by a line, the cursor could not climb back over the top
// line, and every redraw left a stale bar in the scrollback.
func TestFramesFitAShortTerminal(t *testing.T) {
	const rows = 6
	tty, output := ptytest.Terminal(t, rows, 80)
	tr := New(tty, Options{TTY: true, Width: 80})
	var files []*File
	for i := range 10 {
		f := tr.File(fmt.Sprintf("file_%02d.safetensors", i), 10<<20)
		f.Start(10<<20, 0)
		f.Add(1 << 20)
		files = append(files, f)
	}
	time.Sleep(500 * time.Millisecond) // a few frames
	for _, f := range files {
		f.Abort(0)
	}
	tr.Wait()
	tty.Close()
	out := output()
	// Between two cursor movements, a frame: as many lines as the next
	// movement climbs, and fewer than the terminal's rows.
	frames := regexp.MustCompile(`\x1b\[(\d+)A\x1b\[J`).Split(out, -1)
	ups := regexp.MustCompile(`\x1b\[(\d+)A\x1b\[J`).FindAllStringSubmatch(out, -1)
	if len(ups) < 2 {
		t.Fatalf("no frame redrawn: %q", out)
	}
	for i, u := range ups {
		n, _ := strconv.Atoi(u[1])
		lines := strings.Count(frames[i], "\n")
		if n != lines || n > rows-1 {
			t.Fatalf("frame %d has %d lines, the cursor climbs %d, on a %d-row terminal:\n%q", i, lines, n, rows, frames[i])
		}
	}
}
