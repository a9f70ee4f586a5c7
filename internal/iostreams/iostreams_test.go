package iostreams

import (
	"context"
	"testing"
)

func TestColourFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		env                  map[string]string
		stdoutTTY, stderrTTY bool
		wantOut, wantErr     bool
		wantStdoutTTY        bool
		noVT                 bool // the terminals cannot show escapes (old Windows console)
		wantStill            bool // progress drawn as lines, not animated
	}{
		{name: "terminals", stdoutTTY: true, stderrTTY: true, wantOut: true, wantErr: true, wantStdoutTTY: true},
		{name: "piped"},
		{name: "stdout piped, stderr a terminal", stderrTTY: true, wantErr: true},
		{name: "NO_COLOR", env: map[string]string{"NO_COLOR": "1"}, stdoutTTY: true, stderrTTY: true, wantStdoutTTY: true},
		{name: "CLICOLOR=0", env: map[string]string{"CLICOLOR": "0"}, stdoutTTY: true, stderrTTY: true, wantStdoutTTY: true},
		{name: "CLICOLOR=1 changes nothing", env: map[string]string{"CLICOLOR": "1"}, wantOut: false},
		{name: "CLICOLOR_FORCE when piped", env: map[string]string{"CLICOLOR_FORCE": "1"}, wantOut: true, wantErr: true},
		{name: "CLICOLOR_FORCE=0", env: map[string]string{"CLICOLOR_FORCE": "0"}},
		{name: "CLICOLOR_FORCE wins over NO_COLOR", env: map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, wantOut: true, wantErr: true},
		// Forced-terminal output (demos, scripts) stays plain text.
		{name: "CIVIT_FORCE_TTY", env: map[string]string{"CIVIT_FORCE_TTY": "1"}, wantStdoutTTY: true},
		// A dumb terminal (Emacs's shell) prints escapes as text: no
		// colour, and progress as lines.
		{name: "TERM=dumb", env: map[string]string{"TERM": "dumb"}, stdoutTTY: true, stderrTTY: true, wantStdoutTTY: true, wantStill: true},
		{name: "TERM=dumb, CLICOLOR_FORCE", env: map[string]string{"TERM": "dumb", "CLICOLOR_FORCE": "1"}, stdoutTTY: true, stderrTTY: true, wantOut: true, wantErr: true, wantStdoutTTY: true, wantStill: true},
		{name: "console without escape sequences", stdoutTTY: true, stderrTTY: true, noVT: true, wantStdoutTTY: true},
		{name: "console without escapes, CLICOLOR_FORCE into a pipe", env: map[string]string{"CLICOLOR_FORCE": "1"}, stderrTTY: true, noVT: true, wantOut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios := &IOStreams{width: 80}
			ios.init(func(k string) string { return tt.env[k] }, false, tt.stdoutTTY, tt.stderrTTY, func() int { return 100 })
			ios.dropColourWithoutVT(tt.stdoutTTY && tt.noVT, tt.stderrTTY && tt.noVT) // as System does
			if ios.ColorEnabled() != tt.wantOut || ios.ErrColorEnabled() != tt.wantErr || ios.IsStdoutTTY() != tt.wantStdoutTTY {
				t.Errorf("colour %v, stderr colour %v, stdout TTY %v; want %v, %v, %v",
					ios.ColorEnabled(), ios.ErrColorEnabled(), ios.IsStdoutTTY(), tt.wantOut, tt.wantErr, tt.wantStdoutTTY)
			}
			if want := ios.IsStderrTTY() && !tt.wantStill; ios.CanAnimate() != want {
				t.Errorf("CanAnimate() = %v, want %v", ios.CanAnimate(), want)
			}
		})
	}
}

func TestForceTTYWidth(t *testing.T) {
	t.Parallel()
	ios := &IOStreams{width: 80}
	ios.init(func(k string) string { return map[string]string{"CIVIT_FORCE_TTY": "132"}[k] }, false, false, false, func() int { return 0 })
	if !ios.IsStdinTTY() || !ios.IsStderrTTY() || ios.TerminalWidth() != 132 {
		t.Errorf("stdin TTY %v, stderr TTY %v, width %d; want true, true, 132", ios.IsStdinTTY(), ios.IsStderrTTY(), ios.TerminalWidth())
	}
}

func TestColorScheme(t *testing.T) {
	t.Parallel()
	if got := (ColorScheme{}).Bold("ID"); got != "ID" {
		t.Errorf("disabled Bold = %q", got)
	}
	if got := (ColorScheme{Enabled: true}).Bold("ID"); got != "\x1b[1mID\x1b[0m" {
		t.Errorf("enabled Bold = %q", got)
	}
}

// On a real terminal a secret is read without echo (readNoEcho), and the
// Enter that was not echoed is printed; elsewhere it is a line of stdin.
func TestReadSecret(t *testing.T) {
	t.Parallel()
	ios, in, _, errOut := Test()
	in.WriteString("piped-key\nnext\n")
	if got, err := ios.ReadSecret(context.Background()); err != nil || got != "piped-key" || errOut.Len() != 0 {
		t.Errorf("piped: %q, %v, stderr %q", got, err, errOut)
	}
	called := false
	ios.readNoEcho = func(context.Context) ([]byte, error) { called = true; return []byte("typed-key"), nil }
	if got, err := ios.ReadSecret(context.Background()); err != nil || got != "typed-key" || !called || errOut.String() != "\n" {
		t.Errorf("terminal: %q, %v, called %v, stderr %q", got, err, called, errOut)
	}
}
