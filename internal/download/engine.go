package download

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/backoff"
)

// maxRestarts bounds clean restarts (remote changed, ranges refused
// mid-download) within one Download call.
const maxRestarts = 2

// maxPageRetries bounds the requests asked again, within one Download
// call, after an answer that was a web page or a JSON document instead of
// the file (*UnexpectedContentError). A maintenance page may be gone a
// moment later, as may a captive portal's once signed in; a refusal or a
// block page stays, and must not cost the whole retry budget.
const maxPageRetries = 2

// sniffMax: a body at most this long is checked for looking like a JSON or
// HTML document instead of the file.
const sniffMax = 64 << 10

// restartError makes the whole download start over from a clean state.
type restartError struct{ cause error }

func (e *restartError) Error() string { return e.cause.Error() }
func (e *restartError) Unwrap() error { return e.cause }

// job is the state of one Download call.
type job struct {
	d         *Downloader
	r         Request
	part, ctl string
	f         *os.File
	urls      *urlState
	// wmu serializes the connections' writes to f. The kernel takes the
	// file's inode lock for every buffered write anyway, and a writer
	// that finds it taken spins on it (5% of the CPU with 8 connections,
	// perf): waiting here parks the goroutine instead and frees the CPU
	// for the hash and the other connections' reads.
	wmu sync.Mutex

	// Settled before the workers start, constant while they run.
	size       int64 // -1 unknown
	etag       string
	lastMod    string
	streamMode bool // the server ignores ranges: one connection, no stealing
	sched      *scheduler
	hasher     *prefixHasher

	ckMu        sync.Mutex // serializes checkpoints
	ckTrigger   chan struct{}
	ckThreshold int64
	sinceCkpt   atomic.Int64
	dirSynced   bool

	pace pace // request wait and connection speed, for the piece floor

	written   atomic.Int64 // bytes on disk (resumed + new), for events
	fetched   atomic.Int64
	requests  atomic.Int64
	ahead     atomic.Int64
	retries   atomic.Int64
	refused   atomic.Int64
	pages     atomic.Int64 // retries after an UnexpectedContentError
	restarts  int
	discarded int
	resumed   bool
	// destAbsent: Dest did not exist when Download checked it.
	destAbsent bool
	// room is the space this download takes on a volume where its file
	// is sparse (claimRoom), nil elsewhere; released when run returns.
	room *spaceHold
}

func newJob(d *Downloader, r Request) *job {
	part, ctl := partPaths(r.Dest)
	return &job{
		d: d, r: r, part: part, ctl: ctl,
		urls:      &urlState{url: r.Source.URL, resolve: r.Source.Resolve},
		ckTrigger: make(chan struct{}, 1),
	}
}

func (j *job) emit(ev Event) {
	f1, f2 := j.d.opts.Progress, j.r.Progress
	if f1 == nil && f2 == nil {
		return
	}
	ev.Dest = j.r.Dest
	if f1 != nil {
		f1(ev)
	}
	if f2 != nil {
		f2(ev)
	}
}

// testHookPartOpened, when set, runs between opening the .part and locking
// it (tests play another process there).
var testHookPartOpened func(part string)

// errDestAppeared: another download completed Dest after Download checked
// it and before this one locked the .part; Download checks Dest again.
var errDestAppeared = errors.New("destination appeared")

// openPart opens and locks the .part. Another process may rename the file
// to its final name (it finished) or remove it (it failed) between the
// open and the lock: only a file still at the .part path is used, so that a
// finished file is never truncated or rewritten as if it were a partial one.
func (j *job) openPart() (*os.File, error) {
	for range 3 {
		f, err := openPartFile(j.part, true)
		if err != nil {
			return nil, fmt.Errorf("open partial file: %w", err)
		}
		if testHookPartOpened != nil {
			testHookPartOpened(j.part)
		}
		if err := lockFile(f); err != nil {
			f.Close()
			if errors.Is(err, ErrBusy) {
				return nil, fmt.Errorf("%s: %w", j.r.Dest, ErrBusy)
			}
			return nil, fmt.Errorf("lock %s: %w", j.part, err)
		}
		fi, ferr := f.Stat()
		pi, perr := os.Stat(j.part)
		if ferr != nil || perr != nil || !os.SameFile(fi, pi) {
			f.Close() // renamed or removed meanwhile: open the path again
			continue
		}
		if _, err := os.Lstat(j.r.Dest); err == nil && j.destAbsent {
			if fi.Size() == 0 {
				os.Remove(j.part) // ours, empty: not left beside the finished file
			}
			f.Close()
			return nil, errDestAppeared
		}
		return f, nil
	}
	return nil, fmt.Errorf("%s: %w", j.r.Dest, ErrBusy)
}

func (j *job) run(ctx context.Context) (*Result, error) {
	f, err := j.openPart()
	if err != nil {
		return nil, err
	}
	j.f = f
	defer func() {
		if j.f != nil {
			j.f.Close()
		}
		j.room.release()
	}()
	st := j.loadState()
	for {
		res, err := j.attempt(ctx, st)
		var rs *restartError
		if !errors.As(err, &rs) {
			return res, err
		}
		j.restarts++
		j.emit(Event{Kind: EventRestart, Err: rs.cause})
		st = nil
		if err := j.discard(); err != nil {
			return nil, err
		}
		if j.restarts > maxRestarts {
			j.removePart()
			var rc *RemoteChangedError
			if errors.As(rs.cause, &rc) {
				return nil, rc
			}
			return nil, &RemoteChangedError{Reason: rs.cause.Error(), Err: rs.cause}
		}
	}
}

