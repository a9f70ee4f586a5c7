//go:build !linux

package download

import "net"

// setRcvLowat is Linux-only: elsewhere the reader keeps the default wake-ups.
func setRcvLowat(net.Conn, int) bool { return false }
