package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrorKind classifies a failed request. The CLI maps kinds to messages and
// exit codes; compare with errors.Is against the Err* sentinels.
type ErrorKind int

// The kinds of *Error.
const (
	KindUnknown      ErrorKind = iota // anything not listed below
	KindNotFound                      // 404 with a JSON body: no such model, version or file
	KindAuthRequired                  // 401, or a redirect to the login page
	KindForbidden                     // 403 other than early access
	KindEarlyAccess                   // 403 {"error":"Early Access","deadline":...}
	KindArchived                      // 410 (archived model)
	KindRateLimited                   // 429 other than the page cap (limiter, edge), retried
	KindPageCap                       // 429 whose body says "too many pages"; never retried
	KindServer                        // 5xx, Cloudflare 52x, 408, 499
	KindNetwork                       // transport failure (DNS, connect, reset, timeout)
	KindNotJSON                       // 2xx whose body is HTML, empty or not JSON
	KindBadRequest                    // 400
	KindNotAPI                        // 404 whose body is not JSON, or 403 that is an HTML page: not the API (wrong base URL, proxy, network filter, host)
)

// String returns a short lowercase name for the kind, such as "not found".
func (k ErrorKind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindAuthRequired:
		return "authentication required"
	case KindForbidden:
		return "forbidden"
	case KindEarlyAccess:
		return "early access"
	case KindArchived:
		return "archived"
	case KindRateLimited:
		return "rate limited"
	case KindPageCap:
		return "page limit reached"
	case KindServer:
		return "server error"
	case KindNetwork:
		return "network error"
	case KindNotJSON:
		return "not json"
	case KindBadRequest:
		return "bad request"
	case KindNotAPI:
		return "not the api"
	default:
		return "unknown error"
	}
}

// Error is every error the client returns for a failed request.
//
// Compare it with errors.Is against the sentinels (ErrNotFound, ...), which
// match by Kind only, or use errors.As to read the details. It never contains
// the API key: URL has key-like query parameters redacted and Message is
// scrubbed of the key.
type Error struct {
	Kind       ErrorKind
	Method     string        // HTTP method
	URL        string        // request URL with token/key/signature query parameters redacted
	StatusCode int           // HTTP status; 0 for network errors
	Message    string        // the server's message, flattened to one line
	RetryAfter time.Duration // server-sent Retry-After, when there was one
	Deadline   time.Time     // end of early access, for KindEarlyAccess
	Err        error         // underlying error (network errors)
	KeySent    bool          // the request carried an API key (so it was refused)
}

// Sentinel errors for errors.Is. They match any *Error of the same Kind.
var (
	ErrNotFound     = &Error{Kind: KindNotFound}
	ErrAuthRequired = &Error{Kind: KindAuthRequired}
	ErrForbidden    = &Error{Kind: KindForbidden}
	ErrEarlyAccess  = &Error{Kind: KindEarlyAccess}
	ErrArchived     = &Error{Kind: KindArchived}
	ErrRateLimited  = &Error{Kind: KindRateLimited}
	ErrPageCap      = &Error{Kind: KindPageCap}
	ErrServer       = &Error{Kind: KindServer}
	ErrNetwork      = &Error{Kind: KindNetwork}
	ErrNotJSON      = &Error{Kind: KindNotJSON}
	ErrBadRequest   = &Error{Kind: KindBadRequest}
	ErrNotAPI       = &Error{Kind: KindNotAPI}
)

// Error returns "METHOD /path?query: STATUS message", for example
// "GET /api/v1/models/5: 404 No model with id 5".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Method != "" || e.URL != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + pathOf(e.URL)))
		b.WriteString(": ")
	}
	switch {
	case e.StatusCode != 0:
		b.WriteString(strconv.Itoa(e.StatusCode))
		if msg := e.message(); msg != "" {
			b.WriteString(" ")
			b.WriteString(msg)
		}
	default:
		msg := e.message()
		if msg == "" {
			msg = e.Kind.String()
		}
		b.WriteString(msg)
	}
	if e.Kind == KindEarlyAccess && !e.Deadline.IsZero() {
		b.WriteString(" (early access until ")
		b.WriteString(e.Deadline.UTC().Format(time.RFC3339))
		b.WriteString(")")
	}
	return b.String()
}

func (e *Error) message() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	if e.StatusCode != 0 {
		return statusText(e.StatusCode)
	}
	return ""
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same Kind, so that
// errors.Is(err, api.ErrNotFound) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

// ValidationError reports bad user input detected before any request was
// sent. Value never holds an API key.
type ValidationError struct {
	Field  string // option or argument name, such as "hash" or "page"
	Value  string // the offending value (may be empty)
	Reason string // what is wrong, lowercase
}

// Error returns "invalid FIELD "VALUE": REASON".
func (e *ValidationError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// pathOf shortens a full URL to its path and query for Error strings.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexAny(rest, "/?"); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return u
}

// IsDownloadsDisabled reports the download endpoint's answer for a version
// whose creator allows it only for generation on CivitAI (usageControl not
// Download): 401 "The creator of this asset has disabled downloads on this
// file" (civitai-api.md §2.10). No key can download it.
func IsDownloadsDisabled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindAuthRequired && strings.Contains(strings.ToLower(e.Message), "disabled downloads")
}

// statusText is http.StatusText plus the Cloudflare 52x codes.
func statusText(code int) string {
	switch code {
	case 520:
		return "Web Server Returned an Unknown Error"
	case 521:
		return "Web Server Is Down"
	case 522:
		return "Connection Timed Out"
	case 523:
		return "Origin Is Unreachable"
	case 524:
		return "A Timeout Occurred"
	case 499:
		return "Client Closed Request"
	}
	return http.StatusText(code)
}

// IsDownloadLimit reports CivitAI's download limiter's refusal (429
// without Retry-After on /api/download, civitai-api.md §2.10), or a
// download request not sent because the limiter still refused after
// RetryPolicy.LimitBudget. It limits downloads per account, not the API.
func IsDownloadLimit(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindRateLimited && e.RetryAfter == 0 && isDownload(e.URL)
}
