package download

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zeebo/blake3"
	"golang.org/x/time/rate"
)

// checkFile asserts that path holds exactly want and that no partial or
// control file is left next to it.
func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read result: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("content differs: got %d bytes (sha %s), want %d bytes (sha %s)",
			len(got), sha256Hex(got)[:12], len(want), sha256Hex(want)[:12])
	}
	part, ctl := partPaths(path)
	for _, p := range []string{part, ctl, ctl + ".tmp"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", filepath.Base(p))
		}
	}
}

// checkAbsent asserts that nothing exists under the final name.
func checkAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s exists after a failed download", path)
	}
}

// checkFetched asserts that a run received want bytes, plus at most one
// buffer per stolen range (a connection whose range was cut short drops the
// rest of its last read).
func checkFetched(t *testing.T, res *Result, want int64) {
	t.Helper()
	slack := int64(res.Steals) * int64(testOptions().BufferSize)
	if res.BytesFetched < want || res.BytesFetched > want+slack {
		t.Errorf("fetched %d bytes, want %d (+%d for %d steals)", res.BytesFetched, want, slack, res.Steals)
	}
}

func TestDownloadHappyPath(t *testing.T) {
	t.Parallel()
	body := testBody(3<<20+12345, 1)
	for _, tc := range []struct {
		name      string
		conns     int
		knownSize bool
	}{
		{"1 connection", 1, true},
		{"4 connections", 4, true},
		{"16 connections", 16, true},
		{"16 connections size unknown", 16, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			var events sync.Map
			var progressed atomic.Int64
			opts := testOptions()
			opts.Progress = func(ev Event) {
				events.Store(ev.Kind, true)
				if ev.Kind == EventProgress {
					progressed.Add(ev.N)
				}
			}
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: strings.ToLower(sha256Hex(body)),
				Connections: tc.conns, Identity: "mv:1/f:1"}
			if tc.knownSize {
				req.Size = int64(len(body))
			}
			res, err := New(opts).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if res.SHA256 != sha256Hex(body) || res.Size != int64(len(body)) || res.Path != dest {
				t.Errorf("result = %+v", res)
			}
			checkFetched(t, res, int64(len(body)))
			if res.Resumed || res.AlreadyPresent || res.Restarts != 0 {
				t.Errorf("resumed %v, present %v, restarts %d", res.Resumed, res.AlreadyPresent, res.Restarts)
			}
			if got := progressed.Load(); got != int64(len(body)) {
				t.Errorf("progress events sum to %d, want %d", got, len(body))
			}
			for _, k := range []EventKind{EventStart, EventProgress, EventVerify, EventDone} {
				if _, ok := events.Load(k); !ok {
					t.Errorf("no event of kind %d", k)
				}
			}
			if tc.conns == 1 && res.Requests != 1 {
				t.Errorf("1 connection used %d requests", res.Requests)
			}
			if tc.conns > 1 {
				if res.Requests < tc.conns {
					t.Errorf("%d connections but only %d requests", tc.conns, res.Requests)
				}
				if nc := rs.newConns.Load(); nc >= int64(res.Requests) {
					t.Errorf("no keep-alive reuse: %d connections for %d requests", nc, res.Requests)
				}
			}
			// The first request of each connection goes out before any
			// answer when the size is known: no validator to send yet (the
			// answers are checked against the first one instead). Every
			// other request carries it.
			first := 1
			if tc.knownSize {
				first = tc.conns
			}
			without := 0
			for _, l := range rs.requests() {
				if l.ifRange == "" {
					without++
				} else if l.ifRange != rs.etag {
					t.Errorf("request %d (%s) If-Range %q, want %q", l.n, l.rng, l.ifRange, rs.etag)
				}
			}
			if without > first {
				t.Errorf("%d requests without If-Range, want at most %d", without, first)
			}
		})
	}
}

func TestDownloadEmptyFile(t *testing.T) {
	t.Parallel()
	rs := newRangeServer(t, nil)
	dest := filepath.Join(t.TempDir(), "empty.bin")
	res, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, nil)
	if res.SHA256 != sha256Hex(nil) {
		t.Errorf("sha %s", res.SHA256)
	}
}

