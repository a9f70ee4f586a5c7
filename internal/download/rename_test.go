package download

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestRetryRename: a name held by another program (Windows: sharing
// violation, access denied) is tried again until it is free or the wait is
// over, which gives an *InUseError; any other error is returned at once.
func TestRetryRename(t *testing.T) {
	t.Parallel()
	var errHeld error = syscall.EBUSY // an Errno, as Windows gives (which looks like a net.Error)
	errOther := errors.New("other")
	held := func(err error) bool { return errors.Is(err, errHeld) }
	tests := []struct {
		name      string
		failures  int   // how many calls fail before one succeeds
		fail      error // what they fail with
		wait      time.Duration
		wantCalls int
		wantInUse bool
		wantErr   error
	}{
		{name: "free at once", wantCalls: 1},
		{name: "held briefly", failures: 3, fail: errHeld, wait: 5 * time.Second, wantCalls: 4},
		{name: "held for good", failures: 1 << 30, fail: errHeld, wait: 100 * time.Millisecond, wantInUse: true},
		{name: "other error is not retried", failures: 1 << 30, fail: errOther, wait: 5 * time.Second, wantCalls: 1, wantErr: errOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			rename := func(old, new string) error {
				calls++
				if calls <= tt.failures {
					return tt.fail
				}
				return nil
			}
			start := time.Now()
			err := retryRename(t.Context(), rename, held, "a.part", "a", tt.wait)
			var iu *InUseError
			switch {
			case tt.wantInUse:
				if !errors.As(err, &iu) || iu.Path != "a" || !errors.Is(err, errHeld) {
					t.Fatalf("err = %v, want an *InUseError for a wrapping the cause", err)
				}
				if d := time.Since(start); d < tt.wait || d > tt.wait+time.Second {
					t.Errorf("gave up after %v, want about %v", d, tt.wait)
				}
				if iu.Hint() == "" {
					t.Error("no hint")
				}
				if !IsPermanent(err) {
					t.Error("an InUseError is not permanent: the program holds the file until it is closed")
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || errors.As(err, &iu) {
					t.Fatalf("err = %v, want %v as it is", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			if tt.wantCalls > 0 && calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", calls, tt.wantCalls)
			}
		})
	}
	t.Run("canceled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		start := time.Now()
		err := retryRename(ctx, func(string, string) error { return errHeld }, held, "a.part", "a", time.Minute)
		var iu *InUseError
		if !errors.As(err, &iu) || time.Since(start) > time.Second {
			t.Fatalf("err = %v after %v, want an *InUseError at once", err, time.Since(start))
		}
	})
}
