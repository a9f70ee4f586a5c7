package civitaitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultRule injects a failure into matching requests. Rules are checked in
// the order they were added; every matching, active rule applies to the
// request: latencies add up, the first rule with ResetConnection, Status or
// HTMLMaintenance answers the request itself, and the body-shaping fields
// (DropAfterBytes, Stall, BytesPerSec, IgnoreRange) of all active rules are
// combined around the normal handler.
type FaultRule struct {
	// Host is "api", "storage" or "" for both.
	Host string `json:"host,omitempty"`
	// PathPrefix restricts the rule to paths with that prefix ("" = all).
	PathPrefix string `json:"pathPrefix,omitempty"`
	// Times applies the rule to the first Times matching requests (after
	// Skip); 0 means every one.
	Times int `json:"times,omitempty"`
	// Skip lets the first Skip matching requests through unharmed.
	Skip int `json:"skip,omitempty"`
	// Latency delays the response (before anything is sent).
	Latency time.Duration `json:"latency,omitempty"`
	// Status answers with this status and the body the real server would
	// send for it on that path (JSON on the API host, e.g. 503 {"error":
	// "Model search is temporarily overloaded — please retry."}, an R2-like
	// XML error on the storage host, Cloudflare-like HTML for 52x).
	Status int `json:"status,omitempty"`
	// RetryAfter is the Retry-After header sent with Status. "" means the
	// real server's default: "2" on a JSON 503 of the API host (the
	// overload answers of §2.1/§2.6/§6), none otherwise; "none" sends none.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Body and ContentType override the body sent with Status.
	Body        string `json:"body,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	// EmptyBody sends Status with no body at all: the 499 of an aborted
	// request, or the empty 200 a stale Cloudflare cache once served
	// (§6, civitai/civitai#583).
	EmptyBody bool `json:"emptyBody,omitempty"`
	// HTMLMaintenance answers 200 (or Status) with the text/html page "We're
	// adjusting a few things, be back in a few minutes..." (§6).
	HTMLMaintenance bool `json:"htmlMaintenance,omitempty"`
	// ResetConnection closes the connection without any response.
	ResetConnection bool `json:"resetConnection,omitempty"`
	// DropAfterBytes closes the connection abruptly after that many body
	// bytes (0 = off).
	DropAfterBytes int64 `json:"dropAfterBytes,omitempty"`
	// Stall stops sending for this long after the headers and
	// StallAfterBytes body bytes.
	Stall           time.Duration `json:"stall,omitempty"`
	StallAfterBytes int64         `json:"stallAfterBytes,omitempty"`
	// IgnoreRange makes the request lose its Range and If-Range headers,
	// so storage answers 200 with the whole body.
	IgnoreRange bool `json:"ignoreRange,omitempty"`
	// BytesPerSec caps the body bandwidth of each matching response.
	BytesPerSec int64 `json:"bytesPerSec,omitempty"`
	// Disposition replaces the Content-Disposition header of a successful
	// answer (a storage that names the file differently from the signed
	// URL's response-content-disposition, or names it "../../x").
	Disposition string `json:"disposition,omitempty"`
	// MaxConcurrent > 0 makes the rule apply only to a request that
	// arrives while MaxConcurrent matching requests are already being
	// answered: with Status 503 it is a storage that takes at most that
	// many connections at once and refuses the others (S3's and R2's
	// "SlowDown", B2's "too busy"), as object stores and CDNs do per
	// client.
	MaxConcurrent int `json:"maxConcurrent,omitempty"`
}

// UnmarshalJSON accepts durations as Go duration strings ("250ms") or as
// numbers of nanoseconds.
func (r *FaultRule) UnmarshalJSON(b []byte) error {
	type plain FaultRule
	var aux struct {
		plain
		Latency json.RawMessage `json:"latency"`
		Stall   json.RawMessage `json:"stall"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = FaultRule(aux.plain)
	var err error
	if r.Latency, err = jsonDuration(aux.Latency); err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	if r.Stall, err = jsonDuration(aux.Stall); err != nil {
		return fmt.Errorf("stall: %w", err)
	}
	return nil
}

