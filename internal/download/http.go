package download

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civit/civit/internal/backoff"
	"github.com/civit/civit/internal/proxyenv"
	"github.com/civit/civit/internal/tableprinter"
)

// NewHTTPClient returns the client Download uses when Options.HTTPClient is
// nil: proxy from the environment as the API client takes it (proxyenv), 10 s dial and TLS handshake, 30 s
// response-header timeout, room for 128 connections per host, no
// Client.Timeout (the stall watchdog bounds transfers instead), no
// transparent gzip (it breaks byte ranges), and HTTP/1.1 only: segmented
// downloads need one TCP connection (and congestion window) per range,
// which HTTP/2 would multiplex onto a single connection.
func NewHTTPClient() *http.Client { return newHTTPClient(64 << 10) }

// limitedReadBuffer is the transport's read buffer under a Limiter. The
// transport fills its buffer from the socket before the engine has paid
// for the bytes (the engine's reads under a Limiter are at least 16 KiB,
// the Limiter's least burst, and so bypass a buffer this small once the
// headers are read): with 64 KiB, every new connection took 64 KiB off the
// socket unpaid, and five connections at a 64 KiB/s cap read 320 KiB in
// their first 60 ms. 4 KiB is net/http's default, enough for the headers.
const limitedReadBuffer = 4 << 10

// newHTTPClient is NewHTTPClient with a transport read buffer of readBuf
// bytes.
func newHTTPClient(readBuf int) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           rawDial(dialer),
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		MaxConnsPerHost:       128,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ReadBufferSize:        readBuf,
		WriteBufferSize:       4 << 10,
		Protocols:             new(http.Protocols),
	}
	tr.Protocols.SetHTTP1(true)
	proxyenv.Default().Configure(tr) // the API client's proxy, ALL_PROXY included
	return &http.Client{Transport: tr}
}

// stream is one open HTTP response body with its byte range and its stall
// watchdog (restic's watchdog pattern: a timer reset on every read that
// cancels the request's context when it fires).
type stream struct {
	resp    *http.Response
	body    io.Reader
	start   int64 // offset of the first body byte
	end     int64 // exclusive end of the body bytes; -1 unknown (read to EOF)
	total   int64 // object size; -1 unknown
	full    bool  // 200: the whole object, Range ignored
	etag    string
	lastMod string
	eof     bool // the body was read to EOF: the connection can be reused
	// wait is how long the request took to its response headers;
	// headersAt is when they arrived (see job.observe).
	wait      time.Duration
	headersAt time.Time
	observed  bool // fed to the pace already

	consumed int64 // body bytes read so far
	mark     *mark // the connection's receive low-water mark (lowat.go)

	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	stall  time.Duration
	// slot is the request's place at the host (busy.go).
	slot *slot
}

// partialAfter is how long read keeps filling a buffer that has bytes in
// it. Filling it whole keeps writes and hash hand-overs large, which matters
// where the CPU is the limit (loopback fills 512 KiB in well under a
// millisecond); but on a slow link a 512 KiB buffer took 25 s at 20 KB/s,
// and as progress is reported per buffer, the bar stood still and then
// jumped. Past this, what arrived is returned, so progress and the speed
// shown follow the link; a fast link never gets near it.
const partialAfter = 200 * time.Millisecond

// read fills p as far as the body allows, or returns what it has once
// partialAfter has passed. The watchdog runs only while read waits for the
// network (time spent writing and hashing is ours) and is reset on every
// chunk. It returns io.EOF (possibly with n > 0) at the end of the body.
func (s *stream) read(p []byte) (int, error) {
	s.timer.Reset(s.stall)
	defer s.timer.Stop()
	// One clock reading per call and one per chunk: no lock, no allocation
	// (time.Now is a vDSO call), against tens of microseconds per chunk
	// copied out of the socket.
	due := time.Now().Add(partialAfter)
	got := 0
	for got < len(p) {
		if got > 0 && time.Now().After(due) {
			return got, nil
		}
		if s.end >= 0 {
			s.mark.set(lowatFor(s.end-s.start-s.consumed, s.consumed, time.Since(s.headersAt)))
		}
		n, err := s.body.Read(p[got:])
		if n > 0 {
			got += n
			s.consumed += int64(n)
			s.mark.reads.Add(1)
			s.timer.Reset(s.stall)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.eof = true
				return got, io.EOF
			}
			if cause := context.Cause(s.ctx); cause != nil {
				var se *StallError
				if errors.As(cause, &se) {
					return got, se
				}
			}
			return got, err
		}
	}
	return got, nil
}