func TestWorkStealing(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20, 2)
	rs := newRangeServer(t, body)
	// The range starting at 0 crawls; the others are instant.
	rs.setFault(func(n int, r *http.Request) *fault {
		if strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
			return &fault{Rate: 100 << 10}
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.bin")
	res, err := New(testOptions()).Download(t.Context(), Request{
		Source: Source{URL: rs.URL()}, Dest: dest, Size: int64(len(body)), SHA256: sha256Hex(body), Connections: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	if res.Steals == 0 {
		t.Fatalf("no range was stolen from the slow connection (requests %d)", res.Requests)
	}
	// A stolen range starts inside the first piece (1 MiB / 16 = 64 KiB).
	stolen := false
	for _, l := range rs.requests() {
		if a, _, ok := parseTestRange(l.rng, int64(len(body))); ok && a > 0 && a < 64<<10 {
			stolen = true
		}
	}
	if !stolen {
		t.Errorf("no request inside the slow first piece: %+v", rs.requests())
	}
	// Without stealing the slow piece alone takes 640 ms.
	if res.Duration > 500*time.Millisecond {
		t.Errorf("took %v; stealing should have finished the slow piece early", res.Duration)
	}
}

func TestDownloadFaults(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20+777, 3)
	size := int64(len(body))
	type check func(t *testing.T, rs *rangeServer, res *Result)
	for _, tc := range []struct {
		name  string
		conns int
		setup func(rs *rangeServer)
		fault func(n int, r *http.Request) *fault
		check check
	}{
		{
			name:  "connection drop mid-body continues from the written bytes",
			conns: 1,
			fault: func(n int, r *http.Request) *fault {
				if n == 1 {
					return &fault{DropAfter: 300000}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries != 1 {
					t.Errorf("retries = %d, want 1", res.Retries)
				}
				if res.BytesFetched != size {
					t.Errorf("fetched %d bytes for %d: the retry did not continue where it stopped", res.BytesFetched, size)
				}
				if l := rs.requests(); len(l) != 2 || l[1].rng != "bytes=300000-"+itoa(size-1) {
					t.Errorf("requests %+v, want the second to start at 300000", l)
				}
			},
		},
		{
			name: "connection drop on one of several segments",
			fault: func(n int, r *http.Request) *fault {
				if n == 3 {
					return &fault{DropAfter: 20000}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries != 1 {
					t.Errorf("retries = %d, want 1", res.Retries)
				}
				checkFetched(t, res, size)
			},
		},
		{
			name: "429 with Retry-After is honoured",
			fault: func(n int, r *http.Request) *fault {
				if n == 1 {
					return &fault{Status: 429, RetryAfter: "5", Body: `{"error":"slow down"}`}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				l := rs.requests()
				if gap := l[1].at.Sub(l[0].at); gap < 50*time.Millisecond {
					t.Errorf("retried after %v, Retry-After asked for 50ms", gap)
				}
			},
		},
		{
			name: "503 then OK",
			fault: func(n int, r *http.Request) *fault {
				if n <= 2 {
					return &fault{Status: 503, Body: "busy"}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries < 2 {
					t.Errorf("retries = %d, want >= 2", res.Retries)
				}
			},
		},
		{
			name: "Cloudflare 524 on a segment",
			fault: func(n int, r *http.Request) *fault {
				if n == 3 || n == 4 {
					return &fault{Status: 524, Body: "<html>timeout</html>", ContentType: "text/html"}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries < 2 {
					t.Errorf("retries = %d, want >= 2", res.Retries)
				}
			},
		},
		{
			name: "stalled connection is cancelled and retried",
			fault: func(n int, r *http.Request) *fault {
				if n == 2 {
					return &fault{StallAfter: 8000}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries == 0 {
					t.Error("no retry after the stall")
				}
				if res.Duration > 2*time.Second {
					t.Errorf("took %v with a 150ms stall timeout", res.Duration)
				}
			},
		},
		{
			name:  "server ignoring Range falls back to a single stream",
			setup: func(rs *rangeServer) { rs.configure(func(rs *rangeServer) { rs.ignoreRange = true }) },
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Requests != 1 {
					t.Errorf("requests = %d, want 1 single stream", res.Requests)
				}
			},
		},
		{
			name: "single stream of unknown length",
			setup: func(rs *rangeServer) {
				rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength = true, true })
			},
		},
		{
			name:  "single stream dropped restarts from byte 0",
			setup: func(rs *rangeServer) { rs.configure(func(rs *rangeServer) { rs.ignoreRange = true }) },
			fault: func(n int, r *http.Request) *fault {
				if n == 1 {
					return &fault{DropAfter: 300000}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.BytesFetched != size+300000 {
					t.Errorf("fetched %d, want %d", res.BytesFetched, size+300000)
				}
			},
		},
		{
			name: "server stops honouring ranges mid-download: clean restart",
			fault: func(n int, r *http.Request) *fault {
				if n >= 3 {
					return &fault{IgnoreRange: true}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Restarts == 0 {
					t.Error("no restart recorded")
				}
			},
		},
		{
			// A storage or proxy hiccup: nothing says the file changed.
			name: "416 naming no size on a segment is retried",
			fault: func(n int, r *http.Request) *fault {
				if n == 3 {
					return &fault{Status: 416, Body: "<Error><Code>InvalidRange</Code></Error>", ContentType: "application/xml"}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries != 1 || res.Restarts != 0 {
					t.Errorf("retries %d, restarts %d; want 1 retry", res.Retries, res.Restarts)
				}
			},
		},
		{
			// A maintenance page served with a 200 (or a captive portal's
			// before signing in) may be gone a moment later.
			name: "web page with a 200 is asked for again",
			fault: func(n int, r *http.Request) *fault {
				if n <= maxPageRetries {
					return &fault{Status: 200, Body: maintenancePage, ContentType: "text/html; charset=utf-8"}
				}
				return nil
			},
			check: func(t *testing.T, rs *rangeServer, res *Result) {
				if res.Retries != maxPageRetries {
					t.Errorf("retries = %d, want %d", res.Retries, maxPageRetries)
				}
			},
		},
		{
			name: "503 with Retry-After on a segment",
			fault: func(n int, r *http.Request) *fault {
				if n == 2 {
					return &fault{Status: 503, RetryAfter: "1", Body: `{"error":"Server busy, please retry shortly."}`}
				}
				return nil
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			if tc.setup != nil {
				tc.setup(rs)
			}
			rs.setFault(tc.fault)
			opts := testOptions()
			opts.StallTimeout = 150 * time.Millisecond
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			conns := tc.conns
			if conns == 0 {
				conns = 4
			}
			res, err := New(opts).Download(t.Context(), Request{
				Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: conns,
			})
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if res.SHA256 != sha256Hex(body) {
				t.Errorf("result sha %s", res.SHA256)
			}
			if tc.check != nil {
				tc.check(t, rs, res)
			}
		})
	}
}

func TestDownloadErrors(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 4)
	unauthorized := `{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in to download it"}`
	for _, tc := range []struct {
		name      string
		req       func(r *Request)
		setup     func(rs *rangeServer)
		fault     func(n int, r *http.Request) *fault
		check     func(t *testing.T, err error)
		transient bool
	}{
		{
			name:  "wrong expected sha256",
			req:   func(r *Request) { r.SHA256 = strings.Repeat("ab", 32) },
			check: wantHashMismatch("sha256", strings.Repeat("AB", 32), sha256Hex(body)),
		},
		{
			name: "wrong expected blake3",
			req:  func(r *Request) { r.SHA256, r.BLAKE3 = "", strings.Repeat("cd", 32) },
			check: func(t *testing.T, err error) {
				b := blake3.Sum256(body)
				wantHashMismatch("blake3", strings.Repeat("CD", 32), strings.ToUpper(hexs(b[:])))(t, err)
			},
		},
		{
			name: "json error document with a 200",
			req:  func(r *Request) { r.Size = 5 << 30 },
			fault: func(n int, r *http.Request) *fault {
				return &fault{Status: 200, Body: unauthorized, ContentType: "application/json"}
			},
			check: wantUnexpected("Unauthorized"),
		},
		{
			name: "html page instead of the file",
			setup: func(rs *rangeServer) {
				rs.setBody([]byte("<!DOCTYPE html><html>We're adjusting a few things</html>"))
				rs.configure(func(rs *rangeServer) { rs.contentType = "text/html; charset=utf-8" })
			},
			check: wantUnexpected("adjusting"),
		},
		{
			// The retry of a single stream is a plain GET as the first
			// request was, and its answer is checked as that one's.
			name: "json error document answering a restarted stream",
			req:  func(r *Request) { r.NoVerify, r.NoHash, r.SHA256 = true, true, "" },
			setup: func(rs *rangeServer) {
				rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength, rs.etag = true, true, "" })
			},
			fault: func(n int, r *http.Request) *fault {
				if n == 1 {
					return &fault{DropAfter: 100000}
				}
				return &fault{Status: 200, Body: unauthorized, ContentType: "application/json"}
			},
			check: wantUnexpected("Unauthorized"),
		},
		{
			name:  "json body labelled octet-stream is sniffed",
			setup: func(rs *rangeServer) { rs.setBody([]byte(unauthorized)) },
			check: wantUnexpected("Unauthorized"),
		},
		{
			name: "size mismatch",
			req:  func(r *Request) { r.Size = int64(len(body)) + 1 },
			check: func(t *testing.T, err error) {
				var se *SizeMismatchError
				if !errors.As(err, &se) || se.Got != int64(len(body)) {
					t.Errorf("err = %v, want *SizeMismatchError", err)
				}
			},
		},
		{
			name: "404",
			fault: func(int, *http.Request) *fault {
				return &fault{Status: 404, Body: "<Error><Code>NoSuchKey</Code></Error>"}
			},
			check: wantStatus(404),
		},
		{
			name:  "403 without Resolve",
			fault: func(int, *http.Request) *fault { return &fault{Status: 403, Body: "Request has expired"} },
			check: wantStatus(403),
		},
		{
			// An empty answer where the API announced a size: never kept
			// (with NoVerify nothing else would notice), retried, and
			// given up on as a transient failure.
			name: "empty answer forever gives up",
			req:  func(r *Request) { r.SizeHint, r.NoVerify, r.NoHash, r.SHA256 = int64(len(body)), true, true, "" },
			setup: func(rs *rangeServer) {
				rs.setBody(nil)
			},
			check: func(t *testing.T, err error) {
				var ea *EmptyAnswerError
				if !errors.As(err, &ea) || ea.Expected != int64(len(body)) {
					t.Errorf("err = %v, want *EmptyAnswerError", err)
				}
			},
			transient: true,
		},
		{
			// The same without Content-Length: the emptiness shows only
			// at the end of the body.
			name: "empty answer of unknown length",
			req:  func(r *Request) { r.SizeHint, r.NoVerify, r.NoHash, r.SHA256 = int64(len(body)), true, true, "" },
			setup: func(rs *rangeServer) {
				rs.setBody(nil)
				rs.configure(func(rs *rangeServer) { rs.noLength = true })
			},
			check: func(t *testing.T, err error) {
				var ea *EmptyAnswerError
				if !errors.As(err, &ea) || ea.Expected != int64(len(body)) {
					t.Errorf("err = %v, want *EmptyAnswerError", err)
				}
			},
			transient: true,
		},
		{
			// A body of unknown length that ends far from the API's size,
			// with no hash to check it: cut short, or another file.
			name: "unknown length far from the published size",
			req:  func(r *Request) { r.SizeHint, r.NoVerify, r.NoHash, r.SHA256 = 2*int64(len(body)), true, true, "" },
			setup: func(rs *rangeServer) {
				rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength = true, true })
			},
			check: func(t *testing.T, err error) {
				var se *SizeMismatchError
				if !errors.As(err, &se) || !se.About || se.Got != int64(len(body)) {
					t.Errorf("err = %v, want *SizeMismatchError about the hint", err)
				}
			},
		},
		{
			name:      "500 forever gives up",
			fault:     func(int, *http.Request) *fault { return &fault{Status: 500} },
			check:     wantStatus(500),
			transient: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			if tc.setup != nil {
				tc.setup(rs)
			}
			rs.setFault(tc.fault)
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4}
			if tc.req != nil {
				tc.req(&req)
			}
			res, err := New(testOptions()).Download(t.Context(), req)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			tc.check(t, err)
			checkAbsent(t, dest)
			part, ctl := partPaths(dest)
			for _, p := range []string{part, ctl} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s left behind", filepath.Base(p))
				}
			}
			if got := IsTransient(err); got == IsPermanent(err) {
				t.Errorf("IsTransient %v and IsPermanent %v for %v", got, IsPermanent(err), err)
			}
			if tc.transient != IsTransient(err) {
				t.Errorf("%v: transient %v, want %v", err, IsTransient(err), tc.transient)
			}
			if !tc.transient && !IsPermanent(err) {
				t.Errorf("%v should be permanent", err)
			}
		})
	}
}

