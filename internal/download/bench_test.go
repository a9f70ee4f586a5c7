package download

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchDownload downloads body from rs into dir b.N times with default
// options and reports MB/s.
func benchDownload(b *testing.B, rs *rangeServer, body []byte, conns int) {
	b.Helper()
	dir := b.TempDir()
	d := New(Options{})
	sha := sha256Hex(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dest := filepath.Join(dir, "f"+strconv.Itoa(i))
		i++
		res, err := d.Download(context.Background(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha, Connections: conns})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.ReadBack)/float64(len(body)), "readback/op")
		b.StopTimer()
		os.Remove(dest)
		b.StartTimer()
	}
}

// BenchmarkDownload: one 256 MiB file from an uncapped loopback server.
func BenchmarkDownload(b *testing.B) {
	body := testBody(256<<20, 40)
	rs := newRangeServer(b, body)
	for _, conns := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchDownload(b, rs, body, conns) })
	}
}

// BenchmarkDownloadCapped: each connection capped at 20 MB/s by the
// server, as CDNs do per connection; 16 connections should reach ~320 MB/s.
func BenchmarkDownloadCapped(b *testing.B) {
	body := testBody(256<<20, 41)
	rs := newRangeServer(b, body)
	rs.configure(func(rs *rangeServer) { rs.rate = 20_000_000 })
	for _, conns := range []int{4, 16} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchDownload(b, rs, body, conns) })
	}
}

// BenchmarkDownloadConcurrent: 5 files of 64 MiB at once, 16 connections
// each; reports the peak Go heap in use above the baseline (which holds the
// server's copy of the body).
func BenchmarkDownloadConcurrent(b *testing.B) {
	const files = 5
	body := testBody(64<<20, 42)
	rs := newRangeServer(b, body)
	dir := b.TempDir()
	d := New(Options{})
	sha := sha256Hex(body)
	b.SetBytes(files * int64(len(body)))
	var peak atomic.Uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	n := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for f := range files {
			dest := filepath.Join(dir, fmt.Sprintf("f%d-%d", n, f))
			wg.Go(func() {
				if _, err := d.Download(context.Background(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha, Connections: 16}); err != nil {
					b.Error(err)
				}
				os.Remove(dest)
			})
		}
		wg.Wait()
		n++
	}
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base))/(1<<20), "peak-heap-MiB")
}

// TestCompareWithCurl measures curl against the engine on the same
// loopback server. It only runs with CIVIT_BENCH_CURL=1 (it is a
// measurement, and needs curl).
func TestCompareWithCurl(t *testing.T) {
	if os.Getenv("CIVIT_BENCH_CURL") != "1" {
		t.Skip("set CIVIT_BENCH_CURL=1 to compare with curl")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	body := testBody(512<<20, 43)
	rs := newRangeServer(t, body)
	dir := t.TempDir()
	speed := func(f func() error) float64 {
		best := 0.0
		for range 3 {
			t0 := time.Now()
			if err := f(); err != nil {
				t.Fatal(err)
			}
			best = max(best, float64(len(body))/time.Since(t0).Seconds()/1e6)
		}
		return best
	}
	curlNull := speed(func() error { return exec.Command(curl, "-sf", "-o", "/dev/null", rs.URL()).Run() })
	curlFile := speed(func() error {
		out := filepath.Join(dir, "curl.bin")
		defer os.Remove(out)
		return exec.Command(curl, "-sf", "-o", out, rs.URL()).Run()
	})
	// What the engine does, done by standard tools: transfer, hash, fsync.
	curlEquiv := speed(func() error {
		out := filepath.Join(dir, "curl.bin")
		defer os.Remove(out)
		return exec.Command("sh", "-c", `"$0" -sf "$1" | tee "$2" | sha256sum >/dev/null && sync "$2"`, curl, rs.URL(), out).Run()
	})
	t.Logf("curl -o /dev/null: %.0f MB/s; curl -o file: %.0f MB/s; curl | tee file | sha256sum && sync file: %.0f MB/s",
		curlNull, curlFile, curlEquiv)
	d := New(Options{})
	for _, conns := range []int{1, 4, 8} {
		got := speed(func() error {
			dest := filepath.Join(dir, "civit.bin")
			defer os.Remove(dest)
			_, err := d.Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: conns})
			return err
		})
		t.Logf("engine, %d connection(s): %.0f MB/s = %.2f× curl to /dev/null, %.2f× curl to a file, %.2f× curl+sha256sum+sync",
			conns, got, got/curlNull, got/curlFile, got/curlEquiv)
	}
}