// loadState returns the saved state if it belongs to this request and
// matches the .part; otherwise it discards both and returns nil.
func (j *job) loadState() *control {
	c, err := readControl(j.ctl)
	var partSize int64
	if fi, ferr := j.f.Stat(); ferr == nil {
		partSize = fi.Size()
	}
	reason := ""
	switch {
	case err != nil:
		reason = err.Error()
	case c == nil:
		if partSize > 0 {
			reason = "partial file without control file"
		}
	default:
		_, wantAlgo := verifyAlgo(&j.r)
		switch verr := c.validate(); {
		case verr != nil:
			reason = verr.Error()
		case c.Identity != j.r.Identity:
			reason = fmt.Sprintf("control file is for %q, not %q", c.Identity, j.r.Identity)
		case j.r.Size > 0 && c.Size != j.r.Size:
			reason = fmt.Sprintf("saved size %d, expected %d", c.Size, j.r.Size)
		case partSize != c.Size:
			reason = fmt.Sprintf("partial file has %d bytes, control file says %d", partSize, c.Size)
		case c.ETag == "" && c.LastModified == "" && wantAlgo == "":
			// Nothing could tell us that the remote is still the same file.
			reason = "no validator and no hash to check a resumed file against"
		case c.SpotCheck != "" && c.SHA256Offset > 0:
			// The saved hash state vouches for these bytes as they arrived;
			// see spotcheck.go.
			if d, err := spotDigest(j.f, c.SHA256Offset); err != nil || d != c.SpotCheck {
				reason = "its verified bytes changed on disk since they were saved"
			}
		}
	}
	if reason == "" && c == nil {
		return nil
	}
	if reason != "" {
		j.discarded++
		j.emit(Event{Kind: EventRestart, Err: errors.New("discarding partial download: " + reason)})
		if err := j.discard(); err != nil {
			return nil
		}
		return nil
	}
	return c
}

// discard empties the .part and removes the control file.
func (j *job) discard() error {
	removeControl(j.ctl)
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("truncate partial file: %w", err)
	}
	return nil
}

// removePart deletes the .part and the control file and closes the .part,
// in that order, so that the lock is held until they are gone (see
// openPart; on Windows the .part is opened shared for deletion).
func (j *job) removePart() {
	os.Remove(j.part)
	removeControl(j.ctl)
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
}