// maintenancePage is CivitAI's maintenance page (civitaitest's).
const maintenancePage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Civitai | Maintenance</title></head>` +
	`<body><main><h1>We're adjusting a few things, be back in a few minutes...</h1>` +
	`<p>Civitai is down for maintenance.</p></main></body></html>`

// A web page that stays where the file should be is asked for a few times,
// not for the whole retry budget, and the error quotes what the page says,
// not its markup.
func TestWebPageGivesUp(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 4)
	for _, tc := range []struct {
		name, page, want string
	}{
		{"title", maintenancePage, "server sent text/html (240 bytes) instead of the file: Civitai | Maintenance"},
		{"no title", "<html><body>\n<h1>Sign in</h1> <p>to use this Wi-Fi &amp; more</p></body></html>",
			"server sent text/html (79 bytes) instead of the file: Sign in to use this Wi-Fi & more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.setFault(func(int, *http.Request) *fault {
				return &fault{Status: 200, Body: tc.page, ContentType: "text/html; charset=utf-8"}
			})
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			var retries int
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4,
				Progress: func(ev Event) {
					if ev.Kind == EventRetry {
						retries++
					}
				}}
			_, err := New(testOptions()).Download(t.Context(), req)
			var uc *UnexpectedContentError
			if !errors.As(err, &uc) || !IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent *UnexpectedContentError", err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			if n := len(rs.requests()); n != 1+maxPageRetries || retries != maxPageRetries {
				t.Errorf("%d requests, %d retries; want %d, %d", n, retries, 1+maxPageRetries, maxPageRetries)
			}
			checkAbsent(t, dest)
		})
	}
}

// A web page answering a request after the first is asked for again: it is
// not the remote file changing (its size and validators are the page's),
// so the download neither starts over nor drops the saved bytes.
func TestWebPageIsNotARemoteChange(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 6)
	page := &fault{Status: 200, Body: maintenancePage, ContentType: "text/html; charset=utf-8"}
	changes := func(n *atomic.Int64) func(Event) {
		return func(ev Event) {
			var rc *RemoteChangedError
			if ev.Kind == EventRestart && errors.As(ev.Err, &rc) {
				n.Add(1)
			}
		}
	}

	t.Run("restarted stream", func(t *testing.T) {
		t.Parallel()
		rs := newRangeServer(t, body)
		rs.configure(func(rs *rangeServer) { rs.ignoreRange = true })
		rs.setFault(func(n int, r *http.Request) *fault {
			switch n {
			case 1:
				return &fault{DropAfter: 100000}
			case 2:
				return page
			}
			return nil
		})
		var changed atomic.Int64
		dest := filepath.Join(t.TempDir(), "m.safetensors")
		res, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest,
			SHA256: sha256Hex(body), Connections: 4, Progress: changes(&changed)})
		if err != nil {
			t.Fatal(err)
		}
		checkFile(t, dest, body)
		if changed.Load() != 0 || res.Restarts != 0 {
			t.Errorf("%d restarts for a remote change (%d in all); the page is no change", changed.Load(), res.Restarts)
		}
	})

	t.Run("resumed download", func(t *testing.T) {
		t.Parallel()
		rs := newRangeServer(t, body)
		rs.configure(func(rs *rangeServer) { rs.rate = 1 << 20 })
		dest := filepath.Join(t.TempDir(), "m.safetensors")
		req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 1}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		opts := testOptions()
		opts.Progress = cancelAt(int64(len(body))/2, cancel)
		if _, err := New(opts).Download(ctx, req); !errors.Is(err, context.Canceled) {
			t.Fatalf("first run: %v", err)
		}
		first := len(rs.requests())
		rs.configure(func(rs *rangeServer) { rs.rate = 0 })
		rs.setFault(func(n int, r *http.Request) *fault {
			if n == first+1 {
				return page
			}
			return nil
		})
		var changed atomic.Int64
		req.Progress = changes(&changed)
		res, err := New(testOptions()).Download(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		checkFile(t, dest, body)
		if !res.Resumed || res.Restarts != 0 || changed.Load() != 0 {
			t.Errorf("resumed %v, restarts %d (%d for a remote change): want the saved bytes kept", res.Resumed, res.Restarts, changed.Load())
		}
	})
}

