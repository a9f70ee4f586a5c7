//go:build !linux || !(amd64 || arm64 || riscv64 || loong64 || ppc64 || ppc64le || s390x || mips64 || mips64le)

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
