package download

import (
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// progressTimes downloads body from rs with one connection and bufSize
// buffers, and returns when each progress event came (since the start)
// and its size.
func progressTimes(t *testing.T, rs *rangeServer, body []byte, bufSize int) ([]time.Duration, []int64) {
	t.Helper()
	opts := testOptions()
	opts.BufferSize = bufSize
	var rec progressLog
	opts.Progress = rec.record(time.Now())
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	if _, err := New(opts).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 1, SHA256: sha256Hex(body)}); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	return rec.events()
}

// progressLog records when each progress event came and its size.
type progressLog struct {
	mu sync.Mutex
	at []time.Duration
	ns []int64
}

// record returns an Options.Progress that logs times since t0.
func (l *progressLog) record(t0 time.Time) func(Event) {
	return func(ev Event) {
		if ev.Kind == EventProgress {
			l.mu.Lock()
			l.at, l.ns = append(l.at, time.Since(t0)), append(l.ns, ev.N)
			l.mu.Unlock()
		}
	}
}

func (l *progressLog) events() ([]time.Duration, []int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at, l.ns
}

// TestSlowLinkProgress: on a link slower than a buffer per fraction of a
// second, progress comes as the bytes do, not once per filled buffer (a
// 512 KiB buffer at 20 KB/s left the bar at 0 B for 25 s, then jumped).
func TestSlowLinkProgress(t *testing.T) {
	t.Parallel()
	body := testBody(240<<10, 41)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.rate = 160 << 10 }) // 1.5 s for the body
	at, _ := progressTimes(t, rs, body, 1<<20)
	if len(at) < 4 {
		t.Fatalf("%d progress events over 1.5 s (at %v), want one every few tenths of a second", len(at), at)
	}
	if at[0] > 600*time.Millisecond {
		t.Errorf("first progress after %v, want within a few tenths of a second", at[0])
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i] - at[i-1]; gap > 700*time.Millisecond {
			t.Errorf("no progress for %v (between events at %v and %v)", gap, at[i-1], at[i])
		}
	}
}

// TestFastLinkFullBuffers: where the bytes come fast, reads still fill
// their buffer: large writes and hash hand-overs are what keep an uncapped
// download from being CPU-bound on the engine's overhead (BENCHMARKS.md,
// case B).
func TestFastLinkFullBuffers(t *testing.T) {
	t.Parallel()
	const buf = 256 << 10
	body := testBody(8<<20, 42)
	rs := newRangeServer(t, body)
	_, ns := progressTimes(t, rs, body, buf)
	full := 0
	for _, n := range ns {
		if n == buf {
			full++
		}
	}
	if want := len(body) / buf; full < want*3/4 {
		t.Errorf("%d of %d reads filled the %d KiB buffer (sizes %v), want nearly all", full, len(ns), buf>>10, ns)
	}
}