func jsonDuration(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("want a duration string or nanoseconds, got %s", raw)
	}
	return time.Duration(n), nil
}

// ParseFaultRule parses the small key=value syntax of civitai-fake's
// --fault flag: comma-separated keys host, path, times, skip, latency,
// status, retry-after (seconds, a date, or "none"), html-maintenance,
// reset, drop-after-bytes, stall, stall-after-bytes, ignore-range,
// bytes-per-sec, body, content-type, disposition, max-concurrent.
// Boolean keys may appear without a value. Example:
// "host=storage,path=/model,bytes-per-sec=20000000".
func ParseFaultRule(s string) (FaultRule, error) {
	var r FaultRule
	if strings.TrimSpace(s) == "" {
		return r, fmt.Errorf("empty fault rule")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		boolVal := func() (bool, error) {
			if !hasValue {
				return true, nil
			}
			return strconv.ParseBool(v)
		}
		var err error
		switch k {
		case "host":
			if v != "" && v != "api" && v != "storage" {
				return r, fmt.Errorf("host must be api or storage, got %q", v)
			}
			r.Host = v
		case "path", "path-prefix":
			r.PathPrefix = v
		case "times":
			r.Times, err = nonNegInt(v)
		case "skip":
			r.Skip, err = nonNegInt(v)
		case "latency":
			r.Latency, err = nonNegDuration(v)
		case "status":
			r.Status, err = strconv.Atoi(v)
			if err == nil && (r.Status < 100 || r.Status > 599) {
				err = fmt.Errorf("status %d out of range", r.Status)
			}
		case "retry-after":
			r.RetryAfter = v
		case "body":
			r.Body = v
		case "content-type":
			r.ContentType = v
		case "empty-body":
			r.EmptyBody, err = boolVal()
		case "html-maintenance", "maintenance":
			r.HTMLMaintenance, err = boolVal()
		case "reset", "reset-connection":
			r.ResetConnection, err = boolVal()
		case "ignore-range":
			r.IgnoreRange, err = boolVal()
		case "drop-after-bytes", "drop-after":
			r.DropAfterBytes, err = nonNegInt64(v)
		case "stall":
			r.Stall, err = nonNegDuration(v)
		case "stall-after-bytes", "stall-after":
			r.StallAfterBytes, err = nonNegInt64(v)
		case "bytes-per-sec", "bps":
			r.BytesPerSec, err = nonNegInt64(v)
		case "disposition":
			r.Disposition = v
		case "max-concurrent":
			r.MaxConcurrent, err = nonNegInt(v)
		default:
			return r, fmt.Errorf("unknown fault key %q", k)
		}
		if err != nil {
			return r, fmt.Errorf("fault key %s: %w", k, err)
		}
	}
	return r, nil
}

func nonNegInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err == nil && n < 0 {
		err = fmt.Errorf("negative value %d", n)
	}
	return n, err
}

func nonNegInt64(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n < 0 {
		err = fmt.Errorf("negative value %d", n)
	}
	return n, err
}

func nonNegDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = fmt.Errorf("negative duration %s", d)
	}
	return d, err
}

type faultState struct {
	rule     FaultRule
	seen     int
	applied  int
	inflight int // matching requests being answered (MaxConcurrent rules)
}

// AddFault appends a fault rule.
func (s *Server) AddFault(r FaultRule) {
	s.mu.Lock()
	s.faults = append(s.faults, &faultState{rule: r})
	s.mu.Unlock()
}

// ClearFaults removes all fault rules.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Faults returns the current rules.
func (s *Server) Faults() []FaultRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultRule, len(s.faults))
	for i, f := range s.faults {
		out[i] = f.rule
	}
	return out
}