// Ranges inside the file refused for good with a 416 that names no size:
// given up on with the retry budget as a transient failure, which keeps
// what arrived, and the message says so without a size of -1.
func TestRangeRefusedMidwayGivesUp(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20, 7)
	rs := newRangeServer(t, body)
	rs.setFault(func(n int, r *http.Request) *fault {
		if n >= 2 {
			return &fault{Status: 416, Body: "<Error><Code>InvalidRange</Code></Error>", ContentType: "application/xml"}
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	opts := testOptions()
	_, err := New(opts).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4})
	if err == nil || !IsTransient(err) {
		t.Fatalf("err = %v, want a transient failure", err)
	}
	msg := err.Error()
	want := regexp.MustCompile(`^giving up after 6 attempts: GET http://[^ ]+/model\.safetensors: 416 Range Not Satisfiable for bytes \d+-\d+ \(size unknown\)$`)
	if !want.MatchString(msg) {
		t.Errorf("error %q, want it to match %s", msg, want)
	}
	if done, _, ok := Partial(dest, ""); !ok || done == 0 {
		t.Errorf("partial download kept: %v, %d bytes; want what arrived kept", ok, done)
	}
	checkAbsent(t, dest)
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func wantHashMismatch(algo, expected, got string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var hm *HashMismatchError
		if !errors.As(err, &hm) {
			t.Fatalf("err = %v, want *HashMismatchError", err)
		}
		if hm.Algo != algo || hm.Expected != expected || hm.Got != got {
			t.Errorf("mismatch = %+v, want %s %s got %s", hm, algo, expected, got)
		}
		if msg := err.Error(); !strings.Contains(msg, expected) || !strings.Contains(msg, got) {
			t.Errorf("message %q does not name both hashes", msg)
		}
	}
}

func wantUnexpected(snippet string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var uc *UnexpectedContentError
		if !errors.As(err, &uc) {
			t.Fatalf("err = %v, want *UnexpectedContentError", err)
		}
		if !strings.Contains(uc.Snippet, snippet) {
			t.Errorf("snippet %q does not contain %q", uc.Snippet, snippet)
		}
	}
}

func wantStatus(code int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != code {
			t.Fatalf("err = %v, want HTTP %d", err, code)
		}
	}
}

