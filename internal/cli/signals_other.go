//go:build !unix

package cli

import (
	"os"
	"syscall"
)

// stopSignals stop civit cleanly: Ctrl-C, and what Go delivers as SIGTERM
// on Windows (the console closed, log-off, shutdown). Windows has no
// SIGHUP, and a closed pipe is an error, not a signal.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// lastingSignals: none here (see signals_unix.go).
var lastingSignals []os.Signal

// catchSIGPIPE: nothing to do; a write to a closed pipe fails there.
func catchSIGPIPE() {}
