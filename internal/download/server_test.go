package download

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fault changes how the test server answers one request.
type fault struct {
	Status      int    // answer with this status and Body instead of the data
	Body        string // body for Status
	RetryAfter  string // Retry-After header for Status
	ContentType string // overrides the data's Content-Type
	DropAfter   int64  // > 0: abort the connection after this many body bytes
	StallAfter  int64  // > 0: stop sending after this many body bytes until the client leaves
	IgnoreRange bool   // answer 200 with the whole body
	Rate        int64  // bytes/s for this response (0: server default)
}

// reqLog is what the server saw of one request.
type reqLog struct {
	n       int
	rng     string
	ifRange string
	query   string
	at      time.Time
}

// rangeServer serves a deterministic body with Range/206, ETag, If-Range
// and per-request fault injection.
type rangeServer struct {
	srv *httptest.Server

	mu          sync.Mutex
	body        []byte
	etag        string
	lastMod     string
	contentType string
	rate        int64 // default bytes/s per response, 0 = unlimited
	ignoreRange bool
	noLength    bool          // 200 answers without Content-Length (chunked)
	disposition string        // Content-Disposition of data answers
	latency     time.Duration // wait before answering each request
	fault       func(n int, r *http.Request) *fault
	log         []reqLog

	reqs     atomic.Int64
	served   atomic.Int64 // body bytes written to connections
	newConns atomic.Int64
}

func newRangeServer(t testing.TB, body []byte) *rangeServer {
	t.Helper()
	return startRangeServer(t, body, false)
}

// startRangeServer starts a rangeServer, over TLS when useTLS (its client
// is then rs.srv.Client()).
func startRangeServer(t testing.TB, body []byte, useTLS bool) *rangeServer {
	t.Helper()
	rs := &rangeServer{body: body, etag: etagOf(body), contentType: "application/octet-stream"}
	rs.srv = httptest.NewUnstartedServer(rs)
	rs.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			rs.newConns.Add(1)
		}
	}
	if useTLS {
		rs.srv.StartTLS()
	} else {
		rs.srv.Start()
	}
	t.Cleanup(rs.srv.Close)
	return rs
}

func etagOf(b []byte) string {
	s := sha256.Sum256(b)
	return `"` + hex.EncodeToString(s[:8]) + `"`
}

func (rs *rangeServer) URL() string { return rs.srv.URL + "/model.safetensors" }

// setBody replaces the object (new ETag).
func (rs *rangeServer) setBody(b []byte) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.body, rs.etag = b, etagOf(b)
}

// configure changes settings under the lock (handlers may be running).
func (rs *rangeServer) configure(f func(rs *rangeServer)) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	f(rs)
}

func (rs *rangeServer) setFault(f func(n int, r *http.Request) *fault) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.fault = f
}

func (rs *rangeServer) requests() []reqLog {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]reqLog(nil), rs.log...)
}

func (rs *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(rs.reqs.Add(1))
	rs.mu.Lock()
	body, etag, lastMod, ct, rate := rs.body, rs.etag, rs.lastMod, rs.contentType, rs.rate
	ignore, noLength, ff, disp, latency := rs.ignoreRange, rs.noLength, rs.fault, rs.disposition, rs.latency
	rs.log = append(rs.log, reqLog{n: n, rng: r.Header.Get("Range"), ifRange: r.Header.Get("If-Range"), query: r.URL.RawQuery, at: time.Now()})
	rs.mu.Unlock()
	if latency > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(latency):
		}
	}
	f := &fault{}
	if ff != nil {
		if got := ff(n, r); got != nil {
			f = got
		}
	}
	if f.Status != 0 {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.ContentType != "" {
			w.Header().Set("Content-Type", f.ContentType)
		}
		w.WriteHeader(f.Status)
		w.Write([]byte(f.Body))
		return
	}
	if f.ContentType != "" {
		ct = f.ContentType
	}
	if f.Rate != 0 {
		rate = f.Rate
	}
	size := int64(len(body))
	start, end := int64(0), size
	status := http.StatusOK
	h := w.Header()
	if rh := r.Header.Get("Range"); rh != "" && !ignore && !f.IgnoreRange {
		ifr := r.Header.Get("If-Range")
		if ifr == "" || ifr == etag || (lastMod != "" && ifr == lastMod) {
			a, b, ok := parseTestRange(rh, size)
			if !ok {
				h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			start, end, status = a, b, http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b-1, size))
		}
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	if lastMod != "" {
		h.Set("Last-Modified", lastMod)
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", ct)
	if disp != "" {
		h.Set("Content-Disposition", disp)
	}
	if !(noLength && status == http.StatusOK) {
		h.Set("Content-Length", strconv.FormatInt(end-start, 10))
	}
	w.WriteHeader(status)
	if noLength && status == http.StatusOK {
		// Headers out now: net/http gives a body that fits its buffer
		// (an empty one too) a Content-Length when the handler returns.
		w.(http.Flusher).Flush()
	}
	rs.write(w, r, body[start:end], f, rate)
}

// write sends b in chunks, paced to rate, with the fault's drop or stall.
func (rs *rangeServer) write(w http.ResponseWriter, r *http.Request, b []byte, f *fault, rate int64) {
	fl := w.(http.Flusher)
	chunk := 64 << 10
	if rate > 0 {
		chunk = int(min(max(rate/200, 4<<10), 64<<10)) // about 5 ms of data
	}
	t0 := time.Now()
	var sent int64
	for len(b) > 0 {
		n := min(len(b), chunk)
		if f.DropAfter > 0 && sent+int64(n) >= f.DropAfter {
			n = int(f.DropAfter - sent)
			w.Write(b[:n])
			rs.served.Add(int64(n))
			fl.Flush()
			panic(http.ErrAbortHandler)
		}
		if f.StallAfter > 0 && sent+int64(n) >= f.StallAfter {
			n = int(f.StallAfter - sent)
			w.Write(b[:n])
			rs.served.Add(int64(n))
			fl.Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		if _, err := w.Write(b[:n]); err != nil {
			return
		}
		rs.served.Add(int64(n))
		sent += int64(n)
		b = b[n:]
		if rate > 0 {
			fl.Flush()
			due := time.Duration(float64(sent) / float64(rate) * float64(time.Second))
			if d := due - time.Since(t0); d > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(d):
				}
			}
		}
	}
}

// parseTestRange parses "bytes=a-b" or "bytes=a-" into [start, end).
func parseTestRange(h string, size int64) (int64, int64, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start >= size {
		return 0, 0, false
	}
	end := size
	if b != "" {
		last, err := strconv.ParseInt(b, 10, 64)
		if err != nil || last < start {
			return 0, 0, false
		}
		end = min(last+1, size)
	}
	return start, end, true
}

// testBody returns n deterministic pseudo-random bytes.
func testBody(n int, seed byte) []byte {
	var key [32]byte
	key[0] = seed
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// testOptions returns options with millisecond timings.
func testOptions() Options {
	return Options{
		MinSplit:        16 << 10,
		BufferSize:      32 << 10,
		StallTimeout:    2 * time.Second,
		Retry:           RetryPolicy{Attempts: 6, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
		CheckpointEvery: 20 * time.Millisecond,
		CheckpointBytes: 64 << 10,
		retryAfterUnit:  10 * time.Millisecond,
	}
}
