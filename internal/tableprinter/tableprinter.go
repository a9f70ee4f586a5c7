// Package tableprinter prints rows either as an aligned table with upper-case
// headers (on a terminal) or as tab-separated values (when piped), after
// gh's tableprinter.
package tableprinter

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Printer collects rows and writes them on Render.
type Printer struct {
	w       io.Writer
	tty     bool
	width   int
	headers []string
	rows    [][]string
	// MaxWidths caps the width of columns on a terminal (0 = no cap).
	maxWidths map[int]int
	// pathCols are truncated in the middle, keeping the file name.
	pathCols map[int]bool
	// wholeCols are never cut to fit the terminal.
	wholeCols map[int]bool
	// headerStyle decorates header cells on a terminal (nil: none).
	headerStyle func(string) string
}

// New returns a Printer. On a terminal (tty) columns are aligned and
// truncated to fit width.
func New(w io.Writer, tty bool, width int, headers ...string) *Printer {
	return &Printer{w: w, tty: tty, width: width, headers: headers, maxWidths: map[int]int{}, pathCols: map[int]bool{}, wholeCols: map[int]bool{}}
}

// SetMaxWidth caps column col to n characters on a terminal.
func (p *Printer) SetMaxWidth(col, n int) { p.maxWidths[col] = n }

// SetPathColumn makes column col, which holds file paths, lose characters
// from the middle rather than the end when it must be cut on a terminal, so
// that the file name stays readable.
func (p *Printer) SetPathColumn(col int) { p.pathCols[col] = true }

// SetWhole keeps column col whole when the table must be cut to fit the
// terminal: the other columns lose more instead (a command to copy, an id
// to type). A table that still cannot fit wraps.
func (p *Printer) SetWhole(col int) { p.wholeCols[col] = true }

// SetHeaderStyle decorates the header cells on a terminal, e.g. with
// iostreams.ColorScheme.Bold when colour is enabled. style must not change
// the cells' printed width (ANSI escapes only).
func (p *Printer) SetHeaderStyle(style func(string) string) { p.headerStyle = style }

// AddRow adds one row; fields beyond the headers are kept. Control
// characters become spaces: names come from CivitAI's users, and an escape
// sequence in one must not reach the terminal (retitle it, clear it) nor a
// tab split a piped row.
func (p *Printer) AddRow(fields ...string) {
	row := make([]string, len(fields))
	for i, f := range fields {
		row[i] = Clean(f)
	}
	p.rows = append(p.rows, row)
}

// Clean replaces the control characters of s (C0, DEL, C1) with spaces,
// and bytes that are not UTF-8 (a lone 0x9b is CSI to some terminals)
// with U+FFFD. It drops the bidirectional controls (IsBidiControl): a
// right-to-left override in a prompt shows the text after it reversed.
func Clean(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, needsCleaning) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case isControl(r):
			return ' '
		case IsBidiControl(r):
			return -1
		}
		return r
	}, s)
}

// CleanText is Clean for text of several lines: newlines are kept.
func CleanText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return strings.Join(lines, "\n")
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func needsCleaning(r rune) bool { return isControl(r) || IsBidiControl(r) }

// IsBidiControl reports whether r changes the direction of the text
// around it: the embeddings, overrides and isolates (U+202A-202E,
// U+2066-2069) and the marks U+200E and U+200F. Server text loses them,
// so that what it shows is what it says.
func IsBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}

// Len is the number of rows added.
func (p *Printer) Len() int { return len(p.rows) }

