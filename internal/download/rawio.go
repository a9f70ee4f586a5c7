package download

import (
	"os"
	"runtime"
)

// Why raw system calls (rawio_linux.go): Go enters every blocking system
// call through entersyscall, and its sysmon thread takes the P of a call
// that lasts longer than one tick (20 µs) and then keeps waking every
// 20 µs. Copying 256 KiB out of a socket or into the page cache takes
// 30-60 µs, so a download kept sysmon spinning: perf put a tenth of
// civit's CPU in sysmon's sleeps and the hand-offs that followed. A raw
// call keeps its P. Reads are from non-blocking sockets and never wait;
// writes to a file can (dirty-page throttling, a slow mount), so at most
// GOMAXPROCS-1 of them are raw at once: one P is always left to run the
// rest of the program (timers, progress, Ctrl-C). Measured in case A (2
// GiB, 16 connections, /dev/shm): CPU 2.10 -> 1.69 s without
// verification, 4.33 -> 3.95 s with it; aria2c 2.05 s.

// rawWriters bounds the raw writes of one Downloader.
type rawWriters chan struct{}

func newRawWriters() rawWriters {
	if n := runtime.GOMAXPROCS(0) - 1; n > 0 && rawIO {
		return make(rawWriters, n)
	}
	return nil
}

// writeAt writes b at off in f, with a raw system call when a slot is
// free, else with f.WriteAt.
func (w rawWriters) writeAt(f *os.File, b []byte, off int64) (int, error) {
	select {
	case w <- struct{}{}: // a nil channel is never ready
		defer func() { <-w }()
		return rawPwrite(f, b, off)
	default:
		return f.WriteAt(b, off)
	}
}
