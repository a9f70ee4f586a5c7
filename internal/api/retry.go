package api

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/civit/civit/internal/backoff"
)

// RetryPolicy bounds the retries of one API call. Zero fields take the value
// of DefaultRetryPolicy(); set MaxAttempts to 1 to disable retries.
type RetryPolicy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // first backoff ceiling; doubles each attempt
	MaxDelay    time.Duration // ceiling for one wait, Retry-After included
	MaxElapsed  time.Duration // no retry starts once this much time would be spent
}

// DefaultRetryPolicy returns 5 attempts, 500 ms base delay, 30 s maximum
// delay and 2 minutes total.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, MaxElapsed: 2 * time.Minute}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	return p
}

// delay returns the wait after failed attempt n (1-based): the server's
// Retry-After capped by MaxDelay when it sent one, else a full-jitter
// exponential backoff: uniform in [0, min(MaxDelay, BaseDelay·2^(n-1))].
func (p RetryPolicy) delay(n int, err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return min(e.RetryAfter, p.MaxDelay)
	}
	ceiling := p.BaseDelay
	for i := 1; i < n && ceiling < p.MaxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxDelay)
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// retryable reports whether a failed attempt may be repeated: network
// errors, 408, 429 (not the page cap), 499, 500, 502, 503, 504, 520-524 and 2xx
// answers that were not JSON (maintenance pages, challenges).
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindNetwork:
		// A host name that does not exist will not appear in a second:
		// fail at once instead of making the user wait for the backoff.
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound {
			return false
		}
		return true
	case KindRateLimited, KindNotJSON:
		return true
	case KindServer:
		switch s := e.StatusCode; {
		case s == 408, s == 499, s == 500, s == 502, s == 503, s == 504, s >= 520 && s <= 524:
			return true
		}
	}
	return false
}

// rateGate holds back the requests of a Client (and of its copies) after
// CivitAI answered one of them 429 with Retry-After: the server asked the
// client, not that one request, to wait. Without it, calls made a few at a
// time (planning 700 download targets, 4 at once) each fail on their own
// 429 and the next one is sent at once: 700 requests in a tenth of a
// second, all refused. The download endpoint has its own limiter on the
// server, so it is held back apart from the API.
type rateGate struct {
	mu    sync.Mutex
	until map[bool]time.Time // by "is a download request"
}

func isDownload(name string) bool { return strings.Contains(name, "/api/download/") }

// wait returns how long requests like name must still be held back.
func (g *rateGate) wait(name string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Until(g.until[isDownload(name)])
}

// hold keeps requests like name back for d from now (a later end wins).
func (g *rateGate) hold(name string, d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.until == nil {
		g.until = map[bool]time.Time{}
	}
	k := isDownload(name)
	if t := time.Now().Add(d); t.After(g.until[k]) {
		g.until[k] = t
	}
}

// gateError is the error of a request not sent because CivitAI asked to
// wait longer than the retry budget allows.
func gateError(name string, wait time.Duration) *Error {
	method, path, _ := strings.Cut(name, " ")
	return &Error{Kind: KindRateLimited, Method: method, URL: path, RetryAfter: wait,
		Message: fmt.Sprintf("not sent: CivitAI is rate limiting and asked to wait %s more (Retry-After)", wait.Round(time.Second))}
}

// withRetry runs attempt until it succeeds, fails permanently, or the
// policy is exhausted. A cancelled ctx stops at once (also mid-sleep) and
// the returned error wraps ctx.Err(). While the rate gate is closed no
// attempt is sent: it waits for it, or fails at once when the wait is
// beyond the budget.
func (c *Client) withRetry(ctx context.Context, name string, attempt func() error) error {
	start := time.Now()
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if c.gate != nil {
			if wait := c.gate.wait(name); wait > 0 {
				if time.Since(start)+wait > c.retry.MaxElapsed {
					return gateError(name, wait)
				}
				if err := backoff.Sleep(ctx, wait); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		err := attempt()
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%s: %w", name, cerr)
		}
		var ra *Error
		if c.gate != nil && errors.As(err, &ra) && ra.Kind == KindRateLimited && ra.RetryAfter > 0 {
			hold := min(ra.RetryAfter, c.retry.MaxDelay) // what this client's own retry waits
			if ra.RetryAfter > c.retry.MaxElapsed {
				hold = ra.RetryAfter // nobody retries before then: fail fast until then
			}
			c.gate.hold(name, hold)
		}
		if !retryable(err) || n >= c.retry.MaxAttempts {
			return err
		}
		wait := c.retry.delay(n, err)
		if time.Since(start)+wait > c.retry.MaxElapsed {
			return err
		}
		// A server that asks for more time than the whole retry budget
		// (429 with Retry-After: 600) will refuse every retry before then:
		// say so now rather than after minutes of capped waits.
		var e *Error
		if errors.As(err, &e) && time.Since(start)+e.RetryAfter > c.retry.MaxElapsed {
			return err
		}
		if c.onRetry != nil {
			c.onRetry(name, n, wait, err)
		}
		if err := backoff.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}