func TestExpiredURLIsResolvedAgain(t *testing.T) {
	t.Parallel()
	body := testBody(700000, 5)
	rs := newRangeServer(t, body)
	var valid atomic.Value
	valid.Store("sig-1")
	rs.setFault(func(n int, r *http.Request) *fault {
		if r.URL.Query().Get("sig") != valid.Load().(string) {
			return &fault{Status: 403, Body: "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", ContentType: "application/xml"}
		}
		if n == 3 {
			valid.Store("sig-2") // the signature expires mid-download
		}
		return nil
	})
	var resolves atomic.Int32
	src := Source{
		URL: rs.URL() + "?sig=sig-1",
		Resolve: func(ctx context.Context) (string, error) {
			resolves.Add(1)
			return rs.URL() + "?" + url.Values{"sig": {valid.Load().(string)}}.Encode(), nil
		},
	}
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	res, err := New(testOptions()).Download(t.Context(), Request{Source: src, Dest: dest, SHA256: sha256Hex(body), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	if n := resolves.Load(); n != 1 {
		t.Errorf("Resolve called %d times, want 1 (shared by all connections)", n)
	}
	if res.Retries != 0 {
		t.Errorf("a re-resolved URL should not count as a retry: %d", res.Retries)
	}
}

func TestResolveBudgetIsBounded(t *testing.T) {
	t.Parallel()
	rs := newRangeServer(t, testBody(1000, 6))
	rs.setFault(func(int, *http.Request) *fault { return &fault{Status: 403} })
	var resolves atomic.Int32
	src := Source{Resolve: func(ctx context.Context) (string, error) {
		resolves.Add(1)
		return rs.URL(), nil
	}}
	_, err := New(testOptions()).Download(t.Context(), Request{Source: src, Dest: filepath.Join(t.TempDir(), "x.bin")})
	wantStatus(403)(t, err)
	if n := resolves.Load(); n != maxResolves {
		t.Errorf("Resolve called %d times, want %d", n, maxResolves)
	}
}

func TestRemoteChangesMidDownload(t *testing.T) {
	t.Parallel()
	v1, v2 := testBody(800000, 7), testBody(800000, 8)
	rs := newRangeServer(t, v1)
	rs.setFault(func(n int, r *http.Request) *fault {
		if n == 3 {
			rs.setBody(v2) // takes effect from the next request
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.bin")
	res, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, v2)
	if res.Restarts == 0 {
		t.Error("no restart recorded")
	}
}

// The object is replaced by a shorter one mid-download, with no validator
// for If-Range: the ranges past its new end are answered 416 "bytes */<new
// size>". That is a remote change like a different Content-Range total:
// the download starts over and gets the new file.
func TestRemoteShrinksMidDownload(t *testing.T) {
	t.Parallel()
	long, short := testBody(1<<20, 29), testBody(10<<10, 30)
	rs := newRangeServer(t, long)
	rs.configure(func(rs *rangeServer) { rs.etag = "" })
	rs.setFault(func(n int, r *http.Request) *fault {
		if n == 1 { // this answer still serves the long body
			rs.configure(func(rs *rangeServer) { rs.body = short })
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	res, err := New(testOptions()).Download(t.Context(), Request{
		Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(short), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, short)
	if res.Restarts == 0 {
		t.Error("no restart recorded")
	}
}

func TestRemoteKeepsChangingGivesUp(t *testing.T) {
	t.Parallel()
	rs := newRangeServer(t, testBody(400000, 9))
	var ver atomic.Int32
	rs.setFault(func(n int, r *http.Request) *fault {
		if n%2 == 0 {
			rs.setBody(testBody(400000, byte(10+ver.Add(1))))
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.bin")
	_, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 4})
	var rc *RemoteChangedError
	if !errors.As(err, &rc) {
		t.Fatalf("err = %v, want *RemoteChangedError", err)
	}
	if !IsTransient(err) {
		t.Error("a changing remote should be transient")
	}
	checkAbsent(t, dest)
}

// A single stream (ranges ignored, no length, no validator) dropped, then
// answered in full by a shorter file: the restart truncates the .part, so
// the first answer's tail, which the hash never covered, is not kept
// under the final name.
func TestStreamRestartDropsTheOldTail(t *testing.T) {
	t.Parallel()
	long, short := testBody(200<<10, 23), testBody(50<<10, 24)
	rs := newRangeServer(t, long)
	rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength, rs.etag = true, true, "" })
	rs.setFault(func(n int, r *http.Request) *fault {
		if n == 1 { // this answer still serves the long body
			rs.configure(func(rs *rangeServer) { rs.body = short })
			return &fault{DropAfter: 150 << 10}
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	res, err := New(testOptions()).Download(t.Context(), Request{
		Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(short), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, short)
	if res.Size != int64(len(short)) {
		t.Errorf("Result.Size %d, want %d", res.Size, len(short))
	}
}

// A single stream restarted after a drop ends: a new answer that has the
// length the first lacked ends it there, and a new answer of unknown length
// that stops short of a known size is a failed read, not the end. (Both
// made the worker ask for the rest of the segment, get the whole file
// again and start over, forever.)
func TestRestartedStreamEnds(t *testing.T) {
	t.Parallel()
	body, short := testBody(400<<10, 26), testBody(50<<10, 27)
	for _, tc := range []struct {
		name     string
		noLength bool               // the first answer has no Content-Length
		after    func(*rangeServer) // the server after the drop
		wantErr  error
	}{
		{"the length comes with the second answer", true,
			func(rs *rangeServer) { rs.noLength = false }, nil},
		{"a shorter second answer of unknown length", false,
			func(rs *rangeServer) { rs.noLength, rs.body = true, short }, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength, rs.etag = true, tc.noLength, "" })
			rs.setFault(func(n int, r *http.Request) *fault {
				if n == 1 {
					rs.configure(tc.after)
					return &fault{DropAfter: 100 << 10}
				}
				return nil
			})
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			_, err := New(testOptions()).Download(ctx, Request{
				Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4})
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("%v after %d requests", err, rs.reqs.Load())
				}
				checkFile(t, dest, body)
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v after %d requests, want %v", err, rs.reqs.Load(), tc.wantErr)
			}
			checkAbsent(t, dest)
		})
	}
}

// Whatever made the .part longer than the bytes downloaded, it does not get
// the final name: the hash and the size checks cover only those bytes.
func TestLongerPartNeverGetsTheFinalName(t *testing.T) {
	t.Parallel()
	body := testBody(100<<10, 25)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength = true, true })
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	part, _ := partPaths(dest)
	var werr error
	opts := testOptions()
	opts.Progress = func(ev Event) {
		if ev.Kind == EventStart { // emitted by Download's goroutine
			f, err := os.OpenFile(part, os.O_WRONLY, 0)
			if err == nil {
				_, err = f.WriteAt([]byte("stale"), int64(len(body))+4096)
				f.Close()
			}
			werr = err
		}
	}
	_, err := New(opts).Download(t.Context(), Request{
		Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 1})
	if werr != nil {
		t.Skipf("the locked .part cannot be written here: %v", werr)
	}
	if err == nil || !IsPermanent(err) {
		t.Errorf("err = %v, want a permanent error", err)
	}
	checkAbsent(t, dest)
	checkAbsent(t, part)
}

// A body of unknown length within 1 KiB of Request.SizeHint (the API's
// rounded size) is kept without a hash to check it, and one far from it is
// kept when its hash matches: the hash outranks the rounded size.
func TestSizeHintOfUnknownLength(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 28)
	for _, tc := range []struct {
		name string
		req  func(r *Request)
	}{
		{"near, nothing to verify", func(r *Request) { r.SizeHint, r.NoVerify, r.NoHash = int64(len(body))+1000, true, true }},
		{"far, the hash matches", func(r *Request) { r.SizeHint, r.SHA256 = 3*int64(len(body)), sha256Hex(body) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength = true, true })
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 4}
			tc.req(&req)
			if _, err := New(testOptions()).Download(t.Context(), req); err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
		})
	}
}

// cancelAt returns a Progress func that cancels when done reaches at.
func cancelAt(at int64, cancel context.CancelFunc) func(Event) {
	return func(ev Event) {
		if ev.Kind == EventProgress && ev.Done >= at {
			cancel()
		}
	}
}

func TestCancelThenResume(t *testing.T) {
	t.Parallel()
	body := testBody(2<<20, 12)
	size := int64(len(body))
	b3sum := blake3.Sum256(body)
	b3 := strings.ToUpper(hexs(b3sum[:]))
	for _, tc := range []struct {
		name        string
		sha, blake3 string
		wantBLAKE3  bool
		hashResumed bool // the SHA-256 state was restored, not recomputed
	}{
		{"sha256", sha256Hex(body), "", false, true},
		{"blake3 only: re-hashed from disk", "", b3, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.configure(func(rs *rangeServer) { rs.rate = 2 << 20 }) // per response
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: tc.sha, BLAKE3: tc.blake3, Connections: 4, Identity: "mv:1/f:2"}

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := testOptions()
			opts.Progress = cancelAt(size/2, cancel)
			start := time.Now()
			_, err := New(opts).Download(ctx, req)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("cancel took %v", d)
			}
			checkAbsent(t, dest)
			part, ctl := partPaths(dest)
			c, err := readControl(ctl)
			if err != nil || c == nil {
				t.Fatalf("no control file after cancel: %v", err)
			}
			if fi, err := os.Stat(part); err != nil || fi.Size() != size {
				t.Fatalf("partial file: %v", err)
			}
			done := c.doneBytes()
			if done < size/2 {
				t.Fatalf("control file records %d bytes, at least %d were written", done, size/2)
			}
			if c.SHA256Offset == 0 || c.ETag != rs.etag {
				t.Errorf("control file: hash offset %d, etag %q", c.SHA256Offset, c.ETag)
			}

			rs.configure(func(rs *rangeServer) { rs.rate = 0 })
			res, err := New(testOptions()).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if !res.Resumed {
				t.Error("Resumed = false")
			}
			checkFetched(t, res, size-done)
			if tc.wantBLAKE3 && res.BLAKE3 != b3 {
				t.Errorf("BLAKE3 = %s, want %s", res.BLAKE3, b3)
			}
			if tc.hashResumed && res.ReadBack > size-c.SHA256Offset {
				t.Errorf("read back %d bytes: the saved hash state (at %d) was not used", res.ReadBack, c.SHA256Offset)
			}
			if !tc.hashResumed && res.ReadBack < c.SHA256Offset {
				t.Errorf("read back only %d bytes; BLAKE3 must re-hash the %d saved bytes", res.ReadBack, c.SHA256Offset)
			}
		})
	}
}

