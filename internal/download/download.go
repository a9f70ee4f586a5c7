// Package download fetches one file over HTTP with several ranged
// connections, resume and streaming verification, and never leaves a wrong
// file under the final name.
//
// Use [New] once (it holds the shared HTTP client, the optional bandwidth
// limiter and buffer pools) and call [Downloader.Download] for each file;
// calls may run concurrently for different destinations.
//
// # How a download runs
//
// The first request is already a data request: GET with Range "bytes=0-"
// (or the first missing range of a resumed download). A 206 answer gives
// the size (Content-Range) and the validator (ETag, else Last-Modified); a
// 200 answer means the server ignores ranges and the file is read as a
// single stream from that response. A 2xx answer that is an HTML page or a
// JSON document instead of the file is refused ([UnexpectedContentError]).
//
// With Request.ServerName, a first answer whose Content-Disposition names
// another file than Dest ends the call before anything is written
// ([*ServerNameError]); the caller retries under that name.
//
// The file is written to Dest+".part", preallocated (but on tmpfs), by up to
// Request.Connections connections with WriteAt. Missing bytes are cut into
// pieces handed out in ascending order, about a quarter of the pending bytes
// per connection each: large at the start, small at the end, so the hashed
// prefix is close behind the last byte. A piece is never smaller than eight
// request waits' worth of bytes (the wait for the first byte and the
// connection speed are measured), and the next piece is requested about one
// wait before the current one ends, so slow-to-answer storage does not leave
// connections idle between pieces. A connection that finds nothing left
// steals the upper half of the largest range still in flight. Each request
// carries If-Range, each answer is checked against the validator, and a
// remote that changes mid-way causes a clean restart, never a file mixed
// from two versions.
//
// Failed requests are retried per range with exponential backoff and
// jitter, honouring Retry-After, continuing from the last byte written. A
// watchdog cancels a request that delivers nothing for
// Options.StallTimeout. A 401/403/410 from storage (an expired signed URL)
// makes the engine ask Source.Resolve for a fresh URL.
//
// SHA-256 (and BLAKE3 when only that is published) is computed while the
// file arrives: bytes that extend the hashed prefix are hashed from memory,
// bytes other connections wrote ahead are read back from the page cache
// when the prefix reaches them. There is no second pass over the file.
//
// # Resume and crash safety
//
// Every Options.CheckpointEvery (and every few MiB per connection) the
// .part is fsynced and then a small JSON control file Dest+".part.civit" is
// replaced atomically. It records the identity, size, validator, the byte
// ranges on disk and the SHA-256 state. After a crash, kill or
// cancellation, the next Download of the same Request continues from it,
// re-fetching at most what arrived since the last checkpoint, and restarts
// cleanly when the identity, size or validator changed.
//
// On success the hash is compared, the .part is fsynced, renamed to Dest
// and the directory fsynced. A mismatch of a resumed file starts over once
// (bytes saved by an earlier run may have been damaged since); a mismatch
// of a whole fresh download removes the .part and returns a
// [*HashMismatchError]; Dest is never created.
//
// # Errors
//
// Errors are typed ([*HTTPError], [*HashMismatchError],
// [*SizeMismatchError], [*UnexpectedContentError], [*RemoteChangedError],
// [*StallError], [*DiskFullError], [*ExistsError], [*ServerNameError], [ErrBusy],
// [ErrInvalidRequest]); [IsTransient] and [IsPermanent] classify them.
// Cancellation returns ctx.Err() and leaves a resumable .part.
package download

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Source tells the engine where the bytes are.
type Source struct {
	// URL is a signed storage URL that needs no Authorization header (the
	// engine never sends one). It may be empty if Resolve is set.
	URL string
	// Resolve, optional, returns a fresh signed URL. It is called when
	// storage answers 401, 403 or 410 (an expired signature), at most 3
	// times per Download, and from one goroutine at a time.
	Resolve func(ctx context.Context) (string, error)
}