// attempt runs the download once from the given state (nil: fresh).
func (j *job) attempt(ctx context.Context, st *control) (*Result, error) {
	conns := j.r.Connections
	minSplit := j.d.opts.MinSplit
	j.streamMode = false
	j.size, j.etag, j.lastMod = -1, "", ""
	if st != nil {
		j.size, j.etag, j.lastMod = st.Size, st.ETag, st.LastModified
		// A sparse .part books what it has still to write before any
		// request, like a fresh file (preallocate); a refused resume
		// keeps its .part for when there is room.
		j.written.Store(st.doneBytes())
		if err := claimResumed(j.f, j.size, j.claimRoom); err != nil {
			return nil, j.writeErr(err, j.size-st.doneBytes())
		}
	}

	// Plan first when the size is known, so that the first request is
	// exactly the first piece.
	var sched *scheduler
	var seg0 *segment
	var doneBytes int64
	if st != nil || j.r.Size > 0 {
		size := j.r.Size
		var done []span
		if st != nil {
			size, done, doneBytes = st.Size, st.doneSpans(), st.doneBytes()
		}
		sched = newPlan(size, conns, minSplit, done)
		seg0 = sched.next()
	}

	// With the size known, the other connections' first requests go out
	// with the probe's instead of after its answer: on object storage each
	// request waits 150 ms and more for its first byte, and this way a
	// download waits for that once, not twice.
	var early []*prefetch
	discardEarly := func() {
		for _, p := range early {
			p.discard()
		}
		early = nil
	}
	probing := st == nil || seg0 != nil
	var probeSlot *slot
	if probing {
		// The probe's slot of the host first (busy.go): where the host
		// takes few requests at once, the probe must not wait for a slot
		// that the requests sent with it hold, unread, until it returns.
		u, _ := j.urls.current()
		var err error
		if probeSlot, err = j.d.hosts.acquire(ctx, hostOf(u), nil); err != nil {
			if st == nil {
				j.removePart() // empty: as when the probe fails
			}
			return nil, err
		}
	}
	if seg0 != nil && conns > 1 {
		early = j.sendWithProbe(ctx, sched, conns-1, st)
	}

	var first *stream
	if probing {
		var err error
		// A host that caps connections may refuse the probe and answer
		// some of the requests sent with it: those would hold its slots,
		// unread, until the probe gets one. Close them and hand their
		// pieces to the workers.
		onRefusal := func() {
			for _, p := range early {
				p.discard()
				sched.giveBack(p.seg)
			}
			early = nil
		}
		first, st, err = j.probe(ctx, st, seg0, probeSlot, onRefusal)
		if err != nil {
			discardEarly()
			var rs *restartError
			if st == nil && !errors.As(err, &rs) {
				j.removePart() // nothing on disk worth keeping
			}
			return nil, err
		}
		if st == nil {
			doneBytes = 0
			// Starting over: a resume's booking is preallocate's to make
			// again, for the size the probe found.
			j.room.release()
			j.room = nil
			j.written.Store(0)
			if err := j.f.Truncate(0); err != nil {
				first.close()
				discardEarly()
				return nil, fmt.Errorf("truncate partial file: %w", err)
			}
			if j.size > 0 {
				if err := preallocate(j.f, j.size, j.claimRoom); err != nil {
					first.close()
					discardEarly()
					err = j.writeErr(err, j.size)
					j.removePart()
					return nil, err
				}
			}
		}
		switch {
		case j.streamMode:
			sched = newScheduler(j.size, 0, minSplit, nil)
			sched.noSteal = true
			seg0 = sched.next()
			discardEarly()
		case sched == nil || st == nil && sched.size != j.size:
			sched = newPlan(j.size, conns, minSplit, nil)
			seg0 = sched.next()
			discardEarly() // asked for pieces of another plan
		}
	}
	if seg0 == nil && first != nil {
		first.close() // empty file: nothing to read
		first = nil
	}
	j.sched = sched
	j.resumed = st != nil && doneBytes > 0
	j.written.Store(doneBytes)
	j.ckThreshold = j.d.opts.CheckpointBytes * int64(conns)

	var shaState []byte
	var shaOff int64
	if st != nil {
		shaState, shaOff = st.SHA256State, st.SHA256Offset
	}
	withB3 := !j.r.NoVerify && j.r.SHA256 == "" && j.r.BLAKE3 != ""
	hbuf := j.d.getBuf()
	defer j.d.putBuf(hbuf)
	h, err := newPrefixHasher(j.f, sched, *hbuf, j.d.putBuf, shaState, shaOff, withB3, j.r.NoHash)
	if err != nil {
		if first != nil {
			first.close()
		}
		discardEarly()
		return nil, err
	}
	j.hasher = h
	j.emit(Event{Kind: EventStart, Size: j.size, Done: doneBytes})

	hctx, hcancel := context.WithCancel(ctx)
	defer hcancel()
	hashErr := make(chan error, 1)
	go func() { hashErr <- h.run(hctx) }()

	ckStop, ckDone := make(chan struct{}), make(chan struct{})
	if j.size > 0 {
		go j.checkpointer(ckStop, ckDone)
	} else {
		close(ckDone)
	}

	g, gctx := errgroup.WithContext(ctx)
	workers := conns
	if j.streamMode {
		workers = 1
	}
	if seg0 == nil {
		workers = 0
	}
	for i := range workers {
		var s0 *segment
		var f0 *stream
		var next *prefetch
		if i == 0 {
			s0, f0 = seg0, first
		} else if i-1 < len(early) {
			next = early[i-1]
		}
		g.Go(func() error { return j.worker(gctx, s0, f0, next) })
	}
	for _, p := range early[min(len(early), max(workers-1, 0)):] {
		p.discard()
	}
	werr := g.Wait()
	close(ckStop)
	<-ckDone
	if werr == nil {
		werr = ctx.Err()
	}
	if werr != nil {
		hcancel()
		<-hashErr
		return nil, j.fail(ctx, werr)
	}
	j.emit(Event{Kind: EventVerify, Size: j.size, Done: j.written.Load()})
	h.finish()
	if herr := <-hashErr; herr != nil {
		return nil, j.fail(ctx, herr)
	}
	return j.complete(ctx)
}

// probe sends the first request, with retries, and settles size, validator
// and mode from its answer. It returns the open response (for the first
// range) and the state, which is nil when a saved state was discarded.
// sl is the host's slot for the first request. onRefusal, if not nil, is
// called once when the host refuses the probe (429, 503).
func (j *job) probe(ctx context.Context, st *control, seg0 *segment, sl *slot, onRefusal func()) (*stream, *control, error) {
	attempts, refusals := 0, 0
	noRange := false
	for {
		from, to := int64(0), int64(-1)
		ifRange := ""
		switch {
		case noRange:
			from = -1
		case seg0 != nil:
			from, to = seg0.start, seg0.end-1
		}
		if st != nil && !noRange {
			ifRange = ifRangeValue(st.ETag, st.LastModified)
		}
		s, gen, err := j.open(ctx, from, to, ifRange, sl)
		sl = nil
		if err == nil {
			st, err = j.accept(s, st)
			if err == nil {
				return s, st, nil
			}
			s.close()
			if errors.Is(err, ErrRangeNotSupported) && !noRange {
				noRange = true // 206 without a total size: ask for the whole file
				continue
			}
		}
		var rne *errRangeUnsatisfiable
		if errors.As(err, &rne) {
			if st != nil {
				return nil, st, &restartError{&RemoteChangedError{Reason: "the saved range is beyond the end of the remote file"}}
			}
			if !noRange {
				noRange = true // e.g. an empty file: ask without Range
				continue
			}
		}
		if onRefusal != nil && isRefusal(err) {
			onRefusal()
			onRefusal = nil
		}
		if j.refusedBusy(err) {
			// The host's limit, with other requests of the run in
			// flight: not a failed attempt, whatever its Retry-After.
			refusals++
			j.refused.Add(1)
			j.emit(Event{Kind: EventBusy, Err: err})
			if err := j.pause(ctx, refusals, nil); err != nil {
				return nil, st, err
			}
			continue
		}
		retry, err := j.retryable(ctx, err, gen, &attempts)
		if !retry {
			return nil, st, err
		}
	}
}