// TestResumedMismatchRestartsOnce: a resumed .part whose saved bytes were
// damaged since (bit rot, another tool) fails the hash; the engine fetches
// the whole file once more before calling it a mismatch of the published
// hash.
func TestResumedMismatchRestartsOnce(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20, 22)
	size := int64(len(body))
	rs := newRangeServer(t, body)
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	part, ctl := partPaths(dest)
	saved := bytes.Clone(body)
	saved[size*3/4] ^= 0xff // damaged after it was saved
	clear(saved[:size/2])   // not fetched yet
	if err := os.WriteFile(part, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &control{Version: controlVersion, Identity: "mv:1/f:2", Size: size, ETag: rs.etag, Done: [][2]int64{{size / 2, size}}}
	if err := writeControl(ctl, c); err != nil {
		t.Fatal(err)
	}
	req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 2, Identity: "mv:1/f:2"}
	res, err := New(testOptions()).Download(t.Context(), req)
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	checkFile(t, dest, body)
	if res.Restarts != 1 || res.Resumed {
		t.Errorf("restarts %d, resumed %v; want one restart, not resumed", res.Restarts, res.Resumed)
	}

	// A hash that is wrong on the server's side fails after that one
	// restart, and nothing stays behind.
	if err := os.WriteFile(part, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeControl(ctl, c); err != nil {
		t.Fatal(err)
	}
	dest2 := filepath.Join(filepath.Dir(dest), "m2.safetensors")
	os.Rename(part, dest2+".part")
	os.Rename(ctl, dest2+".part.civit")
	req.Dest, req.SHA256 = dest2, sha256Hex(saved)
	_, err = New(testOptions()).Download(t.Context(), req)
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("err = %v, want *HashMismatchError", err)
	}
	checkAbsent(t, dest2)
	checkAbsent(t, dest2+".part")
}

// TestResumeSpotChecksTheVerifiedPrefix: bytes the saved hash state
// covers are not read again on resume, so a .part changed there since
// (here its header, as a metadata editor would) must be noticed by the
// spot check, or the file would get its final name with the saved state's
// "right" hash over wrong bytes.
func TestResumeSpotChecksTheVerifiedPrefix(t *testing.T) {
	t.Parallel()
	body := testBody(2<<20, 23)
	size := int64(len(body))
	for _, tc := range []struct {
		name   string
		damage func(part []byte, hashed int64)
	}{
		{"header edited", func(p []byte, _ int64) { copy(p[100:], "XXXX") }},
		{"zero-filled", func(p []byte, hashed int64) { clear(p[spotHead : hashed-1]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.configure(func(rs *rangeServer) { rs.rate = 2 << 20 })
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 2, Identity: "mv:1/f:2"}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := testOptions()
			opts.Progress = cancelAt(size*3/4, cancel)
			if _, err := New(opts).Download(ctx, req); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			part, ctl := partPaths(dest)
			c, err := readControl(ctl)
			if err != nil || c == nil || c.SHA256Offset <= spotHead+spotSize || c.SpotCheck == "" {
				t.Fatalf("control file %+v (%v): want a spot check over more than the head", c, err)
			}
			b, err := os.ReadFile(part)
			if err != nil {
				t.Fatal(err)
			}
			tc.damage(b, c.SHA256Offset)
			if err := os.WriteFile(part, b, 0o644); err != nil {
				t.Fatal(err)
			}
			rs.configure(func(rs *rangeServer) { rs.rate = 0 })
			res, err := New(testOptions()).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if res.Resumed || res.Restarts != 1 {
				t.Errorf("resumed %v, restarts %d: want the damaged part discarded once", res.Resumed, res.Restarts)
			}
		})
	}
}

func TestResumeDiscardsStaleState(t *testing.T) {
	t.Parallel()
	v1, v2 := testBody(1<<20, 13), testBody(1<<20, 14)
	for _, tc := range []struct {
		name   string
		change func(rs *rangeServer, req *Request)
		want   []byte
	}{
		{"etag changed", func(rs *rangeServer, req *Request) { rs.setBody(v2); req.SHA256 = sha256Hex(v2) }, v2},
		{"identity changed", func(rs *rangeServer, req *Request) { req.Identity = "mv:1/f:other" }, v1},
		{"etag changed, server without If-Range", func(rs *rangeServer, req *Request) {
			rs.setBody(v2)
			req.SHA256 = sha256Hex(v2)
			rs.setFault(func(n int, r *http.Request) *fault { r.Header.Del("If-Range"); return nil })
		}, v2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, v1)
			rs.configure(func(rs *rangeServer) { rs.rate = 2 << 20 })
			dest := filepath.Join(t.TempDir(), "m.bin")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(v1), Connections: 4, Identity: "mv:1/f:1"}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := testOptions()
			opts.Progress = cancelAt(int64(len(v1))/2, cancel)
			if _, err := New(opts).Download(ctx, req); !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			rs.configure(func(rs *rangeServer) { rs.rate = 0 })
			tc.change(rs, &req)
			var restarted atomic.Bool
			opts = testOptions()
			opts.Progress = func(ev Event) {
				if ev.Kind == EventRestart {
					restarted.Store(true)
				}
			}
			res, err := New(opts).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, tc.want)
			if res.Resumed {
				t.Error("stale state was resumed")
			}
			checkFetched(t, res, int64(len(tc.want)))
			if !restarted.Load() || res.Restarts == 0 {
				t.Error("the discarded state was not reported")
			}
		})
	}
}