// Request describes one file to download.
type Request struct {
	Source Source
	// Dest is the final path. The engine writes Dest+".part" and the
	// control file Dest+".part.civit" in the same directory (created if
	// missing).
	Dest string
	// Size is the exact expected size, 0 if unknown. A server size that
	// differs is a *SizeMismatchError. The API's files[].sizeKB is rounded:
	// do not pass sizeKB*1024 here.
	Size int64
	// SizeHint is the approximate size (the API's sizeKB, which can be
	// rounded to whole KiB), 0 if unknown: an existing Dest more than 1 KiB
	// away from it is told apart without reading it. An empty answer is
	// refused (*EmptyAnswerError), and so is, when no hash checks it, an
	// answer of unknown length that ends more than 1 KiB away from it
	// (*SizeMismatchError with About).
	SizeHint int64
	// SHA256 is the expected hex digest (any case), "" if unknown.
	SHA256 string
	// BLAKE3 is the expected hex digest, used only when SHA256 is "".
	BLAKE3 string
	// NoVerify skips the comparison with SHA256/BLAKE3 (the SHA-256 is still
	// computed and returned).
	NoVerify bool
	// NoHash computes no hash at all (it implies NoVerify): the plain
	// download, for users who verify elsewhere and to measure what
	// verification costs. Result.SHA256 is then empty.
	NoHash bool
	// Connections is the number of parallel ranged requests, 1..16
	// (default 8).
	Connections int
	// Identity names the remote file independently of its (expiring) URL,
	// e.g. "mv:123/f:456". It is stored in the control file; a control
	// file with another identity is discarded.
	Identity string
	// Force allows replacing an existing Dest whose content differs.
	Force bool
	// Recheck, when set, is asked for the expected hashes again when the
	// downloaded bytes do not match them, before anything is discarded:
	// the caller's expectation may come from a cached answer that is older
	// than a re-upload. The file is accepted when the fresh expectation
	// matches the bytes; a failed Recheck keeps the mismatch error.
	Recheck func(ctx context.Context) (sha256, blake3 string, err error)
	// ServerName makes the storage's Content-Disposition header the
	// authority on the file name: when the first answer of a fresh download
	// names (after SanitizeFilename) another file than filepath.Base(Dest),
	// Download writes nothing and returns a *ServerNameError, and the caller
	// retries with that name. A resumed .part keeps its name.
	ServerName bool
	// Progress, optional, receives this download's events in addition to
	// Options.Progress.
	Progress func(Event)
}

// Result describes a finished download.
type Result struct {
	Path           string
	Size           int64
	SHA256         string // computed, upper-case hex (always, even with NoVerify)
	BLAKE3         string // computed when BLAKE3 verification was requested
	Resumed        bool   // a previous .part was continued
	AlreadyPresent bool   // Dest existed with the expected content: nothing downloaded
	BytesFetched   int64  // body bytes received from the network in this run
	Duration       time.Duration

	Requests int   // HTTP requests sent
	Retries  int   // failed requests that were retried
	Steals   int   // ranges taken over from a slower connection
	Ahead    int   // requests sent before the previous piece had ended
	Refused  int   // requests the host refused while others streamed (busy.go)
	Restarts int   // clean restarts (remote changed, resume state unusable)
	ReadBack int64 // bytes hashed by reading them back from the page cache
}

