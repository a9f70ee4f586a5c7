package download

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func rcvLowat(t *testing.T, c net.Conn) int {
	t.Helper()
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT)
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	return v
}

// A paced response is read with a raised low-water mark, which is back to
// the default for its last bytes: the next response on the kept-alive
// connection (here a 100-byte one) arrives at once, not at the stall
// watchdog. Over TLS too, where the TLS layer holds bytes it has taken
// from the socket.
func TestLowWaterMarkFollowsTheResponse(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[useTLS], func(t *testing.T) {
			t.Parallel()
			testLowWaterMark(t, useTLS)
		})
	}
}

func testLowWaterMark(t *testing.T, useTLS bool) {
	body := testBody(6<<20, 3)
	rs := startRangeServer(t, body, useTLS)
	opts := testOptions()
	if useTLS {
		opts.HTTPClient = rs.srv.Client()
	}
	rs.configure(func(rs *rangeServer) { rs.rate = 40 << 20 })
	d := New(opts)
	j := &job{d: d, urls: &urlState{url: rs.URL()}}
	ctx := context.Background()

	s, _, err := j.open(ctx, 0, int64(len(body))-1, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.mark.conn == nil {
		t.Fatal("no connection recorded for the response")
	}
	var got bytes.Buffer
	began := time.Now()
	buf := make([]byte, 128<<10)
	highest := 0
	for {
		n, err := s.read(buf)
		got.Write(buf[:n])
		highest = max(highest, rcvLowat(t, s.mark.conn))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), body) {
		t.Fatal("body differs")
	}
	// 40 MiB/s gives the cap; a loaded machine (-race, parallel tests)
	// may serve slower: what matters here is that the mark was raised.
	if rate := float64(len(body)) / time.Since(began).Seconds(); rate < 4e6 {
		t.Logf("served at %.1f MB/s only: too slow to expect a raised mark", rate/1e6)
	} else if highest < lowatMin || highest > lowatMax {
		t.Errorf("highest SO_RCVLOWAT = %d, want %d..%d", highest, lowatMin, lowatMax)
	}
	if v := rcvLowat(t, s.mark.conn); v != 1 {
		t.Errorf("SO_RCVLOWAT after the body = %d, want 1", v)
	}
	s.close()

	rs.configure(func(rs *rangeServer) { rs.rate = 0 })
	start := time.Now()
	s2, _, err := j.open(ctx, 0, 99, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 100)
	if n, err := s2.read(small); n != 100 || err != io.EOF && err != nil {
		t.Fatalf("second response: %d bytes, %v", n, err)
	}
	s2.close()
	if took := time.Since(start); took > time.Second {
		t.Errorf("the next response on the connection took %v", took)
	}
	if n := rs.newConns.Load(); n != 1 {
		t.Errorf("%d connections, want 1 (kept alive)", n)
	}
}

// A response that slows down sharply once the mark is raised is not taken
// for a stalled one: the watchdog drops the mark, and the bytes waiting
// under it are read.
func TestSlowdownUnderARaisedMarkIsNotAStall(t *testing.T) {
	t.Parallel()
	const fast, slow, piece = 2 << 20, 640 << 10, 16 << 10
	body := testBody(fast+slow, 5)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:fast])
		for off := fast; off < len(body); off += piece {
			w.(http.Flusher).Flush()
			time.Sleep(40 * time.Millisecond) // 400 KB/s: 256 KiB take 640 ms
			w.Write(body[off : off+piece])
		}
	}))
	t.Cleanup(srv.Close)
	opts := testOptions()
	opts.StallTimeout = 300 * time.Millisecond
	j := &job{d: New(opts), urls: &urlState{url: srv.URL}}
	s, _, err := j.open(context.Background(), -1, -1, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var got bytes.Buffer
	buf := make([]byte, 128<<10)
	highest := 0
	for {
		n, err := s.read(buf)
		got.Write(buf[:n])
		s.mark.mu.Lock()
		highest = max(highest, s.mark.cur)
		s.mark.mu.Unlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got.Len(), err)
		}
	}
	if !bytes.Equal(got.Bytes(), body) {
		t.Fatal("body differs")
	}
	if highest <= 1 {
		t.Skip("the mark was never raised (a slow machine): nothing to show")
	}
}
