package download

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Object stores and CDNs cap the connections of one client: S3 and R2
// answer the extra ones 503 SlowDown, B2 503 "too busy", others 429. A
// download that opened 8 connections to such a host would see 6 of them
// refused again and again while 2 stream and, counting those refusals as
// failures, give up the whole file after a minute. Instead, a request
// refused while other requests to the same host are in flight teaches the
// Downloader the host's limit: that many requests at once, for all the
// downloads of the run. The refused connection gives its piece back,
// pauses briefly, and waits for a slot, which frees when a request to
// the host ends; every regrowEvery the limit grows by one, in case the
// host takes more again.
// A refusal with nothing else in flight is a failure like any other
// (retried, counted, given up on).

// regrowEvery is how long a learned limit holds before one more request
// at once is tried.
const regrowEvery = 30 * time.Second

// hostSlots limits the requests in flight per host (a request is in
// flight from before it is sent until its response is closed), once a
// limit was learned; it counts them always.
type hostSlots struct {
	mu    sync.Mutex
	hosts map[string]*slots
	now   func() time.Time
}

type slots struct {
	inflight int
	limit    int       // 0: none learned
	gen      int       // counts changes of limit
	changed  time.Time // when limit last changed
	strikes  int       // refusals under the current limit since the last answer
	waiters  []chan *slot
}

// slot is one request's place at a host. The response holds it until
// closed.
type slot struct {
	h    *hostSlots
	host string
	gen  int // the limit's generation when it was granted
	once sync.Once
}

// release frees the slot (safe to call more than once).
func (sl *slot) release() {
	sl.once.Do(func() {
		h := sl.h
		h.mu.Lock()
		defer h.mu.Unlock()
		s := h.get(sl.host)
		s.inflight--
		h.handOff(s, sl.host)
	})
}

func (h *hostSlots) get(host string) *slots {
	if h.hosts == nil {
		h.hosts = map[string]*slots{}
	}
	s := h.hosts[host]
	if s == nil {
		s = &slots{}
		h.hosts[host] = s
	}
	return s
}

func (h *hostSlots) clock() time.Time {
	if h.now != nil {
		return h.now()
	}
	return time.Now()
}

// setLimit changes the limit. Caller holds h.mu.
func (h *hostSlots) setLimit(s *slots, n int) {
	s.limit = n
	s.gen++
	s.changed = h.clock()
}

// grant takes a slot. Caller holds h.mu.
func (h *hostSlots) grant(s *slots, host string) *slot {
	s.inflight++
	return &slot{h: h, host: host, gen: s.gen}
}

// regrow raises a limit that has held for regrowEvery. Caller holds h.mu.
func (h *hostSlots) regrow(s *slots) {
	if s.limit > 0 && h.clock().Sub(s.changed) >= regrowEvery {
		h.setLimit(s, s.limit+1)
	}
}

// handOff gives free slots to waiters, oldest first. Caller holds h.mu.
func (h *hostSlots) handOff(s *slots, host string) {
	h.regrow(s)
	for len(s.waiters) > 0 && (s.limit == 0 || s.inflight < s.limit) {
		ch := s.waiters[0]
		s.waiters = s.waiters[1:]
		ch <- h.grant(s, host) // buffered: never blocks
	}
}

// acquire waits for a slot for one request to host. It returns nil, nil
// if done (may be nil) is closed first.
func (h *hostSlots) acquire(ctx context.Context, host string, done <-chan struct{}) (*slot, error) {
	h.mu.Lock()
	s := h.get(host)
	ch := make(chan *slot, 1)
	s.waiters = append(s.waiters, ch)
	h.handOff(s, host)
	h.mu.Unlock()
	leave := func() {
		h.mu.Lock()
		i := slices.Index(s.waiters, ch)
		if i >= 0 {
			s.waiters = slices.Delete(s.waiters, i, i+1)
		}
		h.mu.Unlock()
		if i < 0 { // granted meanwhile: pass it on
			(<-ch).release()
		}
	}
	select {
	case sl := <-ch:
		return sl, nil
	case <-done:
		leave()
		return nil, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

// tryAcquire takes up to n slots for host without waiting.
func (h *hostSlots) tryAcquire(host string, n int) []*slot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(host)
	h.regrow(s)
	var out []*slot
	for len(out) < n && len(s.waiters) == 0 && (s.limit == 0 || s.inflight < s.limit) {
		out = append(out, h.grant(s, host))
	}
	return out
}

// refused records that the host refused the request of sl (a 429 or 503)
// and reports whether that is its limit: other requests were in flight.
// The host then takes that many at once. Refusals of requests sent before
// the limit changed (the first burst) lower it only to what was in flight
// besides them. Under the limit, one refusal can be the host still
// counting a request the client has finished with (it counts until its
// own end of the exchange is done); a second one before any request is
// answered lowers the limit by one. It reports false when nothing else
// was in flight: a failure, not a limit.
func (h *hostSlots) refused(sl *slot) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.get(sl.host)
	others := s.inflight - 1
	if others <= 0 {
		return false
	}
	switch {
	case s.limit == 0 || sl.gen != s.gen: // sent before the limit was known
		if s.limit == 0 || others < s.limit {
			h.setLimit(s, others)
			s.strikes = 0
		}
	case s.limit > 1:
		if s.strikes++; s.strikes >= 2 {
			h.setLimit(s, s.limit-1)
			s.strikes = 0
		}
	}
	return true
}

// answered records that the host answered the request of sl.
func (h *hostSlots) answered(sl *slot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.get(sl.host).strikes = 0
}

// limitOf returns the learned limit of host, 0 if none.
func (h *hostSlots) limitOf(host string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.get(host).limit
}

// hostOf returns the host[:port] of a URL, "" when it does not parse.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}

// isRefusal reports whether err is a host declining one more request for
// now: 429 Too Many Requests or 503 Service Unavailable.
func isRefusal(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && (he.StatusCode == 429 || he.StatusCode == 503)
}

// errBusy is a refusal that was the host's limit (hostSlots.refused).
type errBusy struct{ *HTTPError }

func (e *errBusy) Unwrap() error { return e.HTTPError }

// refusedBusy reports whether err, the failure to open a range, is the
// host's limit.
func (j *job) refusedBusy(err error) bool {
	var b *errBusy
	return !j.streamMode && errors.As(err, &b)
}

// errYield: the worker gave its piece back after a refusal (refusedBusy);
// it pauses (pause), then its next request waits for a slot.
type errYield struct{ cause error }

func (e *errYield) Error() string { return "request refused for now: " + e.cause.Error() }
func (e *errYield) Unwrap() error { return e.cause }

// yield gives seg back to the scheduler after the refusal err.
func (j *job) yield(seg *segment, err error) error {
	j.sched.giveBack(seg)
	j.refused.Add(1)
	j.emit(Event{Kind: EventBusy, Err: err})
	return &errYield{cause: err}
}

// pause waits after a refusal that was the host's limit, before asking
// again (a worker for a piece, the probe for the file's first answer):
// exponential in the refusals in a row (from RetryPolicy.BaseDelay up to
// MaxDelay), and no longer than until done (may be nil) is closed. The
// pause keeps the request from taking, at once, a slot the host may still
// count as busy. The host's Retry-After is not waited for: it tells a
// client over the limit to come back later, and the next request waits
// for a slot anyway, which frees when one of the requests the host took
// ends (a 100 s Retry-After kept a small file waiting 100 s after each
// refusal while the slot was free after 7 s).
func (j *job) pause(ctx context.Context, refusals int, done <-chan struct{}) error {
	t := time.NewTimer(j.d.opts.Retry.backoff(refusals))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