// Options configures a Downloader. Zero fields take the defaults shown.
type Options struct {
	// HTTPClient is shared by all downloads. It must not set
	// Client.Timeout (transfers are long; the stall watchdog bounds them)
	// and should allow >= 16 connections per host; an HTTP/2 transport
	// multiplexes all ranges onto one TCP connection and loses most of the
	// benefit. Default: NewHTTPClient(), with a small read buffer under a
	// Limiter (a given client's transport buffer fills from the socket
	// before the Limiter is paid).
	HTTPClient *http.Client
	// UserAgent is sent with every request (default "civit").
	UserAgent string
	// Limiter, optional, caps the total bandwidth of all downloads in
	// bytes per second (NewLimiter builds a suitable one). Each connection
	// waits for tokens before it reads, in chunks of at most Burst bytes,
	// never while holding a lock or blocking on the network, so what has
	// been read never exceeds what the Limiter granted. Many connections
	// sharing a low cap each trickle: give each download fewer
	// Connections then.
	Limiter *rate.Limiter
	// StallTimeout: a request that delivers no byte for this long is
	// cancelled and retried (default 30s).
	StallTimeout time.Duration
	// Retry bounds the retries of each byte range.
	Retry RetryPolicy
	// MinSplit is the smallest remaining range worth splitting for another
	// connection, and the smallest piece (default 1 MiB, minimum 4 KiB).
	MinSplit int64
	// CheckpointEvery is how often the control file is saved (default 1s).
	// The .part is fsynced first, so the file never claims bytes that are
	// not durable.
	CheckpointEvery time.Duration
	// CheckpointBytes additionally saves the control file whenever this
	// many bytes per connection arrived since the last save (default 16 MiB,
	// half the largest piece), bounding what a crash can cost at high speed.
	// Each save fsyncs the .part (2 GiB over one loopback connection to
	// ext4: 3.75 s with saves every 4 MiB, 3.55 s every 16 MiB).
	CheckpointBytes int64
	// BufferSize is the read buffer per connection (default 256 KiB, 16 KiB
	// to 4 MiB). Buffers are pooled across downloads.
	BufferSize int
	// Progress, optional, receives events from engine goroutines. It must
	// be cheap and must not block (e.g. add Event.N to an atomic counter).
	Progress func(Event)

	// retryAfterUnit is the length of one Retry-After second; tests shrink
	// it.
	retryAfterUnit time.Duration
	// renameWait is how long the final rename waits for a name another
	// program holds (default renameWait); tests shrink it.
	renameWait time.Duration
}

// EventKind says what an Event reports.
type EventKind int

// The event kinds, in the order they usually occur.
const (
	// EventStart: the size is known (Size, -1 if unknown) and Done bytes
	// are already on disk from a previous run.
	EventStart EventKind = iota + 1
	// EventProgress: N more bytes were written; Done is the running total
	// (events come from several goroutines, so Done may arrive out of
	// order: sum N or keep the maximum).
	EventProgress
	// EventRetry: a request failed with Err and is retried after Wait
	// (Attempt is the segment's failure count).
	EventRetry
	// EventRestart: partial data was discarded because of Err (remote
	// changed, control file unusable); the download starts over.
	EventRestart
	// EventVerify: every byte is on disk; the hash is being finished.
	EventVerify
	// EventDone: the file is complete under its final name.
	EventDone
	// EventBusy: the host refused one more request (Err, a 429 or 503)
	// while others to it were in flight: from now on the downloads send it
	// no more at once than it took (see busy.go).
	EventBusy
)

// Event is a progress report of one download.
type Event struct {
	Kind    EventKind
	Dest    string
	Size    int64
	Done    int64
	N       int64
	Attempt int
	Wait    time.Duration
	Err     error
}

// Downloader downloads files. It is safe for concurrent use.
type Downloader struct {
	opts   Options
	client *http.Client
	bufs   sync.Pool // *[]byte of opts.BufferSize
	raw    rawWriters
	hosts  hostSlots // requests in flight per host, and learned limits (busy.go)
	space  spaceBook // room taken by running downloads into sparse files (room.go)
}

