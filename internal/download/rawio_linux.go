//go:build linux && (amd64 || arm64 || riscv64 || loong64 || ppc64 || ppc64le || s390x || mips64 || mips64le)

package download

import (
	"context"
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO: this platform has the raw calls below (see rawio.go). They pass
// the file offset in one register, hence 64-bit Linux only: on 32-bit
// systems pwrite64 takes it split in two, and uintptr(off) cut it to 32
// bits (a file past 4 GiB was written over its own start).
const rawIO = true

// rawConn is a TCP connection whose reads use RawSyscall (see rawio.go).
// Everything else is the embedded *net.TCPConn's.
type rawConn struct {
	*net.TCPConn
	rc syscall.RawConn
}

// Read reads from the non-blocking socket; when nothing is waiting it
// waits in the netpoller like net.Conn.Read, deadlines and Close included.
func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for the socket to be readable
			}
			n, errno = int(r), e
			return true
		}
	})
	if err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	if errno != 0 {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", errno)}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// rawDial dials with d and wraps TCP connections in rawConn.
func rawDial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		rc, err := tc.SyscallConn()
		if err != nil {
			return c, nil
		}
		return &rawConn{TCPConn: tc, rc: rc}, nil
	}
}

// rawPwrite is f.WriteAt with RawSyscall (see rawio.go).
func rawPwrite(f *os.File, b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		r, _, e := syscall.RawSyscall6(syscall.SYS_PWRITE64, f.Fd(), uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n), uintptr(off+int64(n)), 0, 0)
		switch {
		case e == syscall.EINTR:
			continue
		case e != 0:
			return n, &os.PathError{Op: "write", Path: f.Name(), Err: e}
		case r == 0:
			return n, &os.PathError{Op: "write", Path: f.Name(), Err: io.ErrShortWrite}
		}
		n += int(r)
	}
	return n, nil
}
