// Package backoff holds what the API client and the download engine share
// about waiting before they try again: reading a server's Retry-After, and
// sleeping unless the context ends first.
package backoff

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps what a server may ask for: a day. Longer answers are
// taken as a day (the callers cap their waits much lower anyway).
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header value (RFC 9110 §10.2.3):
// delay-seconds or an HTTP date, relative to now. unit is the length of one
// of its seconds (time.Second except in tests, which shrink it). ok is
// false when the value is missing or not valid (a negative number is not
// delay-seconds); a date in the past means no wait.
func RetryAfter(v string, now time.Time, unit time.Duration) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		n = min(n, int64(maxRetryAfter/time.Second))
		return time.Duration(n) * unit, true
	}
	if len(v) > 64 { // no HTTP date is that long
		return 0, false
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// Sleep waits d, or until ctx is done, whichever comes first; it returns
// ctx's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