// accept checks the first answer and settles the object's properties.
func (j *job) accept(s *stream, st *control) (*control, error) {
	if st != nil {
		// A web page where the saved file should be (a maintenance page,
		// a captive portal) is not that file changed: checked before the
		// validators, it is asked for again and the saved bytes stay.
		if err := j.checkContent(s); err != nil {
			return st, err
		}
	}
	if s.full {
		if st != nil {
			if d := diffValidator(st.ETag, st.LastModified, st.Size, s); d != "" {
				return st, &restartError{&RemoteChangedError{Reason: d}}
			}
			// Same object, but the server ignores ranges: the saved bytes
			// cannot be continued; read the whole file from this answer.
			j.discarded++
			j.emit(Event{Kind: EventRestart, Err: fmt.Errorf("discarding partial download: %w", ErrRangeNotSupported)})
			st = nil
		}
		j.streamMode = true
		j.size = s.total
	} else {
		if s.total < 0 {
			if j.r.Size <= 0 {
				return st, fmt.Errorf("%w: the server did not report the file size", ErrRangeNotSupported)
			}
			s.total = j.r.Size
		}
		if st != nil {
			if d := diffValidator(st.ETag, st.LastModified, st.Size, s); d != "" {
				return st, &restartError{&RemoteChangedError{Reason: d}}
			}
		}
		j.size = s.total
	}
	if st == nil {
		j.etag, j.lastMod = s.etag, s.lastMod
		if err := j.checkContent(s); err != nil {
			return st, err
		}
		if j.r.ServerName {
			name, ok := FilenameFromContentDisposition(s.resp.Header.Get("Content-Disposition"))
			if base := filepath.Base(j.r.Dest); ok && name != base && AcceptServerName(base, name) {
				return st, &ServerNameError{Dest: j.r.Dest, Name: name}
			}
		}
	}
	if j.r.Size > 0 && j.size >= 0 && j.size != j.r.Size {
		return st, &SizeMismatchError{Expected: j.r.Size, Got: j.size}
	}
	if j.size == 0 && max(j.r.Size, j.r.SizeHint) > 0 {
		// Nothing to verify an empty file against under --no-verify: it
		// would be kept as the model, and found "present" ever after.
		return st, &EmptyAnswerError{Expected: max(j.r.Size, j.r.SizeHint)}
	}
	return st, nil
}

