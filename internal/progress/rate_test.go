package progress

import (
	"strings"
	"testing"
	"time"
)

// After a fast start the shown speed and time left follow the recent
// bytes, not the average since the start.
func TestRateFollowsTheLastSeconds(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	r := &rate{now: func() time.Time { return clock }}
	show := func(cur, total int64) string {
		speed, eta := r.show(cur, total)
		return strings.TrimSpace(speed + " " + eta)
	}
	const mib = 1 << 20
	if got := show(0, 64*mib); got != "" {
		t.Errorf("first sample shows %q, want nothing yet", got)
	}
	// A 4 MiB burst in the first 100 ms, then 10 MiB/s, drawn every 150 ms.
	const total = 128 * mib
	cur := int64(0)
	step := 150 * time.Millisecond
	clock = clock.Add(100 * time.Millisecond)
	cur += 4 * mib
	show(cur, total)
	var got string
	for cur < 64*mib { // 6 s: the burst is out of the last 5 s
		clock = clock.Add(step)
		cur += int64(10 * mib * step.Seconds())
		got = show(cur, total)
	}
	// 10 MiB/s and the time left at that speed; the average since the
	// start (~10.6 MiB/s here, 13.9 MiB/s after 16 MiB in a real run) said less.
	eta := time.Duration(float64(total-cur) / (10 * mib) * float64(time.Second)).Round(time.Second)
	if want := "10.0 MiB/s " + eta.String(); got != want {
		t.Errorf("at %d MiB: %q, want %q", cur/mib, got, want)
	}
	// A stall: after rateSpan without bytes the speed is 0 and no ETA.
	for range 40 {
		clock = clock.Add(step)
		got = show(cur, total)
	}
	if want := "0 B/s --"; got != want {
		t.Errorf("stalled: %q, want %q", got, want)
	}
	// Unknown total: speed only.
	clock = clock.Add(step)
	if got := show(cur+mib, 0); got == "" || got[len(got)-2:] != "/s" {
		t.Errorf("unknown total: %q, want a speed only", got)
	}
}
