//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// stopSignals stop civit cleanly: it winds down, saves resume state and
// says what it left.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// lastingSignals stay caught after the first stop signal (see Main).
var lastingSignals []os.Signal

// catchSIGPIPE makes a write to a closed pipe fail with EPIPE instead of
// killing civit, as Go does for stdout and stderr unless SIGPIPE is
// caught (os/signal's docs): `civit download 2>&1 | head -1` must not lose
// the download (stderr drops what it cannot write, iostreams), and
// `civit ls | head -1` ends as Ctrl-C does, with exit 141 (Run).
func catchSIGPIPE() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) }
