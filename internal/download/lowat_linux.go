package download

import (
	"crypto/tls"
	"net"
	"syscall"
)

// setRcvLowat sets SO_RCVLOWAT on the TCP socket under c: the kernel then
// wakes the reader only once n bytes are waiting (or the peer closes).
func setRcvLowat(c net.Conn, n int) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, n)
	}); err != nil || serr != nil {
		return false
	}
	return true
}
