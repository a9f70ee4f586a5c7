package cmdutil

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/civit/civit/internal/tableprinter"
)

// Failures lists the failed items of a command that works on several: each
// on its own "civit: error:" line as it is added, then, from Err, the
// advice for them, each hint once (twenty files refused for want of a key
// need one "set CIVITAI_API_KEY"), the same hints and exit codes as a
// single failure gets.
type Failures struct {
	f     *Factory
	n     int
	hints []string
	more  map[string]int // hints that differ from a kept one only in numbers (dates)
	codes []int
}

// NewFailures starts an empty list printing to f's stderr.
func NewFailures(f *Factory) *Failures { return &Failures{f: f} }

// Add prints one failure, labelled (a file, a model, a query; "" for none).
func (l *Failures) Add(label string, err error) {
	msg, hints, code := err.Error(), []string(nil), 1
	if l.f.Explain != nil {
		msg, hints, code = l.f.Explain(err)
	}
	// No terminal escapes: labels are file names (one line). The message
	// keeps its own lines (a listing of the files there are).
	msg = tableprinter.CleanText(msg)
	if label != "" {
		msg = tableprinter.Clean(label) + ": " + msg
	}
	cs := l.f.IOStreams.ErrColorScheme()
	fmt.Fprintf(l.f.IOStreams.ErrOut, "%s %s\n", cs.Red("civit: error:"), msg)
	l.n++
	l.codes = append(l.codes, code)
	for _, h := range hints {
		switch i := slices.IndexFunc(l.hints, func(k string) bool { return shape(k) == shape(h) }); {
		case i < 0:
			l.hints = append(l.hints, h)
		case l.hints[i] != h: // "early access until <another date>"
			if l.more == nil {
				l.more = map[string]int{}
			}
			l.more[l.hints[i]]++
		}
	}
}

// dateOrWait matches the dates and durations a hint may carry
// (2036-07-01 22:00 UTC, 10m0s).
var dateOrWait = regexp.MustCompile(`\d{4}-\d\d-\d\d( \d\d:\d\d( [A-Z]+)?)?|\b(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms)\b|\b\d+h(\d+m)?\b|\b\d+m\b`)

// shape is h with its dates and durations blanked: hints that differ only
// in those are one piece of advice (ids are not blanked: "download 998"
// and "download 999" are two).
func shape(h string) string { return dateOrWait.ReplaceAllString(h, "#") }

// Len is the number of failures added.
func (l *Failures) Len() int { return l.n }

// Err prints the hints and returns the error the command exits with: nil
// when nothing failed, else a *PartialError: failed of total items (an
// item, a model say, may have had several failures). When every item
// failed, the exit code is 1, not 3; when each was added here and for a
// reason with its own exit code (4: an API key is needed or refused),
// that code.
func (l *Failures) Err(failed, total int, what string) error {
	if failed == 0 && l.n == 0 {
		return nil
	}
	cs := l.f.IOStreams.ErrColorScheme()
	for _, h := range l.hints {
		if n := l.more[h]; n > 0 {
			h += fmt.Sprintf(" (and %d more like it)", n)
		}
		fmt.Fprintf(l.f.IOStreams.ErrOut, "%s %s\n", cs.Cyan("civit: hint:"), h)
	}
	failed = max(failed, 1)
	e := &PartialError{Failed: failed, Total: max(total, failed), What: what}
	switch {
	case failed < e.Total: // some, not all: ExitPartial
	case len(l.codes) >= failed && l.codes[0] > 3 && !slices.ContainsFunc(l.codes, func(c int) bool { return c != l.codes[0] }):
		e.Code = l.codes[0]
	default:
		e.Code = 1 // nothing succeeded: not a partial failure
	}
	return e
}
