package download

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
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
	var rec progressLog
	opts.Progress = rec.record(time.Now())
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
	at, ns := rec.events()
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

// countingConn counts the bytes read off a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestLimitRateOffTheSocket: under a Limiter, the bytes read off the
// sockets stay near the cap, not only those the engine counts. The
// transport's 64 KiB read buffer filled from the socket before the
// Limiter was paid: five connections at 64 KiB/s read 320 KiB in their
// first 60 ms.
func TestLimitRateOffTheSocket(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	opts := testOptions()
	opts.Limiter = NewLimiter(limit)
	d := New(opts)
	tr, ok := d.client.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T, want *http.Transport", d.client.Transport)
	}
	var read atomic.Int64
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &read}, nil
	}
	body := testBody(4<<20, 90)
	rs := newRangeServer(t, body)
	const took = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(took, cancel) // not a deadline: the Limiter would give up early
	t0 := time.Now()
	_, err := d.Download(ctx, Request{Source: Source{URL: rs.URL()}, Dest: filepath.Join(t.TempDir(), "m"), Size: int64(len(body)), Connections: 5})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it cancelled mid-way", err)
	}
	// Paid by now: limit × the time taken (the bucket starts empty);
	// besides, each connection's headers and the body bytes read with
	// them, at most a read buffer's worth.
	got, elapsed := read.Load(), time.Since(t0)
	if most := int64(limit*elapsed.Seconds()) + 5*limitedReadBuffer; got > most {
		t.Errorf("%d KiB read off the sockets in %v at %d KiB/s, want at most %d KiB", got>>10, elapsed, limit>>10, most>>10)
	}
}