// activeFaults counts the request against every matching rule and returns
// the rules that apply to it, and a function to call (once or more) when
// the request has been answered.
func (s *Server) activeFaults(host string, r *http.Request) ([]FaultRule, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []FaultRule
	var counted []*faultState
	var once sync.Once
	done := func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, f := range counted {
				f.inflight--
			}
		})
	}
	for _, f := range s.faults {
		if f.rule.Host != "" && f.rule.Host != host {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, f.rule.PathPrefix) {
			continue
		}
		if f.rule.MaxConcurrent > 0 {
			f.inflight++
			counted = append(counted, f)
			if f.inflight <= f.rule.MaxConcurrent {
				continue
			}
		}
		f.seen++
		if f.seen <= f.rule.Skip {
			continue
		}
		if f.rule.Times > 0 && f.applied >= f.rule.Times {
			continue
		}
		f.applied++
		out = append(out, f.rule)
	}
	return out, done
}

func (s *Server) withFaults(host string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rules, done := s.activeFaults(host, r)
		defer done()
		if len(rules) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		// A request stops counting for max-concurrent when its last byte
		// is sent, as on a real server, not when the handler returns.
		sw := &shapedWriter{ResponseWriter: w, ctx: ctx, onSent: done}
		var terminal *FaultRule
		for i := range rules {
			fr := &rules[i]
			if fr.Latency > 0 && !sleepCtx(ctx, fr.Latency) {
				abortConn()
			}
			if fr.IgnoreRange {
				r.Header.Del("Range")
				r.Header.Del("If-Range")
			}
			if fr.DropAfterBytes > 0 && (sw.dropAfter == 0 || fr.DropAfterBytes < sw.dropAfter) {
				sw.dropAfter = fr.DropAfterBytes
			}
			if fr.Stall > 0 && sw.stall == 0 {
				sw.stall, sw.stallAfter = fr.Stall, fr.StallAfterBytes
			}
			if fr.BytesPerSec > 0 && (sw.bps == 0 || fr.BytesPerSec < sw.bps) {
				sw.bps = fr.BytesPerSec
			}
			if fr.Disposition != "" && sw.disposition == "" {
				sw.disposition = fr.Disposition
			}
			if terminal == nil && (fr.ResetConnection || fr.Status != 0 || fr.HTMLMaintenance) {
				terminal = fr
			}
		}
		if terminal == nil {
			next.ServeHTTP(sw, r)
			return
		}
		if terminal.ResetConnection {
			abortConn()
		}
		s.writeFault(sw, r, host, terminal)
	})
}

// maintenancePage is the HTML CivitAI serves during maintenance (§6).
const maintenancePage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Civitai | Maintenance</title></head>` +
	`<body><main><h1>We're adjusting a few things, be back in a few minutes...</h1>` +
	`<p>Civitai is down for maintenance.</p></main></body></html>`

func cloudflarePage(status int) string {
	what := map[int]string{520: "Web server is returning an unknown error", 521: "Web server is down",
		522: "Connection timed out", 523: "Origin is unreachable", 524: "A timeout occurred",
		502: "Bad gateway", 504: "Gateway time-out"}[status]
	if what == "" {
		what = http.StatusText(status)
	}
	return fmt.Sprintf(`<!DOCTYPE html><html lang="en-US"><head><title>civitai.com | %d: %s</title></head>`+
		`<body><div id="cf-error-details"><h1>%s</h1><span>Error code %d</span><p>Cloudflare Ray ID: 8f0c1a2b3c4d5e6f</p></div></body></html>`,
		status, what, what, status)
}