// checkContent refuses an HTML page or JSON document served instead of the
// file. Files whose own name says they are such documents are exempt.
func (j *job) checkContent(s *stream) error {
	if s.start != 0 {
		return nil
	}
	switch strings.ToLower(filepath.Ext(j.r.Dest)) {
	case ".json", ".html", ".htm", ".xml", ".txt", ".yaml", ".yml", ".md":
		return nil
	}
	ct := s.resp.Header.Get("Content-Type")
	mt := mediaType(ct)
	docType := mt == "text/html" || mt == "application/json" || mt == "application/problem+json" ||
		mt == "application/xhtml+xml" || mt == "text/json"
	small := s.total < 0 || s.total <= sniffMax
	expectBig := j.r.Size == 0 || j.r.Size > sniffMax || j.r.Size != s.total
	if !docType && !(small && expectBig) {
		return nil
	}
	want := int64(512)
	if s.end >= 0 {
		want = min(want, s.end-s.start)
	}
	head := make([]byte, want)
	n, err := s.read(head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	s.body = io.MultiReader(bytes.NewReader(head), s.body)
	// read counts these bytes again when it hands them out from head:
	// counted twice, the stream would think itself nearer its end than
	// it is (cutShort, the low-water mark).
	s.consumed -= int64(n)
	if looksLikeDocument(head) || (docType && small) {
		return &UnexpectedContentError{ContentType: ct, Length: s.total, Snippet: oneLine(head, 200), Text: pageText(head, ct)}
	}
	return nil
}

// diffValidator describes how answer s differs from the saved object, ""
// when it is the same.
func diffValidator(etag, lastMod string, size int64, s *stream) string {
	switch {
	case etag != "" && s.etag != "" && s.etag != etag:
		return fmt.Sprintf("ETag changed from %s to %s", etag, s.etag)
	case etag == "" && lastMod != "" && s.lastMod != "" && s.lastMod != lastMod:
		return fmt.Sprintf("Last-Modified changed from %s to %s", lastMod, s.lastMod)
	case size >= 0 && s.total >= 0 && s.total != size:
		return fmt.Sprintf("size changed from %d to %d", size, s.total)
	}
	return ""
}

// ifRangeValue chooses the If-Range validator: a strong ETag, else the
// Last-Modified date. (A weak ETag must not be used with If-Range.)
func ifRangeValue(etag, lastMod string) string {
	if etag != "" && !strings.HasPrefix(etag, "W/") {
		return etag
	}
	return lastMod
}

// worker fetches segments until none is left. seg/s are the first segment
// and its already open response (from the probe), or nil; next, when not
// nil, is the request already sent for its first segment (sendWithProbe).
func (j *job) worker(ctx context.Context, seg *segment, s *stream, next *prefetch) error {
	buf := &workBuf{p: j.d.getBuf(), next: next}
	defer func() {
		j.d.putBuf(buf.p)
		buf.next.discard()
	}()
	var early *prefetched // the early request's failure, if it failed
	refusals := 0         // in a row (busy.go)
	for {
		if seg == nil && buf.next != nil {
			var r prefetched
			seg, r = buf.next.take(j)
			buf.next = nil
			if s = r.s; r.err != nil {
				early = &r
			}
		}
		var sl *slot
		if seg == nil {
			// The host's slot first: a worker waiting for one holds no
			// piece that the others would have to steal (busy.go).
			u, _ := j.urls.current()
			var err error
			if sl, err = j.d.hosts.acquire(ctx, hostOf(u), j.sched.complete()); err != nil || sl == nil {
				return err
			}
			if seg = j.sched.next(); seg == nil {
				sl.release()
				return nil
			}
		}
		buf.asked = false
		err := j.fetch(ctx, seg, s, early, buf, sl)
		seg, s, early = nil, nil, nil
		var y *errYield
		switch {
		case errors.As(err, &y):
			refusals++
			if buf.next != nil {
				continue // a request already answered: take it
			}
			if err := j.pause(ctx, refusals, j.sched.complete()); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			refusals = 0
		}
	}
}

// workBuf is a worker's state: its current read buffer, which changes when
// the filled one is handed to the hasher, and the request for its next
// piece when one was sent ahead (see prefetch).
type workBuf struct {
	p     *[]byte
	next  *prefetch
	asked bool // next was asked for during this piece
	// paid is how many bytes this connection has taken from the Limiter
	// and not read yet. Reads are paid for before they are made (see
	// copy) and a payment that the read did not use up is carried over
	// to the next read, of this piece or the next one.
	paid int64
}

// fetch downloads one segment, retrying from the last written byte. s is
// the segment's already open response, or nil; early, when not nil, is the
// failure of the request sent ahead for it, handled like fetch's own. sl,
// when not nil, is the host's slot for the first request.
func (j *job) fetch(ctx context.Context, seg *segment, s *stream, early *prefetched, buf *workBuf, sl *slot) error {
	attempts := 0
	defer func() {
		if s != nil {
			s.close()
		}
		if sl != nil {
			sl.release()
		}
	}()
	for {
		pos, end := j.sched.position(seg)
		if pos >= end {
			return nil
		}
		if s == nil {
			var ns *stream
			var gen int
			var err error
			if early != nil {
				gen, err, early = early.gen, early.err, nil
			} else {
				ns, gen, err = j.openRange(ctx, seg, pos, end, sl)
				sl = nil
			}
			if err != nil {
				if j.refusedBusy(err) {
					return j.yield(seg, err)
				}
				retry, rerr := j.retryable(ctx, err, gen, &attempts)
				if retry {
					continue
				}
				return rerr
			}
			s = ns
		}
		moved, err := j.copy(ctx, seg, s, buf)
		if moved >= progressResetBytes {
			attempts = 0
		}
		if !s.observed {
			j.observe(s, moved)
		}
		s.close()
		s = nil
		if err == nil {
			continue
		}
		retry, rerr := j.retryable(ctx, err, -1, &attempts)
		if !retry {
			return rerr
		}
	}
}

// openRange requests [pos, end) for seg and checks that the answer belongs
// to the same object.
func (j *job) openRange(ctx context.Context, seg *segment, pos, end int64, sl *slot) (*stream, int, error) {
	from, to := pos, end-1
	if end == math.MaxInt64 {
		to = -1
	}
	if j.streamMode && pos == 0 {
		from = -1 // the server ignores ranges anyway: a plain GET
	}
	s, gen, err := j.open(ctx, from, to, ifRangeValue(j.etag, j.lastMod), sl)
	if err != nil {
		return nil, gen, j.shrunk(err)
	}
	if err := j.checkRange(s, seg, pos); err != nil {
		return nil, gen, err
	}
	return s, gen, nil
}

// shrunk turns err, the failure of a request for a range, into a clean
// restart when it is a 416 naming a size other than the one being
// downloaded: the object was replaced by a shorter one, which without a
// validator (no If-Range) shows only as ranges past its end. That is the
// remote change a different Content-Range total is, not a permanent
// failure. A 416 naming no size, or the same one, for a range inside the
// file says nothing of the kind: a storage or proxy hiccup, retried as a
// failed request is (and given up on with the retry budget). Other
// errors are returned as they are.
func (j *job) shrunk(err error) error {
	var rne *errRangeUnsatisfiable
	if !errors.As(err, &rne) {
		return err
	}
	if j.size >= 0 && rne.total >= 0 && rne.total != j.size {
		return &restartError{&RemoteChangedError{Reason: fmt.Sprintf("size changed from %d to %d", j.size, rne.total)}}
	}
	rne.midway = true
	return err
}

// checkRange checks that the answer s to a request for seg from pos
// belongs to the same object as the first answer; it closes s when not.
func (j *job) checkRange(s *stream, seg *segment, pos int64) error {
	if s.full {
		// A whole answer may be an error page as well as the probe's
		// could (under NoVerify nothing else would notice). Checked
		// before the validators: a maintenance page's size or missing
		// ETag is not the remote file changing, and it is asked for
		// again rather than restarting the download.
		if err := j.checkContent(s); err != nil {
			s.close()
			return err
		}
	}
	if d := diffValidator(j.etag, j.lastMod, j.size, s); d != "" {
		s.close()
		return &restartError{&RemoteChangedError{Reason: d}}
	}
	if s.full {
		if !j.streamMode {
			s.close()
			return &restartError{&RemoteChangedError{
				Reason: "the server answered a range request with the whole file", Err: ErrRangeNotSupported}}
		}
		if pos > 0 {
			// Single stream without range support: start over from byte 0.
			j.sched.reset(seg)
			j.hasher.reset()
			j.written.Store(0)
			if j.size < 0 {
				// The new body may end before the bytes already written:
				// their tail would stay in the file, never hashed. (A
				// known size was preallocated, and the new body must
				// fill it to the end again.)
				if err := j.f.Truncate(0); err != nil {
					s.close()
					return fmt.Errorf("truncate partial file: %w", err)
				}
			}
			j.emit(Event{Kind: EventRestart, Err: fmt.Errorf("resuming the stream at %d: %w", pos, ErrRangeNotSupported)})
		}
		if j.size < 0 && s.total >= 0 {
			// This answer has a length where the first had none: the
			// stream ends there (else the worker would ask again for
			// the rest of an unbounded segment, and start over).
			j.sched.setSize(seg, s.total)
		}
	} else if j.size < 0 && s.total >= 0 {
		j.sched.setSize(seg, s.total)
	}
	return nil
}

// copy moves bytes from s into the file for seg until the segment is done,
// the response is used up, or an error occurs.
func (j *job) copy(ctx context.Context, seg *segment, s *stream, wb *workBuf) (int64, error) {
	lim := j.d.opts.Limiter
	if lim != nil && lim.Limit() == rate.Inf {
		lim = nil
	}
	var moved int64
	for {
		pos, end := j.sched.position(seg)
		limit := end
		if s.end >= 0 && s.end < limit {
			limit = s.end
		}
		if pos >= limit {
			return moved, nil
		}
		buf := *wb.p
		want := min(int64(len(buf)), limit-pos)
		if lim != nil {
			// Pay first, read after: paying after the read let every
			// new connection take one read for free, and 80 of them
			// (-j5 -x16) started 12 times over a 64 KiB/s cap.
			if wb.paid <= 0 {
				c := min(want, int64(lim.Burst()))
				if err := lim.WaitN(ctx, int(c)); err != nil {
					if ctx.Err() != nil {
						return moved, ctx.Err()
					}
					return moved, err
				}
				wb.paid += c
			}
			want = min(want, wb.paid)
		}
		n, rerr := s.read(buf[:want])
		if lim != nil {
			wb.paid -= int64(n)
		}
		if n > 0 {
			j.fetched.Add(int64(n))
			k := j.sched.claim(seg, int64(n))
			if k > 0 {
				j.wmu.Lock()
				_, err := j.d.raw.writeAt(j.f, buf[:k], pos)
				j.wmu.Unlock()
				if err != nil {
					j.sched.release(seg)
					return moved, j.writeErr(err, -1)
				}
				// Offer before commit: once committed, the read-back path
				// would race to hash the same bytes from disk.
				if j.hasher.offer(ctx, pos, wb.p, int(k)) {
					wb.p = j.d.getBuf() // the hasher owns the filled one now
				}
				j.sched.commit(seg, k)
				moved += k
				if !s.observed && moved >= observeAfter {
					s.observed = true
					j.observe(s, moved)
				}
				if left, lead := limit-pos-k, j.pace.lead(); !wb.asked && left > 0 && left <= lead {
					wb.asked = true
					wb.next = j.sendAhead(ctx, seg, lead)
				}
				j.emit(Event{Kind: EventProgress, N: k, Done: j.written.Add(k), Size: j.size})
				if j.sinceCkpt.Add(k) >= j.ckThreshold {
					select {
					case j.ckTrigger <- struct{}{}:
					default:
					}
				}
			}
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				return moved, rerr
			}
			if s.end < 0 {
				// End of a body of unknown length: the end of the file,
				// unless the file's size is known and not reached (a
				// shorter answer to a restarted stream), which would
				// otherwise be asked for, and started over, forever.
				if !j.sched.finish(seg) {
					return moved, io.ErrUnexpectedEOF
				}
				return moved, nil
			}
			if pos+int64(n) >= s.end {
				return moved, nil
			}
			return moved, io.ErrUnexpectedEOF
		}
	}
}