// New returns a Downloader with opts completed by defaults.
func New(opts Options) *Downloader {
	if opts.HTTPClient == nil {
		readBuf := 64 << 10 // NewHTTPClient's
		if opts.Limiter != nil && opts.Limiter.Limit() != rate.Inf {
			// The bytes taken off the socket stay near the cap (see
			// limitedReadBuffer); unlimited downloads keep 64 KiB.
			readBuf = limitedReadBuffer
		}
		opts.HTTPClient = newHTTPClient(readBuf)
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "civit"
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 30 * time.Second
	}
	opts.Retry = opts.Retry.withDefaults()
	if opts.MinSplit <= 0 {
		opts.MinSplit = 1 << 20
	}
	opts.MinSplit = max(opts.MinSplit, 4<<10)
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = time.Second
	}
	if opts.CheckpointBytes <= 0 {
		opts.CheckpointBytes = 16 << 20
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 256 << 10
	}
	opts.BufferSize = min(max(opts.BufferSize, 16<<10), 4<<20)
	if opts.renameWait <= 0 {
		opts.renameWait = renameWait
	}
	if opts.retryAfterUnit <= 0 {
		opts.retryAfterUnit = time.Second
	}
	d := &Downloader{opts: opts, client: opts.HTTPClient, raw: newRawWriters()}
	d.bufs.New = func() any {
		b := make([]byte, opts.BufferSize)
		return &b
	}
	return d
}

func (d *Downloader) getBuf() *[]byte  { return d.bufs.Get().(*[]byte) }
func (d *Downloader) putBuf(b *[]byte) { d.bufs.Put(b) }

// Download fetches req.Source to req.Dest. See the package documentation
// for the sequence. It returns ctx.Err() when ctx is cancelled, leaving a
// .part and control file that a later call with the same Request resumes.
func (d *Downloader) Download(ctx context.Context, req Request) (*Result, error) {
	t0 := time.Now()
	r, err := normalize(req)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.opts.Limiter != nil && d.opts.Limiter.Limit() != rate.Inf && d.opts.Limiter.Burst() <= 0 {
		return nil, fmt.Errorf("%w: rate limiter burst must be positive", ErrInvalidRequest)
	}
	res, err := d.checkExisting(ctx, &r)
	if res != nil || err != nil {
		if res != nil {
			res.Duration = time.Since(t0)
		}
		return res, err
	}
	if err := os.MkdirAll(dirOf(r.Dest), 0o755); err != nil {
		return nil, fmt.Errorf("create destination directory: %w", err)
	}
	for range 2 {
		_, lerr := os.Lstat(r.Dest)
		j := newJob(d, r)
		j.destAbsent = lerr != nil
		res, err = j.run(ctx)
		if !errors.Is(err, errDestAppeared) {
			break
		}
		// Another download finished it meanwhile: judge it as on entry.
		if res, err = d.checkExisting(ctx, &r); res != nil || err != nil {
			break
		}
	}
	if errors.Is(err, errDestAppeared) {
		err = &ExistsError{Path: r.Dest, Reason: "it appeared during the download"}
	}
	if res != nil {
		res.Duration = time.Since(t0)
	}
	return res, err
}

// normalize validates req and fills defaults; hashes become upper case.
func normalize(req Request) (Request, error) {
	bad := func(format string, a ...any) (Request, error) {
		return req, fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, a...))
	}
	if req.Dest == "" {
		return bad("empty destination path")
	}
	if req.Source.URL == "" && req.Source.Resolve == nil {
		return bad("no URL and no Resolve function")
	}
	if req.Size < 0 {
		return bad("negative size %d", req.Size)
	}
	switch {
	case req.Connections == 0:
		req.Connections = 8
	case req.Connections < 0 || req.Connections > 16:
		return bad("connections %d not in 1..16", req.Connections)
	}
	var err error
	if req.SHA256, err = normHex(req.SHA256); err != nil {
		return bad("sha256: %v", err)
	}
	if req.BLAKE3, err = normHex(req.BLAKE3); err != nil {
		return bad("blake3: %v", err)
	}
	if req.NoHash {
		req.NoVerify = true
	}
	return req, nil
}

