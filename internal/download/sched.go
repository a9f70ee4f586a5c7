package download

import (
	"math"
	"sync"
)

// span is the byte range [start, end).
type span struct{ start, end int64 }

// segment is a byte range owned by exactly one worker at a time.
//
//	start <= written <= claimed <= end
//
// The owner advances claimed before it writes (so a thief never takes bytes
// that are being written) and written after WriteAt returns (so the map and
// the hasher only see bytes that are in the file). A thief lowers end.
// All fields are guarded by scheduler.mu.
type segment struct {
	start, written, claimed, end int64
}

// scheduler hands out byte ranges to workers. Missing ranges are cut into
// pieces that are handed out in ascending order, so the completed prefix of
// the file (which the streaming hasher consumes) trails the download front
// by about one piece per connection. When no piece is left, an idle worker
// steals the upper half of the largest range still in flight.
//
// This is hand-written rather than borrowed: no Go library offers ranged
// work stealing that also keeps a durable segment map and feeds an
// in-order hash.
type scheduler struct {
	mu       sync.Mutex
	size     int64 // -1 while unknown (single stream without length)
	piece    int64 // largest piece; 0: do not cut pending ranges
	minSplit int64 // a range must be larger than this to be stolen from
	// taper > 0 shrinks pieces with the bytes still pending: a piece is
	// pendingBytes/taper (at least max(minSplit, floor), at most piece).
	// The read-back window (and so the hashing left when the last byte
	// arrives) is about connections × piece: fixed 32 MiB pieces left
	// ~400 MB to hash after a 2 GiB download with 16 connections.
	taper        int64
	floor        int64 // see setFloor
	lag          int64 // see setLag
	pendingBytes int64
	noSteal      bool
	pending      []span // ascending, disjoint, not yet assigned
	done         []span // merged finished ranges
	active       []*segment
	steals       int
	segments     int // ranges handed out
	// completed is closed when every byte of a known size is written.
	completed chan struct{}
}

// newScheduler plans [0,size) minus done. size < 0 means unknown: a single
// segment up to EOF.
func newScheduler(size, piece, minSplit int64, done []span) *scheduler {
	s := &scheduler{size: size, piece: piece, minSplit: minSplit, done: mergeSpans(done)}
	if size < 0 {
		s.pending = []span{{0, math.MaxInt64}}
		s.noSteal = true
		s.piece = 0
		return s
	}
	var at int64
	for _, d := range s.done {
		if d.start > at {
			s.pending = append(s.pending, span{at, d.start})
		}
		at = d.end
	}
	if at < size {
		s.pending = append(s.pending, span{at, size})
	}
	for _, p := range s.pending {
		s.pendingBytes += p.end - p.start
	}
	return s
}

// newPlan is the scheduler for conns connections: one request for
// everything with one connection; otherwise tapering pieces of about a
// quarter of the pending bytes per connection, at most maxPiece.
func newPlan(size int64, conns int, minSplit int64, done []span) *scheduler {
	if conns <= 1 {
		return newScheduler(size, 0, minSplit, done)
	}
	s := newScheduler(size, maxPiece, minSplit, done)
	s.taper = int64(4 * conns)
	return s
}

// setLag records how many bytes one connection receives during one request
// wait, for cutting steals (see stealLocked).
func (s *scheduler) setLag(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lag = n
}

// setFloor raises the smallest piece, e.g. to what a connection receives
// during a few request round trips, so that tapering never makes requests
// so small that waiting for their first byte dominates.
func (s *scheduler) setFloor(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.floor = n
}

// nextPending returns the next piece of the pending ranges, nil when all
// are handed out (it never steals).
func (s *scheduler) nextPending() *segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextPendingLocked()
}

func (s *scheduler) nextPendingLocked() *segment {
	if len(s.pending) == 0 {
		return nil
	}
	p := &s.pending[0]
	end := p.end
	piece := s.piece
	if s.taper > 0 {
		piece = min(max(s.pendingBytes/s.taper, s.minSplit, s.floor), s.piece)
	}
	if piece > 0 && end-p.start > piece {
		end = p.start + piece
		if p.end-end < piece/2 {
			end = p.end // do not leave a sliver behind
		}
	}
	s.pendingBytes -= end - p.start
	seg := &segment{start: p.start, written: p.start, claimed: p.start, end: end}
	if end == p.end {
		s.pending = s.pending[1:]
	} else {
		p.start = end
	}
	s.active = append(s.active, seg)
	s.segments++
	return seg
}

// next returns a new segment for an idle worker, or nil when nothing is
// left to take.
func (s *scheduler) next() *segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seg := s.nextPendingLocked(); seg != nil {
		return seg
	}
	return s.stealLocked(s.minSplit, nil)
}

// stealAhead takes the upper half of the largest range in flight other
// than own, if more than atLeast bytes of it are left (a steal made while
// own is still finishing: the victim must not reach the cut before the
// thief's bytes flow).
func (s *scheduler) stealAhead(atLeast int64, own *segment) *segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stealLocked(max(atLeast, s.minSplit), own)
}

