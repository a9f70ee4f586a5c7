package download

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

func TestSchedulerWritesEveryByteOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		size    int64
		workers int
		done    []span
	}{
		{"fresh", 1 << 20, 8, nil},
		{"one worker", 300000, 1, nil},
		{"resumed with holes", 1 << 20, 5, []span{{0, 1000}, {5000, 90000}, {500000, 600000}, {1<<20 - 10, 1 << 20}}},
		{"tiny", 10, 4, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var have int64
			for _, d := range tc.done {
				have += d.end - d.start
			}
			minSplit := int64(4 << 10)
			s := newPlan(tc.size, tc.workers, minSplit, tc.done)
			// Every claimed range is recorded; sorted, they must tile
			// [0,size) exactly: no byte twice, none missing.
			var mu sync.Mutex
			written := append([]span(nil), tc.done...)
			var wg sync.WaitGroup
			for w := range tc.workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 1))
					for seg := s.next(); seg != nil; seg = s.next() {
						for {
							pos, end := s.position(seg)
							if pos >= end {
								break
							}
							// Worker 0 is slow, so the others steal from it.
							n := int64(rng.IntN(9000) + 1)
							if w == 0 {
								n = int64(rng.IntN(500) + 1)
								runtime.Gosched()
							}
							k := s.claim(seg, n)
							mu.Lock()
							written = append(written, span{pos, pos + k})
							mu.Unlock()
							s.commit(seg, k)
							if got := s.contiguousFrom(0); got > tc.size {
								t.Errorf("contiguous %d beyond size", got)
							}
						}
					}
				})
			}
			wg.Wait()
			slices.SortFunc(written, func(a, b span) int { return cmp.Compare(a.start, b.start) })
			var at int64
			for _, w := range written {
				if w.start != at {
					t.Fatalf("range %v follows %d: gap or overlap", w, at)
				}
				at = w.end
			}
			if at != tc.size {
				t.Fatalf("written up to %d of %d", at, tc.size)
			}
			if diff := gocmp.Diff([]span{{0, tc.size}}, s.snapshot(), gocmp.AllowUnexported(span{})); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			if got := s.contiguousFrom(0); got != tc.size {
				t.Errorf("contiguousFrom(0) = %d", got)
			}
			if s.next() != nil {
				t.Error("next after completion returned a segment")
			}
		})
	}
}

func TestSchedulerPiecesInOrderThenSteal(t *testing.T) {
	t.Parallel()
	s := newScheduler(100, 30, 10, nil)
	var got []span
	for range 3 {
		seg := s.next()
		got = append(got, span{seg.start, seg.end})
	}
	// 3 pieces: [0,30) [30,60) [60,100) (the 10-byte sliver is absorbed).
	want := []span{{0, 30}, {30, 60}, {60, 100}}
	if diff := gocmp.Diff(want, got, gocmp.AllowUnexported(span{})); diff != "" {
		t.Fatalf("pieces (-want +got):\n%s", diff)
	}
	thief := s.next() // steals the upper half of the largest: [80,100)
	if thief == nil || thief.start != 80 || thief.end != 100 {
		t.Fatalf("steal = %+v, want [80,100)", thief)
	}
	if st := s.next(); st == nil || st.start != 15 || st.end != 30 {
		t.Fatalf("second steal = %+v, want [15,30)", st)
	}
}