// close releases the response. A body read to EOF returns its connection
// to the pool (keep-alive); otherwise the connection is dropped, which is
// what we want for a range that was cut short.
func (s *stream) close() {
	if s.slot != nil {
		if s.cutShort() {
			// The host goes on sending, and counting the request, until
			// it notices the connection is gone: free the slot then.
			time.AfterFunc(min(max(4*s.wait, 100*time.Millisecond), 2*time.Second), s.slot.release)
		} else {
			s.slot.release()
		}
	}
	s.timer.Stop()
	if s.resp != nil {
		s.resp.Body.Close()
	}
	s.cancel(nil)
}

// cutShort reports whether the body is closed before its end.
func (s *stream) cutShort() bool {
	if s.eof || s.resp == nil {
		return false
	}
	return s.end < 0 || s.start+s.consumed < s.end
}

// urlState is the current signed URL, shared by all connections of one
// download, and the budget of Source.Resolve calls.
type urlState struct {
	mu       sync.Mutex
	url      string
	gen      int
	resolves int
	resolve  func(ctx context.Context) (string, error)
}

// maxResolves bounds Source.Resolve calls per Download.
const maxResolves = 3

func (u *urlState) current() (string, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.url, u.gen
}

// refresh asks Source.Resolve for a new URL unless another connection
// already did so since generation gen.
func (u *urlState) refresh(ctx context.Context, gen int, cause error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.gen != gen {
		return nil
	}
	if u.resolve == nil {
		return cause
	}
	if u.resolves >= maxResolves {
		return fmt.Errorf("%w (still refused after %d fresh URLs)", cause, u.resolves)
	}
	u.resolves++
	nu, err := u.resolve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("resolve a fresh download URL: %w", err)
	}
	if nu == "" {
		return fmt.Errorf("resolve a fresh download URL: empty URL")
	}
	u.url = nu
	u.gen++
	return nil
}

// errRangeUnsatisfiable is a 416 answer; total is the size from
// "Content-Range: bytes */N", -1 if absent.
type errRangeUnsatisfiable struct {
	total int64
	// url (without its query), from and to are the request's (from < 0:
	// no Range; to < 0: open-ended).
	url      string
	from, to int64
	// midway: a range inside the file being downloaded, refused without
	// a sign that the file changed (see job.shrunk). Transient.
	midway bool
}

// Error implements error: "GET https://host/path: 416 Range Not
// Satisfiable for bytes 1048576-2097151 (size unknown)".
func (e *errRangeUnsatisfiable) Error() string {
	s := "range not satisfiable"
	if e.url != "" {
		s = "GET " + e.url + ": 416 Range Not Satisfiable"
	}
	switch {
	case e.from >= 0 && e.to >= 0:
		s += fmt.Sprintf(" for bytes %d-%d", e.from, e.to)
	case e.from >= 0:
		s += fmt.Sprintf(" for bytes %d-", e.from)
	}
	if e.total >= 0 {
		return s + fmt.Sprintf(" (file size %d)", e.total)
	}
	return s + " (size unknown)"
}

