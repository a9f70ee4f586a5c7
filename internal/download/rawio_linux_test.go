//go:build linux && (amd64 || arm64 || riscv64 || loong64 || ppc64 || ppc64le || s390x || mips64 || mips64le)

package download

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// rawPair returns a rawConn dialed to a loopback listener and the server's
// side of the connection.
func rawPair(t *testing.T) (*rawConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := rawDial(&net.Dialer{})(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rc, ok := c.(*rawConn)
	if !ok {
		t.Fatalf("dialed %T, want *rawConn", c)
	}
	srv := <-accepted
	t.Cleanup(func() { rc.Close(); srv.Close() })
	return rc, srv
}

func TestRawConnReadsEverythingThenEOF(t *testing.T) {
	t.Parallel()
	c, srv := rawPair(t)
	body := testBody(3<<20+11, 5)
	go func() {
		for b := body; len(b) > 0; { // in bursts, so that reads wait in between
			n := min(len(b), 100_000)
			srv.Write(b[:n])
			b = b[n:]
			time.Sleep(time.Millisecond)
		}
		srv.Close()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("read %d bytes, want the %d sent", len(got), len(body))
	}
}

func TestRawConnHonoursDeadlineAndClose(t *testing.T) {
	t.Parallel()
	c, _ := rawPair(t)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 10)); done <- err }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &ne) {
			t.Fatalf("read after Close: %v, want net.ErrClosed in a net.Error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a waiting Read")
	}
}

func TestRawWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := make(rawWriters, 1)
	body := testBody(1<<20, 6)
	// Out of order, and one write while the only raw slot is taken (it
	// must fall back, not wait).
	if _, err := w.writeAt(f, body[512<<10:], 512<<10); err != nil {
		t.Fatal(err)
	}
	w <- struct{}{}
	if _, err := w.writeAt(f, body[:512<<10], 0); err != nil {
		t.Fatal(err)
	}
	<-w
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, body) {
		t.Fatal("file differs from what was written")
	}
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var pe *os.PathError
	if _, err := rawPwrite(ro, body[:10], 0); !errors.As(err, &pe) || pe.Path != path {
		t.Fatalf("write to a read-only file: %v, want an *os.PathError naming it", err)
	}
}
