package download

import (
	"bytes"
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

func rcvLowat(t *testing.T, c net.Conn) int {
	t.Helper()
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
// watchdog.
func TestLowWaterMarkFollowsTheResponse(t *testing.T) {
	t.Parallel()
	body := testBody(6<<20, 3)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.rate = 40 << 20 })
	d := New(testOptions())
	j := &job{d: d, urls: &urlState{url: rs.URL()}}
	ctx := context.Background()

	s, _, err := j.open(ctx, 0, int64(len(body))-1, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.conn == nil {
		t.Fatal("no connection recorded for the response")
	}
	var got bytes.Buffer
	buf := make([]byte, 128<<10)
	highest := 0
	for {
		n, err := s.read(buf)
		got.Write(buf[:n])
		highest = max(highest, rcvLowat(t, s.conn))
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
	if highest != lowatMax {
		t.Errorf("highest SO_RCVLOWAT = %d, want %d (about 20 ms at 40 MiB/s, capped)", highest, lowatMax)
	}
	if v := rcvLowat(t, s.conn); v != 1 {
		t.Errorf("SO_RCVLOWAT after the body = %d, want 1", v)
	}
	s.close()

	rs.configure(func(rs *rangeServer) { rs.rate = 0 })
	start := time.Now()
	s2, _, err := j.open(ctx, 0, 99, "")
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