func (s *scheduler) stealLocked(atLeast int64, own *segment) *segment {
	if s.noSteal {
		return nil
	}
	var victim *segment
	var best int64
	for _, a := range s.active {
		if r := a.end - a.claimed; r > best && a != own {
			best, victim = r, a
		}
	}
	if victim == nil || best <= atLeast {
		return nil
	}
	// The thief's first byte comes one request wait after its request,
	// while the victim goes on receiving lag more bytes: the cut leaves
	// the victim those too, so that both end together. (The thief gets a
	// quarter at least, should lag be overestimated.)
	mid := victim.claimed + (best+min(s.lag, best/2))/2
	seg := &segment{start: mid, written: mid, claimed: mid, end: victim.end}
	victim.end = mid
	s.active = append(s.active, seg)
	s.steals++
	s.segments++
	return seg
}

// position returns the owner's next offset and the current end.
func (s *scheduler) position(seg *segment) (pos, end int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return seg.claimed, seg.end
}

// claim reserves up to n bytes at seg.claimed for writing and returns how
// many may be written (fewer when a thief lowered end).
func (s *scheduler) claim(seg *segment, n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := max(min(n, seg.end-seg.claimed), 0)
	seg.claimed += k
	return k
}

// commit records that k claimed bytes are in the file.
func (s *scheduler) commit(seg *segment, k int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg.written += k
	if seg.written >= seg.end {
		s.retire(seg)
	}
}

// giveBack ends seg at what was written and returns the rest of it to the
// pending ranges, in order, for another worker (a connection the host
// refused, see busy.go).
func (s *scheduler) giveBack(seg *segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rest := (span{seg.written, seg.end}); rest.end > rest.start {
		i := 0
		for i < len(s.pending) && s.pending[i].start < rest.start {
			i++
		}
		s.pending = append(s.pending[:i], append([]span{rest}, s.pending[i:]...)...)
		s.pendingBytes += rest.end - rest.start
	}
	seg.claimed, seg.end = seg.written, seg.written
	s.retire(seg)
}

// release gives back claimed-but-unwritten bytes after a failed write.
func (s *scheduler) release(seg *segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg.claimed = seg.written
}

// finish marks seg complete at its current end; used when a segment's end
// was lowered to exactly what was written, and at EOF of a stream of
// unknown length (which also fixes the size). It reports whether seg is
// complete.
func (s *scheduler) finish(seg *segment) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size < 0 {
		seg.end = seg.written
		s.size = seg.written
	}
	if seg.written >= seg.end {
		s.retire(seg)
		return true
	}
	return false
}

// setSize fixes an unknown size (learned from a later Content-Range).
func (s *scheduler) setSize(seg *segment, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size >= 0 {
		return
	}
	s.size, seg.end = n, n
	if seg.written >= seg.end {
		s.retire(seg)
	}
}

// complete returns a channel closed once every byte is written (never,
// while the size is unknown).
func (s *scheduler) complete() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkComplete()
	return s.completed
}

// checkComplete closes completed when done covers the file. Caller holds
// s.mu.
func (s *scheduler) checkComplete() {
	if s.completed == nil {
		s.completed = make(chan struct{})
	}
	select {
	case <-s.completed:
		return
	default:
	}
	if s.size >= 0 && len(s.pending) == 0 && len(s.active) == 0 &&
		(s.size == 0 || len(s.done) == 1 && s.done[0] == span{0, s.size}) {
		close(s.completed)
	}
}

// retire moves a finished segment to the done list. Caller holds s.mu.
func (s *scheduler) retire(seg *segment) {
	for i, a := range s.active {
		if a == seg {
			s.active = append(s.active[:i], s.active[i+1:]...)
			break
		}
	}
	if seg.end > seg.start {
		s.done = mergeSpans(append(s.done, span{seg.start, seg.end}))
	}
	s.checkComplete()
}

// reset forgets everything written (single-stream restart from byte 0).
func (s *scheduler) reset(seg *segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = nil
	seg.start, seg.written, seg.claimed = 0, 0, 0
}

// contiguousFrom returns the end of the written run of bytes that starts
// at x (x itself if byte x is not written yet).
func (s *scheduler) contiguousFrom(x int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := x
	for moved := true; moved; {
		moved = false
		for _, d := range s.done {
			if d.start <= cur && cur < d.end {
				cur, moved = d.end, true
			}
		}
		for _, a := range s.active {
			if a.start <= cur && cur < a.written {
				cur, moved = a.written, true
			}
		}
	}
	return cur
}

// snapshot returns the merged written ranges.
func (s *scheduler) snapshot() []span {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := append([]span(nil), s.done...)
	for _, a := range s.active {
		if a.written > a.start {
			all = append(all, span{a.start, a.written})
		}
	}
	return mergeSpans(all)
}

// stats returns counters for Result.
func (s *scheduler) stats() (segments, steals int, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.segments, s.steals, s.size
}

// maxPiece caps a piece (one HTTP request in the in-order phase).
const maxPiece = 32 << 20
