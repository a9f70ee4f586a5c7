// Package iostreams holds civit's standard streams and the facts about them
// that decide how output looks: whether each stream is a terminal, whether
// colour is wanted, and how wide the terminal is.
//
// Results go to Out (stdout); progress, warnings and errors go to ErrOut
// (stderr). Commands never call os.Stdout directly.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command reads and writes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	colour    bool
	width     int
}

// System returns streams bound to the process's stdin, stdout and stderr.
// CIVIT_FORCE_TTY=1 (or a number, taken as the width) makes civit behave as
// on a terminal, for demos and tests: stdin included, so that civit asks
// its questions (and reads the answers from stdin).
func System() *IOStreams {
	ios := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		width:     80,
	}
	if ios.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			ios.width = w
		}
	}
	if v := os.Getenv("CIVIT_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		ios.stdinTTY, ios.stdoutTTY, ios.stderrTTY = true, true, true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			ios.width = n
		}
	}
	ios.colour = ios.stdoutTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("CLICOLOR") != "0"
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		ios.colour = true
	}
	return ios
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// CanPrompt reports whether civit may ask the user a question.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// ColorEnabled reports whether stdout output may use ANSI colours.
func (s *IOStreams) ColorEnabled() bool { return s.colour }

// TerminalWidth is the width of the terminal, or 80.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetStdoutTTY overrides the stdout terminal fact (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides the stderr terminal fact (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetStdinTTY overrides the stdin terminal fact (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }
