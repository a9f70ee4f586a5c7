//go:build unix

package cli

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// A hang-up comes twice (the shell forwards its own to its jobs, then the
// kernel hangs up the foreground group): the first stops civit cleanly,
// the second must not kill it while it saves its state. Not parallel: it
// signals the test process itself, which a SIGHUP not caught ends.
func TestSecondHangupDoesNotKill(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notifyStop(ctx, cancel)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not stop the run")
	}
	time.Sleep(50 * time.Millisecond) // the signals reset after the cancel
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // still alive to see this
}
