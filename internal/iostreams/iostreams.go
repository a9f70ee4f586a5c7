// Package iostreams holds civit's standard streams and the facts about them
// that decide how output looks: whether each stream is a terminal, whether
// colour is wanted, and how wide the terminal is.
//
// Results go to Out (stdout); progress, warnings and errors go to ErrOut
// (stderr). Commands never call os.Stdout directly. A write to stderr
// never fails (System's ErrOut drops what cannot be written): a closed
// terminal or a reader that quit must not stop a download.
package iostreams

import (
	"bytes"
	"context"
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
	errColour bool
	width     int
	// dumb: TERM=dumb (Emacs's shell, some IDE consoles), a terminal that
	// shows escape sequences as text: no colour, no redrawn lines.
	dumb bool

	// readNoEcho reads a line from the terminal without echoing it; nil
	// unless stdin really is a terminal.
	readNoEcho func(context.Context) ([]byte, error)
}

// System returns streams bound to the process's stdin, stdout and stderr.
// CIVIT_FORCE_TTY=1 (or a number, taken as the width) makes civit behave as
// on a terminal, for demos and tests: stdin included, so that civit asks
// its questions (and reads the answers from stdin).
func System() *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: &lossyWriter{f: os.Stderr}, width: 80}
	outTTY, errTTY := isTerminal(os.Stdout), isTerminal(os.Stderr)
	ios.init(os.Getenv, isTerminal(os.Stdin), outTTY, errTTY, func() int {
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		if err != nil {
			return 0
		}
		return w
	})
	ios.dropColourWithoutVT(outTTY && !enableVT(os.Stdout), errTTY && !enableVT(os.Stderr))
	if isTerminal(os.Stdin) {
		fd := int(os.Stdin.Fd())
		ios.readNoEcho = func(ctx context.Context) ([]byte, error) { return readPassword(ctx, fd) }
	}
	ios.TrackOutErrors()
	return ios
}

// dropColourWithoutVT turns colour off on a stream whose terminal cannot
// show escape sequences (an old Windows console), where they would print
// as "←[1m" garbage. Piped output keeps CLICOLOR_FORCE's colour.
func (s *IOStreams) dropColourWithoutVT(outNoVT, errNoVT bool) {
	s.colour = s.colour && !outNoVT
	s.errColour = s.errColour && !errNoVT
}

// init sets the terminal and colour facts from the environment and from
// whether each stream really is a terminal; width asks the terminal for
// its width.
//
// Colour follows gh: on when the stream is a real terminal, unless NO_COLOR
// is set, CLICOLOR=0 or TERM=dumb; CLICOLOR_FORCE (not "0") turns it on
// even when piped. CIVIT_FORCE_TTY does not turn colour on, so forced-terminal output
// (demos, tests) stays plain text.
func (s *IOStreams) init(getenv func(string) string, stdinTTY, stdoutTTY, stderrTTY bool, width func() int) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdinTTY, stdoutTTY, stderrTTY
	if stdoutTTY {
		if w := width(); w > 0 {
			s.width = w
		}
	}
	forced, disabled := colourEnv(getenv)
	s.dumb = getenv("TERM") == "dumb"
	disabled = disabled || s.dumb
	s.colour = forced || (stdoutTTY && !disabled)
	s.errColour = forced || (stderrTTY && !disabled)
	if v := getenv("CIVIT_FORCE_TTY"); v != "" && v != "0" && v != "false" {
		s.stdinTTY, s.stdoutTTY, s.stderrTTY = true, true, true
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			s.width = n
		}
	}
}

// colourEnv reads CLICOLOR_FORCE (forced) and NO_COLOR / CLICOLOR=0
// (disabled); forced wins, as in gh.
func colourEnv(getenv func(string) string) (forced, disabled bool) {
	forced = getenv("CLICOLOR_FORCE") != "" && getenv("CLICOLOR_FORCE") != "0"
	disabled = getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0"
	return forced, disabled
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

// CanAnimate reports whether stderr may show progress drawn in place
// (bars, a status line rewritten with "\r"): a terminal, and not one that
// prints escape sequences as text (TERM=dumb), which gets the plain
// lines a pipe gets.
func (s *IOStreams) CanAnimate() bool { return s.stderrTTY && !s.dumb }

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// CanPrompt reports whether civit may ask the user a question.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// ColorEnabled reports whether stdout output may use ANSI colours.
func (s *IOStreams) ColorEnabled() bool { return s.colour }

// ErrColorEnabled reports whether stderr output may use ANSI colours.
func (s *IOStreams) ErrColorEnabled() bool { return s.errColour }

// ErrColorScheme styles text for stderr: plain when colour is off there.
func (s *IOStreams) ErrColorScheme() ColorScheme { return ColorScheme{Enabled: s.errColour} }

// ColorScheme styles text for stdout: plain when colour is off.
func (s *IOStreams) ColorScheme() ColorScheme { return ColorScheme{Enabled: s.colour} }

// TerminalWidth is the width of the terminal, or 80.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetColorEnabled overrides the colour facts of stdout and stderr (tests).
func (s *IOStreams) SetColorEnabled(v bool) { s.colour, s.errColour = v, v }

// SetStdoutTTY overrides the stdout terminal fact (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides the stderr terminal fact (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetStdinTTY overrides the stdin terminal fact (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// ColorScheme wraps text in ANSI styles when Enabled, and returns it
// unchanged otherwise.
type ColorScheme struct{ Enabled bool }

func (c ColorScheme) style(code, t string) string {
	if !c.Enabled || t == "" {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

// Bold is for table headers.
func (c ColorScheme) Bold(t string) string { return c.style("1", t) }

// Red is for "civit: error:".
func (c ColorScheme) Red(t string) string { return c.style("31", t) }

// Cyan is for "civit: hint:".
func (c ColorScheme) Cyan(t string) string { return c.style("36", t) }
