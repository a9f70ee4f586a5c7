package download

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestLimitRateFromTheStart: many connections starting together stay
// under the cap from the first second on. (Paying for a read after making
// it gave every new connection one read for free, and the bucket started
// full: 80 connections began at 12 times a 64 KiB/s cap.)
func TestLimitRateFromTheStart(t *testing.T) {
	t.Parallel()
	const limit = 256 << 10
	opts := testOptions()
	opts.BufferSize = 64 << 10
	opts.Limiter = NewLimiter(limit)
	var mu sync.Mutex
	var at []time.Duration
	var ns []int64
	t0 := time.Now()
	opts.Progress = func(ev Event) {
		if ev.Kind == EventProgress {
			mu.Lock()
			at, ns = append(at, time.Since(t0)), append(ns, ev.N)
			mu.Unlock()
		}
	}
	d := New(opts)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 4 { // 4 files × 8 connections
		body := testBody(4<<20, byte(50+i))
		rs := newRangeServer(t, body)
		wg.Go(func() {
			_, err := d.Download(ctx, Request{Source: Source{URL: rs.URL()}, Dest: filepath.Join(dir, fmt.Sprint(i)), Size: int64(len(body)), Connections: 8})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("file %d: %v, want it cancelled mid-way", i, err)
			}
		})
	}
	time.Sleep(2500 * time.Millisecond)
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, sec := range []float64{0.5, 1, 2} {
		var got int64
		for i := range at {
			if at[i].Seconds() <= sec {
				got += ns[i]
			}
		}
		// What was read by t is at most limit × t: the bucket starts
		// empty and no read is made before it is paid for.
		if max := int64(limit*sec*1.05) + 4<<10; got > max {
			t.Errorf("%d KiB written in the first %vs, the cap allows %d KiB", got>>10, sec, int64(limit*sec)>>10)
		}
		if sec == 2 && got < limit {
			t.Errorf("%d KiB written in 2 s, want about %d KiB", got>>10, 2*limit>>10)
		}
	}
}
