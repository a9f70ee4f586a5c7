package download

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// mark is the receive low-water mark (SO_RCVLOWAT) of the connection one
// response is read from. The reader raises it to about 20 ms of the
// response's rate, so that the kernel wakes the reading goroutine once per
// batch of bytes instead of once per TCP segment: with sixteen paced
// connections those wake-ups, not the copying, were most of the CPU civit
// spent beyond aria2c's (one epoll thread). The mark never exceeds what
// the response still owes and is back at the default for its last bytes,
// so the end of a body (and the next response on the kept-alive
// connection) is never waited for.
//
// The stall watchdog runs in its own goroutine: if it fires while the mark
// is raised, bytes may be waiting under it (the response slowed down a
// thousandfold), so it drops the mark for good and gives the reader a
// moment before calling it a stall.
type mark struct {
	reads atomic.Int64 // successful body reads, to tell a stall from a slowdown

	mu   sync.Mutex
	conn net.Conn // nil until attached, or when the socket cannot be tuned
	cur  int      // the mark set now; 0 or 1: the kernel's default
	off  bool     // dropped by the watchdog: stays at the default
}

// attach names the connection (after the response headers).
func (m *mark) attach(c net.Conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conn = c
}

// set asks for a mark of want bytes (1: the default).
func (m *mark) set(want int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil || m.off || want == m.cur || (want <= 1 && m.cur <= 1) {
		return
	}
	if setRcvLowat(m.conn, want) {
		m.cur = want
	} else {
		m.conn = nil // not a socket we can tune: leave it alone
	}
}

// drop puts the mark back to the default and keeps it there. It reports
// whether the mark was raised, and the reads so far.
func (m *mark) drop() (reads int64, raised bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.off = true
	if m.conn == nil || m.cur <= 1 {
		return 0, false
	}
	reads = m.reads.Load()
	setRcvLowat(m.conn, 1) // the kernel wakes the reader if bytes wait
	m.cur = 1
	return reads, true
}

// Bounds of the receive low-water mark: below lowatMin the saving is
// small; above lowatMax the reads would come in bursts too coarse for the
// progress bars.
const (
	lowatMin = 32 << 10
	lowatMax = 256 << 10
)

// lowatFor returns the low-water mark for a response that still owes rem
// bytes and has delivered got bytes in d: the bytes of about 20 ms at that
// rate, rounded down to a power of two within [lowatMin, lowatMax]; 1 (the
// kernel's default) while the rate is unknown, when the rate is too low,
// or when rem is within two marks of the end. (The layers above the socket,
// the transport's read buffer and TLS, may hold body bytes already taken
// from it: staying two marks from the end leaves room for them.)
func lowatFor(rem, got int64, d time.Duration) int {
	if got < 64<<10 || d < 10*time.Millisecond || rem <= 2*lowatMax {
		return 1
	}
	batch := float64(got) / d.Seconds() * 0.020
	if batch < lowatMin {
		return 1
	}
	m := lowatMin
	for m < lowatMax && float64(2*m) <= batch {
		m *= 2
	}
	return m
}
