package progress

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
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
	// fullRight is room for " 999.9 MiB / 999.9 MiB 999.9 KiB/s 59m59s",
	// briefRight for " 51% 999.9 KiB/s 59m59s": the space mpb puts
	// before the right column included.
	fullRight  = 41
	briefRight = 23
	// barName is the name's room from which the bar and the counters are
	// drawn: under it the name gets the room they would take.
	barName = 24
	// fullFrom is the narrowest line with room for a barName name and its
	// space, the bar (minBar and a space either side) and the counters.
	fullFrom = barName + 1 + minBar + 2 + fullRight
)

// nameWidth is the widest name shown on a line w cells wide. From fullFrom
// cells on, the bar and the counters keep their room and the name grows
// with w; under it the line has the percentage, speed and time left, and
// the name gets everything else. Never more than maxName nor less than
// minName.
func nameWidth(w int) int {
	if w >= fullFrom {
		return min(maxName, w-fullFrom+barName)
	}
	return max(minName, min(maxName, w-briefRight-1))
}

// line lays out one bar's line: its right column decides, from the room
// the name left, whether the bar is drawn, so that the bar does not come
// and go as the right column's text grows and shrinks.
type line struct{ bar atomic.Bool }

// right is the right column in avail cells (mpb's space before it
// included): "done / total extra..." when the counters and a bar fit, else
// "pct% extra..." and no bar. What does not fit is left out from the
// first extra on (the speed before the time left), never cut: a cut "1m…"
// says nothing.
func (l *line) right(avail int, done, total int64, extra ...string) string {
	extra = slices.DeleteFunc(slices.Clone(extra), func(s string) bool { return s == "" })
	if total > 0 && avail >= fullRight+minBar+2 {
		s := fitRight(avail, tableprinter.Bytes(done)+" / "+tableprinter.Bytes(total), extra)
		// The counters with no room left for the bar say less than the
		// percentage, the speed and the time left.
		if cellWidth(s)+1+minBar+2 <= avail {
			l.bar.Store(true)
			return s
		}
	}
	l.bar.Store(false)
	if total <= 0 {
		return fitRight(avail, tableprinter.Bytes(done), extra)
	}
	return fitRight(avail, fmt.Sprintf("%d%%", min(done*100/total, 100)), extra)
}

// fitRight joins head and extra with spaces, leaving out extras from the
// first on until the text and the space before it fit in avail cells.
func fitRight(avail int, head string, extra []string) string {
	for {
		s := strings.Join(append([]string{head}, extra...), " ")
		if len(extra) == 0 || cellWidth(s)+1 <= avail {
			return s
		}
		extra = extra[1:]
	}
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

// notFull is the most of st.Total a bar filled in st.AvailableWidth cells
// can show without being drawn full.
func notFull(st decor.Statistics) int64 {
	cells := int64(min(st.AvailableWidth, cmp.Or(st.RequestedWidth, st.AvailableWidth))) - 2 // the brackets
	if cells <= 1 {
		return 0
	}
	// PercentageRound rounds: under (cells-0.5)/cells of the total.
	return st.Total * (2*cells - 2) / (2 * cells)
}

func cellWidth(s string) int { return runewidth.StringWidth(s) }

// fitName cuts name to n terminal cells (wide CJK characters take two) in
// its middle, so that its end stays: the extension whole, and as much of
// the rest of the end (fp16/fp32, a version) as of its start. Where the
// extension leaves too little room, it goes and the stem's end stays.
func fitName(name string, n int) string {
	if cellWidth(name) <= n {
		return name
	}
	if n <= 1 {
		return runewidth.Truncate(name, n, "")
	}
	ext := filepath.Ext(name)
	stem := name[:len(name)-len(ext)]
	switch {
	case len(ext) > 16 || stem == "":
		ext, stem = "", name // no extension
	case n-1-cellWidth(ext) < 6:
		// No room for the extension and the end before it: the end of
		// the stem (fp16, fp32, a version) tells files apart, the
		// extension does not.
		ext = ""
	}
	budget := n - 1 - cellWidth(ext)
	tail := tableprinter.LastCells(stem, (budget+1)/2)
	head := runewidth.Truncate(stem, budget-cellWidth(tail), "")
	return head + "…" + tail + ext
}