// open sends one GET for [from, to] (to < 0: open-ended; from < 0: no Range
// header) and checks the status. ifRange is the validator for If-Range, ""
// for none. sl is the request's slot of the host (busy.go), nil to wait
// for one here; the response holds it until closed.
func (j *job) open(ctx context.Context, from, to int64, ifRange string, sl *slot) (*stream, int, error) {
	u, gen := j.urls.current()
	if u == "" {
		if err := j.urls.refresh(ctx, gen, errors.New("no download URL")); err != nil {
			if sl != nil {
				sl.release()
			}
			return nil, gen, err
		}
		u, gen = j.urls.current()
	}
	if sl == nil {
		var err error
		if sl, err = j.d.hosts.acquire(ctx, hostOf(u), nil); err != nil {
			return nil, gen, err
		}
	}
	rctx, cancel := context.WithCancelCause(ctx)
	stall := j.d.opts.StallTimeout
	mk := &mark{}
	timer := time.AfterFunc(stall, func() {
		// A raised low-water mark hides the bytes under it from the
		// reader: drop it, and call it a stall only if the reader still
		// gets nothing.
		if n, raised := mk.drop(); raised {
			time.AfterFunc(min(stall/2, time.Second), func() {
				if mk.reads.Load() == n {
					cancel(&StallError{Timeout: stall})
				}
			})
			return
		}
		cancel(&StallError{Timeout: stall})
	})
	fail := func(err error) (*stream, int, error) {
		sl.release()
		timer.Stop()
		cancel(nil)
		return nil, gen, err
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return fail(fmt.Errorf("%w: bad URL: %v", ErrInvalidRequest, redactErr(err)))
	}
	var conn net.Conn // for the mark
	req = req.WithContext(httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{
		GotConn: func(ci httptrace.GotConnInfo) { conn = ci.Conn }}))
	req.Header.Set("User-Agent", j.d.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "identity")
	if from >= 0 {
		if to >= 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, to))
		} else {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
		}
		if ifRange != "" {
			req.Header.Set("If-Range", ifRange)
		}
	}
	j.requests.Add(1)
	sent := time.Now()
	resp, err := j.d.client.Do(req)
	if err != nil {
		if cause := context.Cause(rctx); cause != nil && ctx.Err() == nil {
			var se *StallError
			if errors.As(cause, &se) {
				return fail(se)
			}
		}
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		return fail(redactErr(err))
	}
	s := &stream{
		resp: resp, body: resp.Body, ctx: rctx, cancel: cancel, timer: timer, stall: stall,
		etag: resp.Header.Get("ETag"), lastMod: resp.Header.Get("Last-Modified"),
		total: -1, end: -1, mark: mk, slot: sl,
	}
	if resp.ProtoMajor == 1 { // an HTTP/2 connection carries other streams too
		mk.attach(conn)
	}
	s.headersAt = time.Now()
	s.wait = s.headersAt.Sub(sent)
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		s.close()
		return nil, gen, &UnexpectedContentError{ContentType: resp.Header.Get("Content-Type"),
			Length: resp.ContentLength, Snippet: "(compressed: Content-Encoding " + oneLine([]byte(ce), 40) + ")"}
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, last, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok {
			s.close()
			return nil, gen, fmt.Errorf("bad Content-Range %q", resp.Header.Get("Content-Range"))
		}
		if from >= 0 && start != from {
			s.close()
			return nil, gen, fmt.Errorf("server sent range starting at %d, asked for %d", start, from)
		}
		s.start, s.end, s.total = start, last+1, total
		if resp.ContentLength >= 0 && resp.ContentLength != s.end-s.start {
			s.close()
			return nil, gen, fmt.Errorf("Content-Length %d does not match Content-Range %q", resp.ContentLength, resp.Header.Get("Content-Range"))
		}
		j.d.hosts.answered(sl)
		return s, gen, nil
	case http.StatusOK:
		s.full = true
		s.start = 0
		s.end = resp.ContentLength // -1 when unknown
		s.total = resp.ContentLength
		j.d.hosts.answered(sl)
		return s, gen, nil
	case http.StatusRequestedRangeNotSatisfiable:
		total := int64(-1)
		if cr := resp.Header.Get("Content-Range"); strings.HasPrefix(cr, "bytes */") {
			if n, err := strconv.ParseInt(strings.TrimPrefix(cr, "bytes */"), 10, 64); err == nil {
				total = n
			}
		}
		s.close()
		return nil, gen, &errRangeUnsatisfiable{total: total, url: redactURL(u), from: from, to: to}
	}
	he := &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, URL: redactURL(u), ContentType: resp.Header.Get("Content-Type")}
	if d, ok := backoff.RetryAfter(resp.Header.Get("Retry-After"), time.Now(), j.d.opts.retryAfterUnit); ok {
		he.RetryAfter = d
	}
	snip := make([]byte, 512)
	n, _ := io.ReadFull(resp.Body, snip)
	he.Body = errorBody(snip[:n], resp.StatusCode)
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	s.eof = true
	busy := (he.StatusCode == 429 || he.StatusCode == 503) && j.d.hosts.refused(sl)
	s.close()
	if busy {
		return nil, gen, &errBusy{he}
	}
	return nil, gen, he
}

// parseContentRange parses "bytes first-last/total" (total may be "*").
func parseContentRange(v string) (first, last, total int64, ok bool) {
	v = strings.TrimSpace(v)
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if first, err = strconv.ParseInt(strings.TrimSpace(a), 10, 64); err != nil || first < 0 {
		return 0, 0, 0, false
	}
	if last, err = strconv.ParseInt(strings.TrimSpace(b), 10, 64); err != nil || last < first {
		return 0, 0, 0, false
	}
	total = -1
	if tot = strings.TrimSpace(tot); tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil || total <= last {
			return 0, 0, 0, false
		}
	}
	return first, last, total, true
}