func TestControlRoundTripAndValidation(t *testing.T) {
	t.Parallel()
	h := sha256.New()
	h.Write([]byte("hello"))
	state, _ := h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
	good := control{Version: controlVersion, Identity: "mv:1", Size: 100, ETag: `"x"`,
		Done: [][2]int64{{0, 10}, {20, 30}}, SHA256State: state, SHA256Offset: 5}
	path := filepath.Join(t.TempDir(), "f.part.civit")
	if err := writeControl(path, &good); err != nil {
		t.Fatal(err)
	}
	got, err := readControl(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(&good, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := got.validate(); err != nil {
		t.Errorf("validate good: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(c *control)
	}{
		{"version", func(c *control) { c.Version = 99 }},
		{"no size", func(c *control) { c.Size = 0 }},
		{"overlap", func(c *control) { c.Done = [][2]int64{{0, 10}, {5, 30}} }},
		{"unsorted", func(c *control) { c.Done = [][2]int64{{20, 30}, {0, 10}} }},
		{"beyond size", func(c *control) { c.Done = [][2]int64{{0, 101}} }},
		{"empty range", func(c *control) { c.Done = [][2]int64{{3, 3}} }},
		{"hash offset past the done prefix", func(c *control) { c.SHA256Offset = 11 }},
		{"bad hash state", func(c *control) { c.SHA256State = []byte("junk") }},
	} {
		c := good
		tc.mod(&c)
		if c.validate() == nil {
			t.Errorf("%s: validate accepted %+v", tc.name, c)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in                 string
		first, last, total int64
		ok                 bool
	}{
		{"bytes 0-99/100", 0, 99, 100, true},
		{"bytes 10-19/*", 10, 19, -1, true},
		{"bytes 0-99/99", 0, 0, 0, false},
		{"bytes 5-4/100", 0, 0, 0, false},
		{"bytes */100", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"bytes -1-5/10", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		f, l, tot, ok := parseContentRange(tc.in)
		if ok != tc.ok || (ok && (f != tc.first || l != tc.last || tot != tc.total)) {
			t.Errorf("parseContentRange(%q) = %d %d %d %v", tc.in, f, l, tot, ok)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	for attempt := 1; attempt <= 10; attempt++ {
		full := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			d := p.backoff(attempt)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err                  error
		transient, permanent bool
	}{
		{&HTTPError{StatusCode: 429}, true, false},
		{&HTTPError{StatusCode: 524}, true, false},
		{&HTTPError{StatusCode: 404}, false, true},
		{&HTTPError{StatusCode: 403}, false, true},
		{&StallError{}, true, false},
		{&RemoteChangedError{}, true, false},
		{&HashMismatchError{}, false, true},
		{&DiskFullError{}, false, true},
		{&ExistsError{}, false, true},
		{ErrBusy, true, false},
		{&url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, false, true},
		{&url.Error{Op: "Get", URL: "https://x", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false, true},
		{&url.Error{Op: "Get", URL: "https://x", Err: &net.DNSError{Err: "timeout", IsTimeout: true}}, true, false},
		{&url.Error{Op: "Get", URL: "https://x", Err: syscall.ECONNRESET}, true, false},
		{io.ErrUnexpectedEOF, true, false},
		// File system errors (*fs.PathError satisfies net.Error) do not
		// go away on a retry; network errors wrapping a syscall do.
		{&fs.PathError{Op: "mkdir", Path: "afile", Err: syscall.ENOTDIR}, false, true},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EXDEV}, false, true},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true, false},
		{context.Canceled, false, false},
		{fmt.Errorf("wrapped: %w", context.Canceled), false, false},
		{nil, false, false},
	} {
		if IsTransient(tc.err) != tc.transient || IsPermanent(tc.err) != tc.permanent {
			t.Errorf("%T %v: transient %v permanent %v", tc.err, tc.err, IsTransient(tc.err), IsPermanent(tc.err))
		}
	}
}

func TestLooksLikeDocument(t *testing.T) {
	t.Parallel()
	safetensors := append([]byte{'{', 0, 0, 0, 0, 0, 0, 0}, []byte(`{"emb":{"dtype":"F32"}}`)...) // header length 123
	for _, tc := range []struct {
		in   []byte
		want bool
	}{
		{[]byte(`{"error":"Unauthorized","message":"..."}`), true},
		{[]byte("\xef\xbb\xbf  \n<!DOCTYPE html><html>"), true},
		{[]byte(`[{"id":1}]`), true},
		{[]byte("<?xml version=\"1.0\"?><Error>"), true},
		{[]byte(`{"name":"` + strings.Repeat("é", 40) + `"}`), true}, // rune cut at 64 bytes
		{safetensors, false},
		{[]byte{0x80, 0x02, '}', 'q'}, false}, // pickle
		{[]byte("PK\x03\x04"), false},
		{[]byte("plain text"), false},
		{nil, false},
	} {
		if got := looksLikeDocument(tc.in); got != tc.want {
			t.Errorf("looksLikeDocument(%q) = %v", tc.in, got)
		}
	}
}

// simulateEqualSpeeds runs conns simulated connections of equal speed over
// the scheduler (step bytes each per tick, no network) and returns the
// largest number of written bytes that could not be hashed yet (beyond the
// contiguous prefix) once 99 % of the file was written: what is left to
// hash when the last byte arrives.
func simulateEqualSpeeds(s *scheduler, size int64, conns int, step int64) (tailLag int64, pieces int) {
	segs := make([]*segment, conns)
	var written int64
	for {
		busy := false
		for i := range segs {
			if segs[i] == nil {
				if segs[i] = s.next(); segs[i] == nil {
					continue
				}
			}
			busy = true
			k := s.claim(segs[i], step)
			s.commit(segs[i], k)
			written += k
			if pos, end := s.position(segs[i]); pos >= end {
				s.finish(segs[i])
				segs[i] = nil
			}
		}
		if written >= size*99/100 {
			tailLag = max(tailLag, written-s.contiguousFrom(0))
		}
		if !busy {
			segments, _, _ := s.stats()
			return tailLag, segments
		}
	}
}

func TestPiecesTaperSoTheHashEndsWithTheDownload(t *testing.T) {
	t.Parallel()
	const size, conns, minSplit = 2 << 30, 16, 1 << 20
	fixed := newScheduler(size, maxPiece, minSplit, nil)
	fixedLag, fixedPieces := simulateEqualSpeeds(fixed, size, conns, 256<<10)
	tapered := newPlan(size, conns, minSplit, nil)
	lag, pieces := simulateEqualSpeeds(tapered, size, conns, 256<<10)
	t.Logf("fixed 32 MiB pieces: %d pieces, %d MiB left to hash; tapered: %d pieces, %d MiB", fixedPieces, fixedLag>>20, pieces, lag>>20)
	// About one piece per connection is in flight: with fixed pieces that
	// is hundreds of MiB (0.3 s of SHA-256) after the last byte.
	if fixedLag < 256<<20 {
		t.Errorf("fixed pieces leave only %d MiB: the simulation is off", fixedLag>>20)
	}
	if lag > 32<<20 {
		t.Errorf("tapered pieces leave %d MiB to hash after the last byte, want at most 32 MiB", lag>>20)
	}

	// A floor (slow first bytes) keeps pieces large: fewer requests.
	floored := newPlan(size, conns, minSplit, nil)
	floored.setFloor(16 << 20)
	_, flooredPieces := simulateEqualSpeeds(floored, size, conns, 256<<10)
	if flooredPieces >= pieces {
		t.Errorf("floor of 16 MiB: %d pieces, no fewer than %d without", flooredPieces, pieces)
	}
}

func TestPaceFloor(t *testing.T) {
	t.Parallel()
	var p pace
	if f := p.observe(time.Second, time.Millisecond, 100); f != 0 {
		t.Errorf("a 100-byte response set the floor to %d", f)
	}
	// 200 ms to the first byte at 5 MB/s: a wait is worth 1 MB.
	if f := p.observe(200*time.Millisecond, time.Second, 5_000_000); f != floorWaits*1_000_000 {
		t.Errorf("floor = %d, want %d", f, floorWaits*1_000_000)
	}
	if l := p.lead(); l < 1_000_000 || l > 2_000_000 {
		t.Errorf("lead = %d, want about one wait's worth (1 MB) plus a margin", l)
	}
	// Loopback: 1 ms at 20 MB/s moves the floor down (moving average).
	var f int64
	for range 20 {
		f = p.observe(time.Millisecond, 100*time.Millisecond, 2_000_000)
	}
	if f > 1<<20 {
		t.Errorf("floor after fast responses = %d, want under 1 MiB", f)
	}
	// Never above the largest piece.
	if f := p.observe(100*time.Second, time.Second, 100_000_000); f != maxPiece {
		t.Errorf("floor = %d, want maxPiece", f)
	}
}

func TestStealAheadSparesOwnAndShortRanges(t *testing.T) {
	t.Parallel()
	s := newScheduler(100, 50, 5, nil)
	a, b := s.next(), s.next()  // [0,50) and [50,100)
	s.commit(a, s.claim(a, 40)) // a has 10 left
	if st := s.stealAhead(30, b); st != nil {
		t.Fatalf("stole %+v: b is the thief's own range and a has only 10 bytes left", st)
	}
	st := s.stealAhead(30, a)
	if st == nil || st.start != 75 || st.end != 100 {
		t.Fatalf("steal = %+v, want the upper half of b, [75,100)", st)
	}
	if _, end := s.position(b); end != 75 {
		t.Errorf("b ends at %d, want 75", end)
	}
}

// A steal leaves the victim the bytes it receives while the thief's
// request waits for its first byte, so that both end together; a lag
// larger than the range still leaves the thief a quarter.
func TestStealLeavesTheVictimWhatArrivesDuringTheWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lag       int64
		wantStart int64
	}{
		{lag: 0, wantStart: 50},   // halves
		{lag: 20, wantStart: 60},  // thief gets (100-20)/2 = 40
		{lag: 500, wantStart: 75}, // overestimated: a quarter
	} {
		s := newScheduler(100, 0, 5, nil)
		s.setLag(tc.lag)
		victim := s.next() // [0,100)
		st := s.next()     // nothing pending: steals from victim
		if st == nil || st.start != tc.wantStart || st.end != 100 {
			t.Errorf("lag %d: steal = %+v, want [%d,100)", tc.lag, st, tc.wantStart)
			continue
		}
		if _, end := s.position(victim); end != tc.wantStart {
			t.Errorf("lag %d: victim ends at %d, want %d", tc.lag, end, tc.wantStart)
		}
	}
}

func TestLowatFor(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tc := range []struct {
		name     string
		rem, got int64
		d        time.Duration
		want     int
	}{
		{"rate unknown yet", 100 * mib, 32 << 10, time.Second, 1},
		{"too soon", 100 * mib, mib, 5 * time.Millisecond, 1},
		{"20 MB/s: 400 KB per 20 ms, capped", 100 * mib, 20e6, time.Second, lowatMax},
		{"5 MB/s: 100 KB per 20 ms", 100 * mib, 5e6, time.Second, 64 << 10},
		{"2 MB/s: 40 KB per 20 ms", 100 * mib, 2e6, time.Second, 32 << 10},
		{"1 MB/s: too slow to matter", 100 * mib, 1e6, time.Second, 1},
		{"near the end", 2 * lowatMax, 20e6, time.Second, 1},
		{"just before the end", 2*lowatMax + 1, 20e6, time.Second, lowatMax},
	} {
		if got := lowatFor(tc.rem, tc.got, tc.d); got != tc.want {
			t.Errorf("%s: lowatFor(%d, %d, %v) = %d, want %d", tc.name, tc.rem, tc.got, tc.d, got, tc.want)
		}
	}
}

func TestDiskFullMessage(t *testing.T) {
	t.Parallel()
	prealloc := &os.PathError{Op: "preallocate", Path: "out/m.safetensors.part", Err: syscall.ENOSPC}
	write := fmt.Errorf("write out/m.safetensors.part: %w", syscall.EDQUOT)
	for _, tc := range []struct {
		err  *DiskFullError
		want string
	}{
		{&DiskFullError{Path: "out/m.safetensors.part", Need: 64 << 20, Err: prealloc},
			"not enough disk space for out/m.safetensors.part (64.0 MiB needed): no space left on device"},
		{&DiskFullError{Path: "out/m.safetensors.part", Need: 1500, Err: prealloc},
			"not enough disk space for out/m.safetensors.part (1.5 KiB needed): no space left on device"},
		{&DiskFullError{Path: "out/m.safetensors.part", Need: -1, Err: write},
			"not enough disk space for out/m.safetensors.part: disk quota exceeded"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>SlowDown</Code><Message>Service Unavailable</Message></Error>", 503, "SlowDown"},
		{`<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`, 403, "AccessDenied: Request has expired"},
		{`<Error><Code>NoSuchKey</Code></Error>`, 404, "NoSuchKey"},
		{`<!DOCTYPE html><html><head><title>civitai.com | 522: Connection timed out</title></head><body><h1>x</h1></body></html>`, 522, "civitai.com | 522: Connection timed out"},
		{`<html><head><title>A &amp; B</title></head></html>`, 502, "A & B"},
		{"{\"error\":\n\"File not found\"}", 404, `{"error": "File not found"}`},
		// A page without a title: its text, not its markup.
		{"<!DOCTYPE html>\n<html><head><style>h1{color:red}</style></head><body><!-- x --><h1>We&#39;re adjusting a few things</h1>\n<p>Back soon.</p></body></html>", 503, "We're adjusting a few things Back soon."},
		{`<HTML><TITLE lang="en">Down for maintenance</TITLE></HTML>`, 503, "Down for maintenance"},
		{"", 500, ""},
		// A right-to-left override would show the rest reversed.
		{"<Error><Code>AccessDenied</Code><Message>txt.\u202eexe</Message></Error>", 403, "AccessDenied: txt.exe"},
	} {
		if got := errorBody([]byte(tc.body), tc.status); got != tc.want {
			t.Errorf("errorBody(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// pausedReader holds the first ReadAt at its start (readFirst false) or
// after reading (readFirst true), until resume is closed; done is closed
// when that ReadAt returns.
type pausedReader struct {
	r         io.ReaderAt
	readFirst bool
	entered   chan struct{}
	resume    chan struct{}
	done      chan struct{}
	once      sync.Once
}

func (p *pausedReader) ReadAt(b []byte, off int64) (n int, err error) {
	first := false
	p.once.Do(func() { first = true })
	if !first {
		return p.r.ReadAt(b, off)
	}
	defer close(p.done)
	if p.readFirst {
		n, err = p.r.ReadAt(b, off)
	}
	close(p.entered)
	<-p.resume
	if !p.readFirst {
		n, err = p.r.ReadAt(b, off)
	}
	return n, err
}

// A single stream that starts over (checkRange) resets the hash and
// truncates the file while the hasher may be reading bytes back: the read
// either finds the file gone or returns the old bytes, and neither may
// fail the download or end up in the hash of the new ones.
func TestHashRestartDuringReadBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		readFirst bool
	}{
		{"the read finds the file truncated", false},
		{"the read returns the old bytes", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			old, fresh := testBody(100<<10, 1), testBody(40<<10, 2)
			f, err := os.Create(filepath.Join(t.TempDir(), "m.part"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(old, 0); err != nil {
				t.Fatal(err)
			}
			sched := newScheduler(-1, 0, 16<<10, nil)
			seg := sched.next()
			sched.commit(seg, sched.claim(seg, int64(len(old))))
			pr := &pausedReader{r: f, readFirst: tc.readFirst,
				entered: make(chan struct{}), resume: make(chan struct{}), done: make(chan struct{})}
			h, err := newPrefixHasher(pr, sched, make([]byte, 32<<10), func(*[]byte) {}, nil, 0, false, false)
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() { errc <- h.run(t.Context()) }()

			<-pr.entered // reading back the old bytes
			sched.reset(seg)
			h.reset()
			if err := f.Truncate(0); err != nil {
				t.Fatal(err)
			}
			close(pr.resume)
			<-pr.done
			if _, err := f.WriteAt(fresh, 0); err != nil {
				t.Fatal(err)
			}
			sched.commit(seg, sched.claim(seg, int64(len(fresh))))
			sched.finish(seg)
			h.finish()
			if err := <-errc; err != nil {
				t.Fatalf("hasher: %v", err)
			}
			if got := h.sums()["sha256"]; got != sha256Hex(fresh) {
				t.Errorf("sha256 %s, want the new bytes' %s", got[:12], sha256Hex(fresh)[:12])
			}
		})
	}
}

// Bytes handed to the hasher before such a restart and not hashed yet are
// the old file's: they are dropped, not hashed as the new file's start.
func TestHashRestartDropsHandedOverBytes(t *testing.T) {
	t.Parallel()
	old, fresh := testBody(32<<10, 3), testBody(40<<10, 4)
	f, err := os.Create(filepath.Join(t.TempDir(), "m.part"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sched := newScheduler(-1, 0, 16<<10, nil)
	seg := sched.next()
	h, err := newPrefixHasher(f, sched, make([]byte, 32<<10), func(*[]byte) {}, nil, 0, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(old, 0); err != nil {
		t.Fatal(err)
	}
	buf := slices.Clone(old)
	if !h.offer(t.Context(), 0, &buf, len(buf)) { // waits in the hand-over queue: run has not started
		t.Fatal("the prefix's bytes were not taken")
	}
	sched.commit(seg, sched.claim(seg, int64(len(old))))

	sched.reset(seg)
	h.reset()
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(fresh, 0); err != nil {
		t.Fatal(err)
	}
	sched.commit(seg, sched.claim(seg, int64(len(fresh))))
	sched.finish(seg)
	h.finish()
	if err := h.run(t.Context()); err != nil {
		t.Fatalf("hasher: %v", err)
	}
	if got := h.sums()["sha256"]; got != sha256Hex(fresh) {
		t.Errorf("sha256 %s, want the new bytes' %s", got[:12], sha256Hex(fresh)[:12])
	}
}

// A request sent with the probe, before its answer settled the size, is
// answered 416 naming another size: the same remote change as when a later
// request's is (openRange), not a permanent failure.
func TestEarlyRangeNotSatisfiableRestarts(t *testing.T) {
	t.Parallel()
	j := newJob(New(testOptions()), Request{Dest: filepath.Join(t.TempDir(), "m.bin")})
	j.size = 1 << 20
	for _, tc := range []struct {
		total   int64
		restart bool
	}{
		{10 << 10, true},
		{1 << 20, false}, // the same size: not a change
		{-1, false},      // no size: nothing to tell
	} {
		p := &prefetch{seg: &segment{}, done: make(chan prefetched, 1), unchecked: true}
		p.done <- prefetched{err: &errRangeUnsatisfiable{total: tc.total}}
		_, r := p.take(j)
		var rs *restartError
		var rc *RemoteChangedError
		if got := errors.As(r.err, &rs) && errors.As(r.err, &rc); got != tc.restart {
			t.Errorf("416 with size %d: %v (restart %v), want restart %v", tc.total, r.err, got, tc.restart)
		}
	}
}

// The bytes checkContent sniffs are handed out again from memory: the
// stream counts each body byte once, so that it knows how much of its
// range is left (cutShort, the low-water mark).
func TestSniffedBytesCountOnce(t *testing.T) {
	t.Parallel()
	body := testBody(1000, 31)
	j := newJob(New(testOptions()), Request{Dest: "m.safetensors"})
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	s := &stream{
		resp: &http.Response{Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: http.NoBody},
		body: bytes.NewReader(body), end: int64(len(body)), total: int64(len(body)), full: true,
		mark: &mark{}, timer: time.NewTimer(time.Hour), stall: time.Hour, ctx: ctx, cancel: cancel,
	}
	defer s.timer.Stop()
	if err := j.checkContent(s); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 600)
	if n, err := s.read(got); n != len(got) || err != nil {
		t.Fatalf("read %d bytes, %v", n, err)
	}
	if !bytes.Equal(got, body[:600]) {
		t.Fatal("read other bytes than the body's first")
	}
	if s.consumed != 600 || !s.cutShort() {
		t.Errorf("after 600 of %d bytes: consumed %d, cut short %v", len(body), s.consumed, s.cutShort())
	}
}

// A server that ignores Range has not changed its file: the warning for
// the restart says what happened, not "remote file changed".
func TestRangeIgnoredIsNotARemoteChange(t *testing.T) {
	ignored := &RemoteChangedError{Reason: "the server answered a range request with the whole file", Err: ErrRangeNotSupported}
	if msg := ignored.Error(); strings.Contains(msg, "changed") {
		t.Errorf("ignored range: %q", msg)
	}
	changed := &RemoteChangedError{Reason: "size changed from 1 to 2"}
	if msg := changed.Error(); msg != "remote file changed during download: size changed from 1 to 2" {
		t.Errorf("changed file: %q", msg)
	}
}
