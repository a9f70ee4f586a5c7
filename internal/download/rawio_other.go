//go:build !linux

package download

import (
	"context"
	"net"
	"os"
)

// rawIO: elsewhere the download uses Go's ordinary calls (see rawio.go).
const rawIO = false

func rawDial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return d.DialContext
}

func rawPwrite(f *os.File, b []byte, off int64) (int, error) { return f.WriteAt(b, off) }