// observeAfter: a response is measured once, after this many bytes (or at
// its end if shorter), so that the first pieces already know when to send
// the next request. (At 2 MiB, the first pieces of 128 MiB over 16
// connections, 2 MiB each, ended unmeasured, and all sixteen connections
// then waited 150 ms for their next piece together.)
const observeAfter = 512 << 10

// observe feeds a response to the pace and raises the piece
// floor accordingly: on a link where each request waits 200 ms for its
// first byte, tapering down to 1 MiB pieces would leave connections idle
// most of the time at the end of a download.
func (j *job) observe(s *stream, moved int64) {
	if f := j.pace.observe(s.wait, time.Since(s.headersAt), moved); f > 0 {
		j.sched.setFloor(f)
		j.sched.setLag(j.pace.inWait())
	}
}

// claimRoom is preallocate's and claimResumed's claimFunc: it books the
// file's size on vol, less have already allocated, with the Downloader
// (see spaceBook), in place of any earlier booking of this job (a restart
// preallocates again). j.written must count the bytes on disk already: 0
// for a fresh file, the control file's for a resumed one. A refusal is a
// *DiskFullError needing what the file still owes.
func (j *job) claimRoom(vol string, have int64, free func() (uint64, bool)) error {
	j.room.release()
	j.room = nil
	h, err := j.d.space.claim(vol, j.part, j.size, have, &j.written, free)
	if err != nil {
		return &DiskFullError{Path: j.part, Need: j.size - max(have, j.written.Load()), Err: err}
	}
	j.room = h
	return nil
}