// Render writes the table.
func (p *Printer) Render() error {
	if !p.tty {
		for _, r := range p.rows {
			if _, err := fmt.Fprintln(p.w, strings.Join(r, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	cols := len(p.headers)
	for _, r := range p.rows {
		cols = max(cols, len(r))
	}
	widths := make([]int, cols)
	all := append([][]string{upper(p.headers)}, p.rows...)
	for _, r := range all {
		for i, f := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(f))
		}
	}
	for i, n := range p.maxWidths {
		if i < cols && n > 0 && widths[i] > n {
			widths[i] = n
		}
	}
	// Shrink the widest column until the table fits the terminal, but no
	// column below minCut cells: short cells (a size, a date, a type) are
	// never cut, as "200.2 K…" says nothing; a table that cannot fit
	// wraps instead.
	if p.width > 0 {
		for total(widths) > p.width {
			wi := -1
			for i := range widths {
				if !p.wholeCols[i] && (wi < 0 || widths[i] > widths[wi]) {
					wi = i
				}
			}
			if wi < 0 || widths[wi] <= minCut {
				break
			}
			widths[wi]--
		}
	}
	for ri, r := range all {
		var b strings.Builder
		cell := func(i int) string {
			if i < len(r) {
				return r[i]
			}
			return ""
		}
		for i := 0; i < cols; {
			// A cell may run on over the empty cells after it ("(not
			// found on CivitAI)" in a row with nothing else to say).
			span, next := widths[i], i+1
			for ri > 0 && next < cols && cell(next) == "" {
				span += widths[next] + 2
				next++
			}
			f := cell(i)
			if p.pathCols[i] {
				f = truncateMiddle(f, span)
			} else {
				f = truncate(f, span)
			}
			pad := span - runewidth.StringWidth(f) + 2
			if ri == 0 && p.headerStyle != nil {
				f = p.headerStyle(f)
			}
			b.WriteString(f)
			if next < cols {
				b.WriteString(strings.Repeat(" ", pad))
			}
			i = next
		}
		if _, err := fmt.Fprintln(p.w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// minCut is the narrowest a column is cut to: wide enough for any size
// ("1023.9 MiB"), date or type name whole, and for a name's start.
const minCut = 12

func total(widths []int) int {
	n := 0
	for _, w := range widths {
		n += w + 2
	}
	return n - 2
}

func upper(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// truncate cuts s to n terminal cells (wide CJK characters take two).
func truncate(s string, n int) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	return runewidth.Truncate(s, n, "…")
}

// truncateMiddle cuts a path to n terminal cells by replacing characters
// in its middle with "…": it keeps the whole file name when it fits, with
// as much of the folders as fits before it, else only the file name, cut in
// its middle (its start names the model, its end the version and
// extension).
func truncateMiddle(s string, n int) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	if n <= 1 {
		return truncate(s, n)
	}
	base := s
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		base = s[i:] // with its separator
	}
	if bw := runewidth.StringWidth(base); bw <= n-1 {
		return runewidth.Truncate(s, n-1-bw, "") + "…" + base
	}
	base = strings.TrimLeft(base, `/\`)
	if runewidth.StringWidth(base) <= n {
		return base
	}
	headW := (n - 1) / 2
	return runewidth.Truncate(base, headW, "") + "…" + LastCells(base, n-1-headW)
}

// LastCells returns the longest suffix of s at most n cells wide.
func LastCells(s string, n int) string {
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

// Time formats t for a table: relative ("3 days ago") on a terminal,
// RFC 3339 otherwise; "" for the zero time.
func Time(t time.Time, tty bool, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if !tty {
		return t.UTC().Format(time.RFC3339)
	}
	return Relative(t, now)
}

// Relative formats how long ago t was.
func Relative(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in the future"
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	case d < 365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month") + " ago"
	}
	return plural(int(d.Hours()/24/365), "year") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Count formats a large number compactly on a terminal (12.3k, 4.5M) and
// exactly otherwise; "" for nil (hidden by the creator).
func Count(n *int64, tty bool) string {
	if n == nil {
		return ""
	}
	v := *n
	if !tty {
		return fmt.Sprint(v)
	}
	switch {
	case v >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(v)/1e6)
	case v >= 10_000:
		return fmt.Sprintf("%.0fk", float64(v)/1e3)
	case v >= 1_000:
		return fmt.Sprintf("%.1fk", float64(v)/1e3)
	}
	return fmt.Sprint(v)
}

// Bytes formats a size in binary units (1.5 GiB).
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
