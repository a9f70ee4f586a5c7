package backoff

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		unit time.Duration
		want time.Duration
		ok   bool
	}{
		{in: "2", want: 2 * time.Second, ok: true},
		{in: " 120 ", want: 2 * time.Minute, ok: true},
		{in: "0", want: 0, ok: true},
		{in: "3", unit: 10 * time.Millisecond, want: 30 * time.Millisecond, ok: true},
		{in: "99999999999", want: 24 * time.Hour, ok: true},
		{in: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second, ok: true},
		{in: now.Add(-time.Hour).Format(http.TimeFormat), want: 0, ok: true},
		{in: now.Add(30 * 24 * time.Hour).Format(http.TimeFormat), want: 24 * time.Hour, ok: true},
		{in: "Sunday, 02-Aug-26 12:00:00 GMT", want: 24 * time.Hour, ok: true}, // RFC 850, still valid
		{in: "-3", ok: false},
		{in: "1.5", ok: false},
		{in: "soon", ok: false},
		{in: "", ok: false},
	}
	for _, tt := range tests {
		unit := tt.unit
		if unit == 0 {
			unit = time.Second
		}
		got, ok := RetryAfter(tt.in, now, unit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "", "9223372036854775807", "soon"} {
		f.Add(s)
	}
	now := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := RetryAfter(v, now, time.Second)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("RetryAfter(%q) = %v: outside [0, %v]", v, d, maxRetryAfter)
		}
		if !ok && d != 0 {
			t.Fatalf("RetryAfter(%q) = %v, false: a wait without a valid value", v, d)
		}
	})
}

func TestSleep(t *testing.T) {
	t.Parallel()
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("Sleep 1ms: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep 0 on a cancelled context = %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Error("Sleep waited on a cancelled context")
	}
}