// writeErr classifies a file write or allocation failure (a
// *DiskFullError is returned as it is).
func (j *job) writeErr(err error, need int64) error {
	var df *DiskFullError
	if errors.As(err, &df) {
		return err
	}
	if isDiskFull(err) {
		return &DiskFullError{Path: j.part, Need: need, Err: err}
	}
	if isFileTooBig(err) {
		return &FileTooBigError{Path: j.part, Size: need, Err: err}
	}
	return fmt.Errorf("write %s: %w", j.part, err)
}

// retryable decides whether err is worth another request and waits for
// the backoff. gen is the URL generation the failed request used (-1 when
// the failure was not an HTTP status).
func (j *job) retryable(ctx context.Context, err error, gen int, attempts *int) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var rs *restartError
	if errors.As(err, &rs) {
		return false, err
	}
	var he *HTTPError
	isHTTP := errors.As(err, &he)
	if isHTTP && gen >= 0 && (he.StatusCode == 401 || he.StatusCode == 403 || he.StatusCode == 410) {
		// Most likely the signed URL expired: ask for a fresh one.
		if rerr := j.urls.refresh(ctx, gen, err); rerr != nil {
			return false, rerr
		}
		return true, nil
	}
	var uc *UnexpectedContentError
	switch {
	case errors.As(err, &uc):
		// Permanent, but a maintenance page or a captive portal's may be
		// gone a moment later: ask again, a few times at most.
		if j.pages.Add(1) > maxPageRetries {
			return false, err
		}
	case classify(err) != classTransient:
		return false, err
	}
	*attempts++
	if *attempts >= j.d.opts.Retry.Attempts {
		return false, fmt.Errorf("giving up after %d attempts: %w", *attempts, err)
	}
	wait := j.d.opts.Retry.backoff(*attempts)
	if isHTTP && he.RetryAfter > 0 {
		if he.RetryAfter > j.d.opts.Retry.MaxRetryAfter {
			return false, err
		}
		wait = he.RetryAfter
	}
	j.retries.Add(1)
	j.emit(Event{Kind: EventRetry, Attempt: *attempts, Wait: wait, Err: err})
	if serr := backoff.Sleep(ctx, wait); serr != nil {
		return false, serr
	}
	return true, nil
}

// checkpointer saves the control file periodically and when enough bytes
// arrived, until stop is closed.
func (j *job) checkpointer(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(j.d.opts.CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-j.ckTrigger:
		}
		if j.sinceCkpt.Load() > 0 {
			// A failed checkpoint only costs re-fetching after a crash;
			// the download itself goes on (a real disk problem surfaces
			// from WriteAt).
			_ = j.checkpoint()
		}
	}
}

