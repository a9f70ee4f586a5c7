package download

import (
	"context"
	"errors"
	"sync"
	"time"
)

// prefetch is the request for a worker's next piece, sent while the
// current piece is still arriving so that the wait for its first byte
// (150 ms and more on object storage) overlaps the end of the current
// one instead of leaving the connection idle. Go's HTTP/1.1 client has no
// pipelining; the early request goes out on a second keep-alive
// connection, so a worker uses two in turn.
type prefetch struct {
	seg  *segment
	done chan prefetched
	// unchecked: sent before the first answer settled size and validator
	// (sendWithProbe), so take checks it against them.
	unchecked bool
}

type prefetched struct {
	s   *stream
	gen int // the URL generation the request used
	err error
}

// sendAhead sends the next piece's request now; the caller does so when the
// rest of its current piece (own) arrives within about one request wait,
// lead bytes. When no piece is pending it steals early, from a range that
// has more than two waits' worth of bytes left. It returns nil when there
// is nothing worth taking, or when the host takes no more requests at once
// (busy.go).
func (j *job) sendAhead(ctx context.Context, own *segment, lead int64) *prefetch {
	if j.streamMode {
		return nil
	}
	u, _ := j.urls.current()
	slot := j.d.hosts.tryAcquire(hostOf(u), 1)
	if len(slot) == 0 {
		return nil
	}
	seg := j.sched.nextPending()
	if seg == nil {
		seg = j.sched.stealAhead(2*lead, own)
	}
	if seg == nil {
		slot[0].release()
		return nil
	}
	j.ahead.Add(1)
	p := &prefetch{seg: seg, done: make(chan prefetched, 1)}
	go func() {
		pos, end := j.sched.position(seg)
		s, gen, err := j.openRange(ctx, seg, pos, end, slot[0])
		p.done <- prefetched{s, gen, err}
	}()
	return p
}

// take waits for the early request and returns the piece with its open
// response, or with the request's failure: fetch then treats it as its own
// failed request (counted as a retry, with backoff and Retry-After).
func (p *prefetch) take(j *job) (*segment, prefetched) {
	r := <-p.done
	if p.unchecked && r.s != nil {
		pos, _ := j.sched.position(p.seg)
		if err := j.checkRange(r.s, p.seg, pos); err != nil {
			r.s, r.err = nil, err
		}
	}
	if p.unchecked && r.err != nil {
		r.err = j.shrunk(r.err) // as openRange does for the others
	}
	return p.seg, r
}

// sendWithProbe sends the first requests of up to n more pieces of sched
// while the probe's is in flight (the file's size is known from the API or
// from the saved state). ifRange comes from the saved state, if any; the
// answers are checked against the probe's when the workers take them.
// Where the host takes few requests at once (busy.go), it sends only as
// many as are free now (the probe has its slot already): the answers wait
// unread until the probe's arrives.
func (j *job) sendWithProbe(ctx context.Context, sched *scheduler, n int, st *control) []*prefetch {
	ifRange := ""
	if st != nil {
		ifRange = ifRangeValue(st.ETag, st.LastModified)
	}
	u, _ := j.urls.current()
	slots := j.d.hosts.tryAcquire(hostOf(u), n)
	var out []*prefetch
	for i, slot := range slots {
		seg := sched.nextPending()
		if seg == nil {
			for _, free := range slots[i:] {
				free.release()
			}
			break
		}
		p := &prefetch{seg: seg, done: make(chan prefetched, 1), unchecked: true}
		go func() {
			pos, end := sched.position(seg)
			if pos >= end { // given back already: the probe was refused
				slot.release()
				p.done <- prefetched{err: errGivenBack}
				return
			}
			s, gen, err := j.open(ctx, pos, end-1, ifRange, slot)
			p.done <- prefetched{s, gen, err}
		}()
		out = append(out, p)
	}
	return out
}

// errGivenBack: the request was not sent, its piece went back to the
// scheduler before it could be (see attempt's onRefusal).
var errGivenBack = errors.New("piece given back before its request was sent")

// discard closes an early response nobody will read. It does not wait for
// it: a worker that fails must not be held up by a request in flight
// (which ends when the download's context is cancelled, at the latest).
func (p *prefetch) discard() {
	if p == nil {
		return
	}
	go func() {
		if r := <-p.done; r.s != nil {
			r.s.close()
		}
	}()
}

// pace follows, per download, how long a request waits for its first byte
// and how fast one connection receives, to keep pieces large enough that
// the wait between two pieces costs little.
type pace struct {
	mu    sync.Mutex
	wait  float64 // seconds, moving average
	speed float64 // bytes/s per connection, moving average
	n     int
}

// floorWaits: a piece is at least this many request waits' worth of
// bytes. Requests sent ahead hide most of the wait; the floor keeps the
// number of requests moderate (95 for 512 MiB over 16 connections
// with a 150 ms wait at 5 MB/s each) and every piece longer than the lead.
const floorWaits = 8

// observe records one response: its wait for the headers and moved body
// bytes since then. It returns the piece floor, 0 while unknown.
func (p *pace) observe(wait, body time.Duration, moved int64) int64 {
	if moved < 256<<10 || body <= 0 {
		return 0 // too short to tell a speed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w, v := wait.Seconds(), float64(moved)/body.Seconds()
	if p.n == 0 {
		p.wait, p.speed = w, v
	} else {
		p.wait += (w - p.wait) / 4
		p.speed += (v - p.speed) / 4
	}
	p.n++
	return int64(min(floorWaits*p.wait*p.speed, maxPiece))
}

// inWait is how many bytes one connection receives during one request
// wait; 0 while nothing was measured.
func (p *pace) inWait() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int64(p.wait * p.speed)
}

// lead is how many bytes one connection receives during about one request
// wait (with a margin): when a piece has that little left, the next piece
// is requested (prefetch). 0 while nothing was measured.
func (p *pace) lead() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return 0
	}
	return int64(1.25 * p.wait * p.speed)
}