// faultJSONBody is the JSON error the real API sends for status on path.
func faultJSONBody(status int, path string) string {
	dl := strings.HasPrefix(path, "/api/download/")
	switch {
	// The overload messages belong to the searches only: /models (§2.1)
	// and /images (§2.6). The doc knows no 503 body of /models/{id},
	// /model-versions or the other endpoints (§2.2-§2.5, §6), so they get
	// the generic "Server busy" one (/images' bulkhead answer).
	case status == 503 && path == "/api/v1/models":
		return `{"error":"Model search is temporarily overloaded — please retry."}`
	case status == 503 && path == "/api/v1/images":
		return `{"error":"Image search is temporarily overloaded — please retry."}`
	case status == 503:
		return `{"error":"Server busy, please retry shortly."}`
	case status == 429 && dl:
		return `{"error":"` + limiterMessage + `"}`
	case status == 429:
		return `{"error":"Too Many Requests"}`
	case status == 404 && dl:
		return `{"error":"File not found"}`
	case status == 404 && strings.HasPrefix(path, "/api/v1/models/"):
		// /models/{id} names the id (§2.2, sample error-404-model-1.json).
		return string(encodeJSON(errBody("No model with id " + strings.TrimPrefix(path, "/api/v1/models/"))))
	case status == 404 && strings.HasPrefix(path, "/api/v1/model"):
		return `{"error":"Model not found"}`
	case status == 401:
		return `{"error":"Unauthorized"}`
	case status == 403:
		return `{"error":"Forbidden"}`
	case status == 500 && dl:
		return `{"error":"Error getting file"}`
	case status == 500 && strings.HasPrefix(path, "/api/v1/model-versions/"):
		// Any exception of the version endpoints (§2.3; by-hash answers
		// through the same resModelVersionDetails, §2.4).
		return `{"error":"Failed to fetch model version details"}`
	case status == 500 && strings.HasPrefix(path, "/api/v1/images"):
		// The image search's other failures: the message and its TRPC code
		// (§2.6).
		return `{"error":"Internal server error","code":"INTERNAL_SERVER_ERROR"}`
	case status == 500:
		return `{"message":"An unexpected error occurred","error":"URI malformed"}`
	}
	return `{"error":"` + http.StatusText(status) + `"}`
}

