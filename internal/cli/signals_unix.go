//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// stopSignals stop civit cleanly: it winds down, saves resume state and
// says what it left. SIGHUP (the terminal was closed, an ssh session
// dropped) is one of them: nobody is there to read the summary, but the
// downloads' state is saved as for Ctrl-C (a hang-up used to kill civit
// as a crash does, with older resume state).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// lastingSignals stay caught after the first stop signal, so that the
// wind-down finishes: a hang-up comes twice (the shell forwards its own
// to its jobs, then the kernel hangs up the foreground group), and no
// person sends it to end a civit that does not stop. A second Ctrl-C or
// SIGTERM has its default effect (see Main).
var lastingSignals = []os.Signal{syscall.SIGHUP}

// catchSIGPIPE makes a write to a closed pipe fail with EPIPE instead of
// killing civit, as Go does for stdout and stderr unless SIGPIPE is
// caught (os/signal's docs): `civit download 2>&1 | head -1` must not lose
// the download (stderr drops what it cannot write, iostreams), and
// `civit ls | head -1` ends as Ctrl-C does, with exit 141 (Run).
func catchSIGPIPE() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) }