func TestExistingDestination(t *testing.T) {
	t.Parallel()
	body := testBody(100000, 15)
	other := testBody(100000, 16)
	for _, tc := range []struct {
		name        string
		existing    []byte
		req         func(r *Request)
		wantPresent bool
		wantErr     bool
		wantReqs    bool
		dangling    bool   // Dest is a symbolic link to a missing file
		wantReason  string // in the *ExistsError
	}{
		{name: "same hash", existing: body, wantPresent: true},
		{name: "same size, no hash", existing: body, req: func(r *Request) { r.SHA256 = ""; r.Size = int64(len(body)) }, wantPresent: true},
		{name: "different content", existing: other, wantErr: true},
		{name: "different size", existing: body[:10], req: func(r *Request) { r.Size = int64(len(body)) }, wantErr: true},
		{name: "nothing to compare", existing: body, req: func(r *Request) { r.SHA256 = "" }, wantErr: true},
		// Told apart by the approximate size, without hashing it.
		{name: "far from the size hint", existing: body[:10], req: func(r *Request) { r.SizeHint = int64(len(body)) }, wantErr: true, wantReason: "expected about 100000"},
		{name: "within the size hint", existing: body, req: func(r *Request) { r.SizeHint = int64(len(body)) + 500 }, wantPresent: true},
		{name: "different content with Force", existing: other, req: func(r *Request) { r.Force = true }, wantReqs: true},
		{name: "dangling symbolic link", dangling: true, wantErr: true},
		{name: "dangling symbolic link with Force", dangling: true, req: func(r *Request) { r.Force = true }, wantReqs: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			dest := filepath.Join(t.TempDir(), "m.bin")
			if tc.dangling {
				if err := os.Symlink(filepath.Join(t.TempDir(), "gone"), dest); err != nil {
					t.Skip(err)
				}
				if fi, err := os.Lstat(dest); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Skip("this system does not show the symbolic link to Lstat (Wine 8 does not)")
				}
			} else if err := os.WriteFile(dest, tc.existing, 0o644); err != nil {
				t.Fatal(err)
			}
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body)}
			if tc.req != nil {
				tc.req(&req)
			}
			res, err := New(testOptions()).Download(t.Context(), req)
			switch {
			case tc.wantErr:
				var ee *ExistsError
				if !errors.As(err, &ee) {
					t.Fatalf("err = %v, want *ExistsError", err)
				}
				if !strings.Contains(ee.Reason, tc.wantReason) {
					t.Errorf("reason %q, want %q in it", ee.Reason, tc.wantReason)
				}
				got, _ := os.ReadFile(dest)
				if !bytes.Equal(got, tc.existing) {
					t.Error("existing file was modified")
				}
			case err != nil:
				t.Fatal(err)
			default:
				if res.AlreadyPresent != tc.wantPresent {
					t.Errorf("AlreadyPresent = %v", res.AlreadyPresent)
				}
				checkFile(t, dest, body)
				if res.SHA256 != sha256Hex(body) {
					t.Errorf("sha %s", res.SHA256)
				}
			}
			if got := rs.reqs.Load() > 0; got != tc.wantReqs {
				t.Errorf("network used: %v, want %v", got, tc.wantReqs)
			}
		})
	}
}

// TestFinishedMeanwhileIsNotTruncated plays two processes downloading the
// same file: the other one renames its complete .part to the final name
// between this one's open of the .part and its lock. This one must see the
// finished file, not take that file (now under the final name) for a
// partial download without control file and truncate it.
func TestFinishedMeanwhileIsNotTruncated(t *testing.T) {
	// Not parallel: it sets a package hook.
	body := testBody(300000, 21)
	rs := newRangeServer(t, body)
	rs.setFault(func(int, *http.Request) *fault { return &fault{Status: http.StatusNotFound} })
	dest := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(dest+".part", body, 0o644); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	testHookPartOpened = func(part string) {
		once.Do(func() {
			if err := os.Rename(part, dest); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(func() { testHookPartOpened = nil })
	res, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body)})
	if err != nil || !res.AlreadyPresent {
		t.Errorf("Download = %+v, %v; want the finished file, already present", res, err)
	}
	checkFile(t, dest, body)
	checkAbsent(t, dest+".part")
	checkAbsent(t, dest+".part.civit")
}

func TestBusyDestination(t *testing.T) {
	t.Parallel()
	body := testBody(512<<10, 17)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.rate = 1 << 20 })
	dest := filepath.Join(t.TempDir(), "m.bin")
	req := Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 2, SHA256: sha256Hex(body)}
	started := make(chan struct{})
	var once sync.Once
	opts := testOptions()
	opts.Progress = func(ev Event) {
		if ev.Kind == EventProgress {
			once.Do(func() { close(started) })
		}
	}
	d := New(opts)
	errc := make(chan error, 1)
	go func() {
		_, err := d.Download(t.Context(), req)
		errc <- err
	}()
	<-started
	_, err := d.Download(t.Context(), req)
	if !errors.Is(err, ErrBusy) {
		t.Errorf("concurrent download of the same file: %v, want ErrBusy", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
}

func TestBandwidthLimit(t *testing.T) {
	t.Parallel()
	body := testBody(600<<10, 18)
	rs := newRangeServer(t, body)
	opts := testOptions()
	opts.Limiter = rate.NewLimiter(4<<20, 64<<10) // 4 MiB/s
	dest := filepath.Join(t.TempDir(), "m.bin")
	res, err := New(opts).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	// 600 KiB at 4 MiB/s after a 64 KiB burst: >= 130 ms.
	if res.Duration < 120*time.Millisecond {
		t.Errorf("took %v, the limiter allows no less than ~130ms", res.Duration)
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		req  Request
	}{
		{"no dest", Request{Source: Source{URL: "http://127.0.0.1/x"}}},
		{"no source", Request{Dest: filepath.Join(dir, "a")}},
		{"too many connections", Request{Source: Source{URL: "http://127.0.0.1/x"}, Dest: filepath.Join(dir, "a"), Connections: 17}},
		{"bad sha256", Request{Source: Source{URL: "http://127.0.0.1/x"}, Dest: filepath.Join(dir, "a"), SHA256: "abc"}},
		{"negative size", Request{Source: Source{URL: "http://127.0.0.1/x"}, Dest: filepath.Join(dir, "a"), Size: -1}},
		{"dest is a directory", Request{Source: Source{URL: "http://127.0.0.1/x"}, Dest: dir, Size: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(testOptions()).Download(t.Context(), tc.req)
			if !errors.Is(err, ErrInvalidRequest) || !IsPermanent(err) {
				t.Errorf("err = %v, want a permanent ErrInvalidRequest", err)
			}
		})
	}
}

func TestSniffAllowsRealFiles(t *testing.T) {
	t.Parallel()
	tinySafetensors := append([]byte{'{', 0, 0, 0, 0, 0, 0, 0}, []byte(`{"emb_params":{"dtype":"F32","shape":[1,768],"data_offsets":[0,3072]}}`)...)
	tinySafetensors = append(tinySafetensors, testBody(3072, 19)...)
	workflow := []byte(`{"last_node_id":9,"nodes":[]}`)
	for _, tc := range []struct {
		name, dest, contentType string
		body                    []byte
	}{
		{"tiny safetensors whose header length is '{'", "emb.safetensors", "application/octet-stream", tinySafetensors},
		{"workflow json with a .json name", "workflow.json", "application/json", workflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, tc.body)
			rs.configure(func(rs *rangeServer) { rs.contentType = tc.contentType })
			dest := filepath.Join(t.TempDir(), tc.dest)
			if _, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest}); err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, tc.body)
		})
	}
}