// redactURL keeps scheme, host and path: signed URLs carry credentials in
// the query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// redactErr strips the query from a *url.Error's URL.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return err
}

// errorBody is what an error answer's body adds to its status line: the
// Code and Message of an S3/R2 XML error (the Message left out when it only
// repeats the status), the title or first text of an HTML page
// (Cloudflare's 52x, a maintenance page), else the start of the body on one
// line.
func errorBody(b []byte, status int) string {
	s := string(b)
	if code := xmlElement(s, "Code"); code != "" {
		msg := xmlElement(s, "Message")
		if msg == "" || strings.EqualFold(msg, http.StatusText(status)) {
			return code
		}
		return code + ": " + msg
	}
	if t := xmlElement(s, "title"); t != "" {
		return t
	}
	if t := pageText(b, ""); t != "" {
		return t
	}
	return oneLine(b, 200)
}

// pageText is what a web page says, on one line: its title, else its first
// text. It is "" when b is not the start of an HTML page (by contentType or
// by its first tags) or shows no text. Error messages quote it instead of
// the page's markup.
func pageText(b []byte, contentType string) string {
	s := string(bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n"))
	low := asciiLower(s) // byte offsets as in s
	mt := mediaType(contentType)
	isPage := mt == "text/html" || mt == "application/xhtml+xml" ||
		strings.HasPrefix(low, "<") && (strings.Contains(low, "<html") || strings.Contains(low, "<body") ||
			strings.Contains(low, "<title") || strings.HasPrefix(low, "<!doctype html"))
	if !isPage {
		return ""
	}
	if i := strings.Index(low, "<title"); i >= 0 {
		if gt := strings.IndexByte(low[i:], '>'); gt >= 0 {
			rest := s[i+gt+1:]
			if end := strings.Index(asciiLower(rest), "</title"); end >= 0 {
				rest = rest[:end]
			}
			if t := oneLine([]byte(html.UnescapeString(stripTags(rest))), 200); t != "" {
				return t
			}
		}
	}
	return oneLine([]byte(html.UnescapeString(stripTags(s))), 200)
}

// stripTags returns the text of HTML s: tags, comments, scripts and styles
// removed (each replaced by a space), entities left as they are. A tag cut
// off at the end of s is dropped.
func stripTags(s string) string {
	var out strings.Builder
	for s != "" {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:lt])
		out.WriteByte(' ')
		s = s[lt:]
		low := asciiLower(s[:min(len(s), 8)])
		end := ">"
		switch {
		case strings.HasPrefix(low, "<!--"):
			end = "-->"
		case strings.HasPrefix(low, "<script"):
			end = "</script>"
		case strings.HasPrefix(low, "<style"):
			end = "</style>"
		}
		i := strings.Index(asciiLower(s), end)
		if i < 0 {
			break
		}
		s = s[i+len(end):]
	}
	return out.String()
}

// asciiLower lowers the ASCII letters of s only, so that byte offsets in
// the result are those in s (strings.ToLower and strings.Map change the
// length of invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// xmlElement returns the text of the first <name>...</name> in s, on one
// line, "" when there is none.
func xmlElement(s, name string) string {
	_, rest, ok := strings.Cut(s, "<"+name+">")
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(rest, "</"+name+">")
	if !ok || strings.Contains(v, "<") {
		return ""
	}
	return oneLine([]byte(html.UnescapeString(v)), 200)
}

// oneLine flattens b to a single line of at most max runes, without
// control characters (a server's ESC sequences would reach the terminal).
func oneLine(b []byte, max int) string {
	noControl := func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case tableprinter.IsBidiControl(r): // would reverse the text after it
			return -1
		}
		return r
	}
	s := strings.Join(strings.Fields(strings.Map(noControl, strings.ToValidUTF8(string(b), "?"))), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "..."
	}
	return s
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// looksLikeDocument reports whether b starts (after white space and a
// UTF-8 BOM) like JSON or HTML/XML text. Binary model formats fail the
// "text" part early: a safetensors file begins with a little-endian length
// whose first byte may well be '{' but is followed by NUL bytes.
func looksLikeDocument(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || (b[0] != '{' && b[0] != '[' && b[0] != '<') {
		return false
	}
	head := b[:min(len(b), 64)]
	for _, c := range head {
		if c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') {
			return false
		}
	}
	if utf8.Valid(head) {
		return true
	}
	for k := 1; k <= 3 && k < len(head); k++ { // a rune cut by the window
		if utf8.Valid(head[:len(head)-k]) {
			return true
		}
	}
	return false
}