func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, host string, fr *FaultRule) {
	h := w.Header()
	status := fr.Status
	retryAfter := fr.RetryAfter
	var body, ctype string
	switch {
	case fr.HTMLMaintenance:
		if status == 0 {
			status = http.StatusOK
		}
		body, ctype = maintenancePage, "text/html; charset=utf-8"
	case status >= 520 || status == 502 || status == 504:
		body, ctype = cloudflarePage(status), "text/html; charset=UTF-8"
		h.Set("Server", "cloudflare")
	case host == "storage":
		code := map[int]string{403: "AccessDenied", 404: "NoSuchKey", 416: "InvalidRange", 500: "InternalError", 503: "SlowDown"}[status]
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(status), " ", "")
		}
		body, ctype = s3Error(code, http.StatusText(status)), "application/xml"
	default:
		body, ctype = faultJSONBody(status, r.URL.Path), jsonContentType
		if status == 404 && strings.HasPrefix(r.URL.Path, "/api/download/") {
			// A 404 injected on a download that exists is the storage
			// resolve failure, sent with private, no-store (§2.10).
			h.Set("Cache-Control", "private, no-store")
		}
		if status == 503 {
			// The overload answers send no-store and Retry-After: 2 (§2.1,
			// §2.6, §6).
			h.Set("Cache-Control", "no-store")
			if retryAfter == "" {
				retryAfter = "2"
			}
		}
	}
	if retryAfter != "" && retryAfter != "none" {
		h.Set("Retry-After", retryAfter)
	}
	if fr.Body != "" {
		body = fr.Body
		ctype = jsonContentType
	}
	if fr.EmptyBody {
		body = ""
	}
	if fr.ContentType != "" {
		ctype = fr.ContentType
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// shapedWriter applies drop, stall and bandwidth faults to a response body.
type shapedWriter struct {
	http.ResponseWriter
	ctx        context.Context
	dropAfter  int64
	stall      time.Duration
	stallAfter int64
	stalled    bool
	bps        int64
	start      time.Time
	written    int64
	// disposition, when set, replaces Content-Disposition on 2xx answers.
	disposition string
	wroteHeader bool
	// onSent, if set, is called when the body's last byte (per
	// Content-Length) has been written.
	onSent func()
}

func (w *shapedWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if w.disposition != "" && code >= 200 && code <= 299 {
			w.Header().Set("Content-Disposition", w.disposition)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *shapedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *shapedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *shapedWriter) abort() {
	w.Flush()
	abortConn()
}

func (w *shapedWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.start.IsZero() {
		w.start = time.Now()
	}
	total := 0
	for len(p) > 0 {
		n := len(p)
		if w.dropAfter > 0 {
			rem := w.dropAfter - w.written
			if rem <= 0 {
				w.abort()
			}
			n = int(min(int64(n), rem))
		}
		if w.stall > 0 && !w.stalled {
			rem := w.stallAfter - w.written
			if rem <= 0 {
				w.Flush()
				if !sleepCtx(w.ctx, w.stall) {
					w.abort()
				}
				w.stalled = true
				continue
			}
			n = int(min(int64(n), rem))
		}
		if w.bps > 0 {
			chunk := max(w.bps/50, 512)
			n = int(min(int64(n), chunk))
			due := w.start.Add(time.Duration(float64(w.written+int64(n)) / float64(w.bps) * float64(time.Second)))
			if !sleepCtx(w.ctx, time.Until(due)) {
				w.abort()
			}
		}
		m, err := w.ResponseWriter.Write(p[:n])
		w.written += int64(m)
		total += m
		if err != nil {
			return total, err
		}
		if w.onSent != nil && strconv.FormatInt(w.written, 10) == w.Header().Get("Content-Length") {
			w.Flush()
			w.onSent()
		}
		if w.bps > 0 {
			w.Flush()
		}
		p = p[n:]
		if w.dropAfter > 0 && w.written >= w.dropAfter {
			w.abort()
		}
	}
	return total, nil
}

// String renders the rule in ParseFaultRule's syntax (Body and ContentType
// are included only when they contain no comma).
func (r FaultRule) String() string {
	var p []string
	add := func(cond bool, s string) {
		if cond {
			p = append(p, s)
		}
	}
	add(r.Host != "", "host="+r.Host)
	add(r.PathPrefix != "", "path="+r.PathPrefix)
	add(r.Times != 0, "times="+strconv.Itoa(r.Times))
	add(r.Skip != 0, "skip="+strconv.Itoa(r.Skip))
	add(r.Latency != 0, "latency="+r.Latency.String())
	add(r.Status != 0, "status="+strconv.Itoa(r.Status))
	add(r.RetryAfter != "", "retry-after="+r.RetryAfter)
	add(r.Body != "" && !strings.Contains(r.Body, ","), "body="+r.Body)
	add(r.ContentType != "" && !strings.Contains(r.ContentType, ","), "content-type="+r.ContentType)
	add(r.HTMLMaintenance, "html-maintenance")
	add(r.ResetConnection, "reset")
	add(r.DropAfterBytes != 0, "drop-after-bytes="+strconv.FormatInt(r.DropAfterBytes, 10))
	add(r.Stall != 0, "stall="+r.Stall.String())
	add(r.StallAfterBytes != 0, "stall-after-bytes="+strconv.FormatInt(r.StallAfterBytes, 10))
	add(r.IgnoreRange, "ignore-range")
	add(r.BytesPerSec != 0, "bytes-per-sec="+strconv.FormatInt(r.BytesPerSec, 10))
	add(r.Disposition != "" && !strings.Contains(r.Disposition, ","), "disposition="+r.Disposition)
	add(r.MaxConcurrent != 0, "max-concurrent="+strconv.Itoa(r.MaxConcurrent))
	return strings.Join(p, ",")
}
