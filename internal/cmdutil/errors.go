// Package cmdutil holds what every civit command shares: the Factory of
// lazily built dependencies, the error types that the CLI maps to exit
// codes, and small helpers for flags and output.
package cmdutil

import (
	"errors"
	"fmt"
)

// FlagError is a usage error: bad flags or arguments. It exits with 2 and
// reminds the user of the command's usage.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// InputError is bad data the user gave (a list of targets, ids that disagree). It
// exits with 2 like a FlagError, without the usage: the mistake is in the
// data, not in the command line.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// HintError carries a line of advice printed as "civit: hint: ..." after
// the error.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// HiddenModelHint is the advice for an id CivitAI's API does not know:
// the API hides brand-new and just-edited models for hours or days while
// the site shows them (civitai-api.md §2.2), so a 404 is not proof.
const HiddenModelHint = "if civitai.com shows it, its API may still be hiding a new or just-edited model: try again later"

// WithHint wraps err with a hint. A nil err stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// PartialError reports that some of the items a command worked on failed
// (each failure has already been printed). It exits with 3, or with Code
// when that is set (every item failed for want of an API key: 4).
type PartialError struct {
	Failed, Total int
	What          string // e.g. "lookups", "queries"
	Code          int
}

func (e *PartialError) Error() string {
	what := e.What
	if what == "" {
		what = "items"
	}
	return fmt.Sprintf("%d of %d %s failed", e.Failed, e.Total, what)
}

// ErrSilent exits with 1 without printing anything more; the command has
// already said what went wrong.
var ErrSilent = errors.New("silent error")
