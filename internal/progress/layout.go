package progress

import (
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"

	"github.com/mattn/go-runewidth"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/civit/civit/internal/tableprinter"
)

// A bar's line is "NAME [=====>-----] RIGHT": the name fitted to the
// terminal's width, the bar in what is left (at most barWidth, none under
// minBar), and on the right the counters, speed and time left, or on a
// narrow line the percentage, speed and time left: those say more than a
// bar does.
const (
	barWidth = 40
	minBar   = 10
	maxName  = 48
	minName  = 8
	// fullRight is room for "123.4 MiB / 123.4 MiB 12.3 MiB/s 1m30s",
	// briefRight for " 51% 12.3 MiB/s 1m30s".
	fullRight  = 36
	briefRight = 18
)

// nameWidth is the widest name shown on a line w cells wide: room for the
// bar and the counters from 74 cells on, then for the percentage, speed
// and time left; never more than maxName nor less than minName. It grows
// with w.
func nameWidth(w int) int {
	return max(minName, min(maxName, max(w-fullRight-minBar-4, min(24, w-briefRight-2))))
}

// line lays out one bar's line: its right column decides, from the room
// the name left, whether the bar is drawn, so that the bar does not come
// and go as the right column's text grows and shrinks.
type line struct{ bar atomic.Bool }

// right is the right column in avail cells: "done / total extra" when the
// counters and a bar fit, else "pct% extra" and no bar.
func (l *line) right(avail int, done, total int64, extra string) string {
	sep := ""
	if extra != "" {
		sep = " "
	}
	full := avail >= fullRight+minBar+3
	l.bar.Store(full && total > 0)
	switch {
	case total <= 0:
		return tableprinter.Bytes(done) + sep + extra
	case full:
		return tableprinter.Bytes(done) + " / " + tableprinter.Bytes(total) + sep + extra
	}
	return fmt.Sprintf("%d%%", min(done*100/total, 100)) + sep + extra
}

// filler draws base only where right said there is room for it.
func (l *line) filler(base mpb.BarFiller) mpb.BarFiller {
	return mpb.BarFillerFunc(func(w io.Writer, st decor.Statistics) error {
		if !l.bar.Load() || st.AvailableWidth < minBar {
			return nil
		}
		return base.Fill(w, st)
	})
}

func cellWidth(s string) int { return runewidth.StringWidth(s) }

// fitName cuts name to n terminal cells (wide CJK characters take two) in
// its middle, so that its end stays: the extension whole, and as much of
// the rest of the end (fp16/fp32, a version) as of its start.
func fitName(name string, n int) string {
	if cellWidth(name) <= n {
		return name
	}
	if n <= 1 {
		return runewidth.Truncate(name, n, "")
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 || n-1-cellWidth(ext) < 6 {
		ext = "" // no extension, or no room for one and the end before it
	}
	stem := name[:len(name)-len(ext)]
	budget := n - 1 - cellWidth(ext)
	tail := lastCells(stem, (budget+1)/2)
	head := runewidth.Truncate(stem, budget-cellWidth(tail), "")
	return head + "…" + tail + ext
}

// lastCells returns the longest suffix of s at most n cells wide.
func lastCells(s string, n int) string {
	rs := []rune(s)
	w, i := 0, len(rs)
	for i > 0 {
		rw := runewidth.RuneWidth(rs[i-1])
		if w+rw > n {
			break
		}
		w += rw
		i--
	}
	return string(rs[i:])
}