// checkpoint makes the written bytes durable and then records them.
func (j *job) checkpoint() error {
	j.ckMu.Lock()
	defer j.ckMu.Unlock()
	if j.size <= 0 || j.f == nil {
		return nil
	}
	j.sinceCkpt.Store(0)
	// Every byte the hash state covers and every byte of the map was
	// written (WriteAt returned) before the Sync below, so both are
	// durable. The hash may be a chunk ahead of the map (the owner hands a
	// buffer to the hasher just before committing it): record those bytes
	// as done too, so that a resume never re-fetches bytes whose hash is
	// already folded into the saved state.
	state, off := j.hasher.shaState()
	spans := j.sched.snapshot()
	if off > 0 {
		spans = mergeSpans(append(spans, span{0, off}))
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	spot := ""
	if off > 0 {
		var err error
		if spot, err = spotDigest(j.f, off); err != nil {
			return err
		}
	}
	c := &control{
		Version: controlVersion, Identity: j.r.Identity, Size: j.size,
		ETag: j.etag, LastModified: j.lastMod,
		Done: spansToDone(spans), SHA256State: state, SHA256Offset: off,
		SpotCheck: spot, Saved: time.Now().UTC(),
	}
	if err := writeControl(j.ctl, c); err != nil {
		return err
	}
	if !j.dirSynced {
		j.dirSynced = true
		return fsyncDir(dirOf(j.ctl))
	}
	return nil
}

// fail saves what can be resumed, or cleans up, and returns err.
func (j *job) fail(ctx context.Context, err error) error {
	var rs *restartError
	if errors.As(err, &rs) {
		return err
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if j.size > 0 && len(j.sched.snapshot()) > 0 {
		// Resumable: record what is on disk. If even that fails, an older
		// control file (if any) still describes durable bytes.
		_ = j.checkpoint()
		return err
	}
	// Nothing worth keeping, or not resumable (size unknown).
	j.removePart()
	return err
}

// complete verifies the file and moves it to its final name.
func (j *job) complete(ctx context.Context) (*Result, error) {
	_, steals, size := j.sched.stats()
	if size < 0 {
		return nil, errors.New("internal error: size unknown after download")
	}
	if j.r.Size > 0 && size != j.r.Size {
		j.removePart()
		return nil, &SizeMismatchError{Expected: j.r.Size, Got: size}
	}
	// The hash and every check here cover the bytes [0, size): a file of
	// another length holds bytes nothing checked (the tail of an earlier
	// answer) or lacks some, and must not get the final name.
	fi, err := j.f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", j.part, err)
	}
	if fi.Size() != size {
		j.removePart()
		return nil, fmt.Errorf("internal error: %s has %d bytes, the download %d", j.part, fi.Size(), size)
	}
	// As in accept, for an answer whose size was not known up front (no
	// Content-Length): nothing else may check an empty file under
	// NoVerify, and it would be kept as the model.
	if size == 0 && max(j.r.Size, j.r.SizeHint) > 0 {
		j.removePart()
		return nil, &EmptyAnswerError{Expected: max(j.r.Size, j.r.SizeHint)}
	}
	if algo, _ := verifyAlgo(&j.r); algo == "" && j.size < 0 && farFromHint(size, j.r.SizeHint) {
		// A body of unknown length that ended far from the published
		// size is cut short or another file, and with no hash to check
		// it, checkExisting would call the file different on the next
		// run anyway. (A hash that matches outranks the rounded size.)
		j.removePart()
		return nil, &SizeMismatchError{Expected: j.r.SizeHint, Got: size, About: true}
	}
	sums := j.hasher.sums()
	if algo, want := verifyAlgo(&j.r); algo != "" && sums[algo] != want && !j.recheck(ctx, sums) {
		if j.resumed {
			// Bytes saved by an earlier run may have been damaged on
			// disk since: before blaming the published hash, fetch the
			// whole file once more.
			return nil, &restartError{fmt.Errorf("%s of the resumed file does not match; fetching the whole file again", algo)}
		}
		j.removePart()
		return nil, &HashMismatchError{Path: j.r.Dest, Algo: algo, Expected: want, Got: sums[algo]}
	}
	finishAllocation(j.f)
	if err := j.f.Sync(); err != nil {
		return nil, fmt.Errorf("sync %s: %w", j.part, err)
	}
	if _, err := os.Lstat(j.r.Dest); err == nil && !j.r.Force {
		_ = j.checkpoint() // complete and verified: a retry with Force is instant
		return nil, &ExistsError{Path: j.r.Dest, Reason: "it appeared during the download"}
	}
	// The lock is held until the control file is gone, so that no other
	// process takes the file for a partial one (see openPart); on Windows
	// too, where the .part is opened shared for deletion to allow that.
	if err := renameHeld(ctx, j.part, j.r.Dest, j.d.opts.renameWait); err != nil {
		_ = j.checkpoint() // complete and verified: the next run only renames
		var iu *InUseError
		if errors.As(err, &iu) {
			return nil, err
		}
		return nil, fmt.Errorf("rename to final name: %w", err)
	}
	if err := fsyncDir(dirOf(j.r.Dest)); err != nil {
		return nil, fmt.Errorf("sync directory: %w", err)
	}
	removeControl(j.ctl)
	err = j.f.Close()
	j.f = nil
	if err != nil {
		return nil, fmt.Errorf("close %s: %w", j.part, err)
	}
	j.emit(Event{Kind: EventDone, Size: size, Done: size})
	res := &Result{
		Path:         j.r.Dest,
		Size:         size,
		SHA256:       sums["sha256"],
		BLAKE3:       sums["blake3"],
		Resumed:      j.resumed,
		BytesFetched: j.fetched.Load(),
		Requests:     int(j.requests.Load()),
		Retries:      int(j.retries.Load()),
		Refused:      int(j.refused.Load()),
		Steals:       steals,
		Ahead:        int(j.ahead.Load()),
		Restarts:     j.restarts + j.discarded,
		ReadBack:     j.hasher.readBack.Load(),
	}
	return res, nil
}

// recheck asks Request.Recheck for fresh expected hashes after a mismatch
// and adopts them when they match the bytes on disk.
func (j *job) recheck(ctx context.Context, sums map[string]string) bool {
	if j.r.Recheck == nil {
		return false
	}
	sha, b3, err := j.r.Recheck(ctx)
	if err != nil {
		return false
	}
	r := j.r
	r.SHA256, r.BLAKE3 = strings.ToUpper(strings.TrimSpace(sha)), strings.ToUpper(strings.TrimSpace(b3))
	algo, want := verifyAlgo(&r)
	if algo == "" || sums[algo] != want {
		return false
	}
	j.r.SHA256, j.r.BLAKE3 = r.SHA256, r.BLAKE3
	return true
}
