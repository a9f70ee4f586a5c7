package download

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// crashHelperEnv makes the test binary act as a downloader process that
// the crash test kills (the helper-process pattern of os/exec's tests).
const crashHelperEnv = "CIVIT_DOWNLOAD_CRASH_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(crashHelperEnv) == "1" {
		os.Exit(crashHelper())
	}
	os.Exit(m.Run())
}

// crashOptions are shared by the helper and the test's final run.
func crashOptions() Options {
	o := testOptions()
	o.CheckpointEvery = 20 * time.Millisecond
	o.CheckpointBytes = 64 << 10
	return o
}

func crashRequest(url, dest, sha string) Request {
	return Request{Source: Source{URL: url}, Dest: dest, SHA256: sha, Connections: 4, Identity: "mv:7/f:7"}
}

func crashHelper() int {
	req := crashRequest(os.Getenv("CRASH_URL"), os.Getenv("CRASH_DEST"), os.Getenv("CRASH_SHA"))
	if _, err := New(crashOptions()).Download(context.Background(), req); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// TestCrashResume is not parallel: it measures how far the durable state
// lags the transfer, which depends on fsync latency, which the other tests'
// writes would inflate.
func TestCrashResume(t *testing.T) {
	body := testBody(6<<20, 30)
	size := int64(len(body))
	rs := newRangeServer(t, body)
	const perConn = 1536 << 10
	rs.configure(func(rs *rangeServer) { rs.rate = perConn }) // 4 × 1.5 MiB/s
	dest := filepath.Join(t.TempDir(), "crash.safetensors")
	part, ctl := partPaths(dest)
	opts := crashOptions()
	conns := int64(crashRequest("", "", "").Connections)

	kills := []float64{0.10, 0.50, 0.90}
	for _, frac := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashHelperEnv+"=1",
			"CRASH_URL="+rs.URL(), "CRASH_DEST="+dest, "CRASH_SHA="+sha256Hex(body))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The server counts bytes handed to the kernel: on a loaded
		// machine 10% of the file can sit in socket buffers before the
		// helper has read any, so also wait for its first checkpoint.
		target := int64(frac * float64(size))
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(ctl); err == nil && rs.served.Load() >= target {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
			t.Fatal(err)
		}
		cmd.Wait()
		if rs.served.Load() < target {
			t.Fatalf("helper served only %d bytes before the deadline", rs.served.Load())
		}
		checkAbsent(t, dest)
		c, err := readControl(ctl)
		if err != nil || c == nil {
			t.Fatalf("after kill at %.0f%%: control file %v, %v", frac*100, c, err)
		}
		if err := c.validate(); err != nil {
			t.Fatalf("after kill at %.0f%%: %v", frac*100, err)
		}
		if fi, err := os.Stat(part); err != nil || fi.Size() != size {
			t.Fatalf("after kill at %.0f%%: partial file %v", frac*100, err)
		}
		t.Logf("killed at %.0f%%: served %d, control file records %d, hash state at %d",
			frac*100, rs.served.Load(), c.doneBytes(), c.SHA256Offset)
	}

	rs.configure(func(rs *rangeServer) { rs.rate = 0 })
	res, err := New(opts).Download(t.Context(), crashRequest(rs.URL(), dest, sha256Hex(body)))
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	if !res.Resumed {
		t.Error("final run did not resume")
	}
	// What a kill may cost: per connection, the read buffer in flight plus
	// what arrived since the last durable checkpoint. A checkpoint starts
	// every CheckpointBytes per connection or CheckpointEvery and becomes
	// durable after an fsync; allow 100 ms of fsync latency at the full
	// transfer rate, plus a little in socket buffers.
	window := opts.CheckpointEvery + 100*time.Millisecond
	perKill := conns*(int64(opts.BufferSize)+opts.CheckpointBytes+16<<10) +
		int64(window.Seconds()*float64(conns*perConn))
	refetched := rs.served.Load() - size
	t.Logf("refetched %d bytes over %d kills (bound %d)", refetched, len(kills), int64(len(kills))*perKill)
	if refetched > int64(len(kills))*perKill {
		t.Errorf("refetched %d bytes after %d kills, bound %d", refetched, len(kills), int64(len(kills))*perKill)
	}
}