func TestResumeValidators(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20, 21)
	const lastMod = "Wed, 21 Oct 2026 07:28:00 GMT"
	for _, tc := range []struct {
		name        string
		etag        bool
		lastMod     bool
		sha         string
		wantResumed bool
		wantIfRange string // "" none, "etag", "date"
	}{
		{"etag", true, false, "", true, "etag"},
		{"last-modified only", false, true, "", true, "date"},
		{"no validator, hash known", false, false, sha256Hex(body), true, ""},
		{"no validator, nothing to check against", false, false, "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			rs.configure(func(rs *rangeServer) {
				rs.rate = 2 << 20
				if !tc.etag {
					rs.etag = ""
				}
				if tc.lastMod {
					rs.lastMod = lastMod
				}
			})
			dest := filepath.Join(t.TempDir(), "m.bin")
			req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: tc.sha, Connections: 2}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			opts := testOptions()
			opts.Progress = cancelAt(int64(len(body))/2, cancel)
			if _, err := New(opts).Download(ctx, req); !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			first := len(rs.requests())
			rs.configure(func(rs *rangeServer) { rs.rate = 0 })
			res, err := New(testOptions()).Download(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if res.Resumed != tc.wantResumed {
				t.Errorf("Resumed = %v, want %v", res.Resumed, tc.wantResumed)
			}
			want := map[string]string{"": "", "etag": rs.etag, "date": lastMod}[tc.wantIfRange]
			if got := rs.requests()[first].ifRange; got != want {
				t.Errorf("resume request If-Range %q, want %q", got, want)
			}
		})
	}
}

func TestServerName(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20, 14)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.disposition = `attachment; filename="../../Other Name.safetensors"` })
	dir := t.TempDir()
	dest := filepath.Join(dir, "m.safetensors")
	req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), ServerName: true}

	_, err := New(testOptions()).Download(t.Context(), req)
	var sn *ServerNameError
	if !errors.As(err, &sn) || sn.Name != "Other Name.safetensors" {
		t.Fatalf("err = %v, want a *ServerNameError naming \"Other Name.safetensors\"", err)
	}
	checkAbsent(t, dest)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}

	// Under the server's name the download goes through.
	req.Dest = filepath.Join(dir, sn.Name)
	if _, err := New(testOptions()).Download(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	checkFile(t, req.Dest, body)

	// Without ServerName the header is not consulted.
	req.Dest, req.ServerName = dest, false
	if _, err := New(testOptions()).Download(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
}

// TestRequestsSentAhead: on a storage that waits before each answer, the
// next piece is requested while the current one is still arriving, so a
// connection does not sit idle for the wait between pieces.
func TestRequestsSentAhead(t *testing.T) {
	t.Parallel()
	body := testBody(6<<20, 15)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.rate, rs.latency = 4<<20, 40*time.Millisecond })
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	opts := testOptions()
	opts.MinSplit = 128 << 10
	start := time.Now()
	res, err := New(opts).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	// Each connection moves 1.5 MiB at 4 MiB/s in several pieces; every
	// piece but the first of each connection can be requested ahead.
	if res.Ahead < res.Requests/3 {
		t.Errorf("%d of %d requests were sent ahead", res.Ahead, res.Requests)
	}
	t.Logf("%v: %d requests, %d ahead, %d steals", time.Since(start), res.Requests, res.Ahead, res.Steals)
}

// A request sent ahead that fails is one of the piece's attempts: counted
// as a retry and retried with backoff, as if the worker had sent it itself
// (before, the failure was dropped and the piece asked for again at once,
// ignoring Retry-After).
func TestFailedEarlyRequestsAreRetries(t *testing.T) {
	t.Parallel()
	body := testBody(6<<20, 16)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.rate, rs.latency = 4<<20, 40*time.Millisecond })
	var failed atomic.Int64
	rs.setFault(func(n int, r *http.Request) *fault {
		// The first four requests open the connections; later ones are
		// mostly sent ahead (TestRequestsSentAhead).
		if n > 4 && failed.Load() < 4 {
			failed.Add(1)
			// 500, not 503: a 503 while other requests are in flight is
			// the host's limit (busy.go), handled without a retry.
			return &fault{Status: 500, Body: "oops", RetryAfter: "0"}
		}
		return nil
	})
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	opts := testOptions()
	opts.MinSplit = 128 << 10
	res, err := New(opts).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	if res.Ahead == 0 {
		t.Fatal("no request was sent ahead: the test shows nothing")
	}
	if got := failed.Load(); int64(res.Retries) < got {
		t.Errorf("%d requests failed but %d retries were counted (%d sent ahead)", got, res.Retries, res.Ahead)
	}
}

// With the size known (from the API), every connection's first request
// goes out at once, not after the first answer: a download waits for the
// storage's first byte once, not twice.
func TestFirstRequestsGoOutTogether(t *testing.T) {
	t.Parallel()
	const latency = 300 * time.Millisecond // long, so that a loaded machine cannot spread the requests as much
	body := testBody(8<<20, 17)
	rs := newRangeServer(t, body)
	rs.configure(func(rs *rangeServer) { rs.latency = latency })
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	res, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest,
		Size: int64(len(body)), SHA256: sha256Hex(body), Connections: 4})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
	reqs := rs.requests()
	if len(reqs) < 4 {
		t.Fatalf("%d requests for 4 connections", len(reqs))
	}
	first, last := reqs[0].at, reqs[0].at
	for _, r := range reqs[:4] {
		first, last = minTime(first, r.at), maxTime(last, r.at)
	}
	if spread := last.Sub(first); spread >= latency {
		t.Errorf("the 4 first requests arrived over %v: some waited for the first answer (%v)", spread, latency)
	}
	t.Logf("%d requests, first four within %v", res.Requests, last.Sub(first))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// A mismatch against a stale expectation (a cached API answer older than a
// re-upload) is checked once more with Recheck before the bytes are thrown
// away: a fresh matching hash keeps the file, a still-wrong one does not.
func TestRecheckAfterMismatch(t *testing.T) {
	t.Parallel()
	body := testBody(1<<20+7, 9)
	stale := strings.Repeat("AB", 32)
	for _, tc := range []struct {
		name    string
		fresh   string
		err     error
		wantErr bool
	}{
		{name: "fresh hash matches", fresh: sha256Hex(body)},
		{name: "fresh hash still wrong", fresh: strings.Repeat("CD", 32), wantErr: true},
		{name: "recheck fails", err: errors.New("api down"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRangeServer(t, body)
			dest := filepath.Join(t.TempDir(), "m.safetensors")
			calls := 0
			res, err := New(Options{}).Download(context.Background(), Request{
				Source: Source{URL: rs.URL()}, Dest: dest, SHA256: stale, Connections: 4,
				Recheck: func(context.Context) (string, string, error) { calls++; return strings.ToLower(tc.fresh), "", tc.err },
			})
			if calls != 1 {
				t.Errorf("Recheck called %d times, want 1", calls)
			}
			if tc.wantErr {
				var hm *HashMismatchError
				if !errors.As(err, &hm) || hm.Expected != stale {
					t.Fatalf("err = %v, want the mismatch against %s", err, stale)
				}
				if _, err := os.Stat(dest); !os.IsNotExist(err) {
					t.Errorf("final file exists after a mismatch: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, body)
			if res.SHA256 != sha256Hex(body) {
				t.Errorf("result sha %s", res.SHA256)
			}
		})
	}
}