func normHex(h string) (string, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return "", nil
	}
	if len(h) != 64 {
		return "", fmt.Errorf("%d hex digits, want 64", len(h))
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", errors.New("not hexadecimal")
	}
	return strings.ToUpper(h), nil
}

// farFromHint reports whether size is more than 1 KiB away from hint (the
// API's sizeKB, rounded to a fraction of a KiB), when there is a hint.
func farFromHint(size, hint int64) bool {
	return hint > 0 && (size < hint-1024 || size > hint+1024)
}

// verifyAlgo returns which expected hash is checked ("" for none).
func verifyAlgo(r *Request) (algo, want string) {
	switch {
	case r.NoVerify:
		return "", ""
	case r.SHA256 != "":
		return "sha256", r.SHA256
	case r.BLAKE3 != "":
		return "blake3", r.BLAKE3
	}
	return "", ""
}

// checkExisting handles a Dest that already exists: AlreadyPresent when it
// matches, *ExistsError when it differs (unless Force), nil, nil to go on.
func (d *Downloader) checkExisting(ctx context.Context, r *Request) (*Result, error) {
	fi, err := os.Stat(r.Dest)
	if errors.Is(err, fs.ErrNotExist) {
		// A symbolic link to nothing: refused now, not after the whole
		// download with "it appeared during the download".
		if li, lerr := os.Lstat(r.Dest); lerr == nil && li.Mode()&fs.ModeSymlink != 0 && !r.Force {
			target, _ := os.Readlink(r.Dest)
			return nil, &ExistsError{Path: r.Dest, Reason: fmt.Sprintf("a symbolic link to %s, which does not exist", target)}
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &notRegularError{path: r.Dest}
	}
	differs := func(reason string) (*Result, error) {
		if r.Force {
			return nil, nil
		}
		return nil, &ExistsError{Path: r.Dest, Reason: reason}
	}
	if r.Size > 0 && fi.Size() != r.Size {
		return differs(fmt.Sprintf("size %d, expected %d", fi.Size(), r.Size))
	}
	if r.Size == 0 && farFromHint(fi.Size(), r.SizeHint) {
		return differs(fmt.Sprintf("size %d, expected about %d", fi.Size(), r.SizeHint))
	}
	// The published hash is used even with NoVerify: it is the only way to
	// know that the file on disk is the one asked for.
	algo, want := "", ""
	switch {
	case r.SHA256 != "":
		algo, want = "sha256", r.SHA256
	case r.BLAKE3 != "":
		algo, want = "blake3", r.BLAKE3
	}
	if algo == "" && r.Size == 0 {
		return differs("CivitAI publishes no hash for it to compare with")
	}
	bufp := d.getBuf()
	size, sha, b3, err := hashFile(ctx, r.Dest, *bufp, algo == "blake3")
	d.putBuf(bufp)
	if err != nil {
		return nil, fmt.Errorf("hash existing %s: %w", r.Dest, err)
	}
	got := map[string]string{"sha256": sha, "blake3": b3}[algo]
	if algo != "" && got != want {
		return differs(fmt.Sprintf("%s %s, expected %s", algo, got, want))
	}
	d.removeStalePart(r.Dest)
	return &Result{Path: r.Dest, Size: size, SHA256: sha, BLAKE3: b3, AlreadyPresent: true}, nil
}

// removeStalePart deletes a leftover .part and control file next to a
// complete Dest, unless another download holds them.
func (d *Downloader) removeStalePart(dest string) {
	part, ctl := partPaths(dest)
	f, err := openPartFile(part, false)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			removeControl(ctl)
		}
		return
	}
	defer f.Close()
	if lockFile(f) != nil {
		return
	}
	fi, ferr := f.Stat()
	pi, perr := os.Stat(part)
	if ferr != nil || perr != nil || !os.SameFile(fi, pi) {
		return // renamed or replaced meanwhile: the name is another download's now
	}
	os.Remove(part)
	removeControl(ctl)
}

func openRead(path string) (*os.File, error) { return os.Open(path) }
