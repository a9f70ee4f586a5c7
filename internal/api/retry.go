package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/civit/civit/internal/backoff"
	"github.com/civit/civit/internal/proxyenv"
)

// RetryPolicy bounds the retries of one API call. Zero fields take the value
// of DefaultRetryPolicy(); set MaxAttempts to 1 to disable retries.
type RetryPolicy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // first backoff ceiling; doubles each attempt
	MaxDelay    time.Duration // ceiling for one wait, Retry-After included
	MaxElapsed  time.Duration // no retry starts once this much time would be spent

	// LimitWait is how long every download request of the client waits
	// after CivitAI's download limiter refused one (429 without
	// Retry-After on /api/download: it counts downloads per account over
	// a window of about a minute). Then one request asks again; each
	// further refusal doubles the wait, within LimitBudget for the whole
	// run of refusals. Once that is spent, download requests fail without
	// being sent. Waiting at the limit counts neither as attempts nor
	// towards MaxElapsed.
	LimitWait   time.Duration
	LimitBudget time.Duration
}

// DefaultRetryPolicy returns 5 attempts, 500 ms base delay, 30 s maximum
// delay and 2 minutes total; at the download limit, waits of 60 s, 120 s
// and 120 s (5 minutes).
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, MaxElapsed: 2 * time.Minute,
		LimitWait: time.Minute, LimitBudget: 5 * time.Minute}
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
	if p.LimitWait <= 0 {
		p.LimitWait = d.LimitWait
	}
	if p.LimitBudget <= 0 {
		p.LimitBudget = d.LimitBudget
	}
	p.LimitBudget = max(p.LimitBudget, p.LimitWait)
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
		// Nor will a proxy setting civit cannot use, or a proxy that
		// wants a password or does not allow the host, or a certificate
		// this system does not trust.
		var pc *proxyenv.ConfigError
		var pt *proxyenv.ConnectError
		if errors.As(err, &pc) || errors.As(err, &pt) && !pt.Temporary() || IsCertificateError(err) {
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

// IsCertificateError reports a TLS certificate that failed verification:
// signed by an authority this system does not trust (a proxy or antivirus
// inspecting TLS, a self-signed server), issued for another name, expired
// or not valid yet. Retrying in a few seconds cannot help.
func IsCertificateError(err error) bool {
	var (
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		cv *tls.CertificateVerificationError
	)
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &cv)
}

// rateGate holds back the requests of a Client (and of its copies) after
// CivitAI answered one of them 429 with Retry-After: the server asked the
// client, not that one request, to wait. Without it, calls made a few at a
// time (planning 700 download targets, 4 at once) each fail on their own
// 429 and the next one is sent at once: 700 requests in a tenth of a
// second, all refused. The download endpoint has its own limiter on the
// server, so it is held back apart from the API.
//
// It also holds back the download requests at CivitAI's download limiter
// (limit), which answers 429 without Retry-After.
type rateGate struct {
	mu    sync.Mutex
	until map[bool]time.Time // by "is a download request"
	limit limitState
}

// limitState is the download limiter's side of the gate. Without it, each
// of a batch's files met the limiter on its own, retried it a few times
// within seconds and failed, while the next files went on asking: 186
// refusals for 59 files. While it is closed no file asks for a signed URL
// (files streaming already go on); when the wait is over one request asks
// again, the others wait for its answer.
type limitState struct {
	closed  bool          // the limiter refused: download requests wait
	until   time.Time     // when one of them may ask again
	probing bool          // one is asking; the others wait for its answer
	last    time.Duration // the last wait
	waited  time.Duration // the waits of this run of refusals, in all
	spent   bool          // the limiter still refused after LimitBudget
	changed chan struct{} // closed (and replaced) when the state changes
}

// signal wakes the requests waiting for l to change. Call with the gate's
// mutex held.
func (l *limitState) signal() {
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// admitDownload waits until a download request may be sent: at once while
// the limiter has not refused, else after the wait; probe says this
// request is the one that asks again (report its answer with
// limitAnswered). It returns how long it waited, and an error without
// sending when ctx ends or the limiter still refused after the budget.
func (g *rateGate) admitDownload(ctx context.Context) (probe bool, waited time.Duration, err error) {
	start := time.Now()
	for {
		g.mu.Lock()
		l := &g.limit
		switch {
		case l.spent:
			g.mu.Unlock()
			return false, time.Since(start), errLimitSpent
		case !l.closed:
			g.mu.Unlock()
			return false, time.Since(start), nil
		case !l.probing && !time.Now().Before(l.until):
			l.probing = true
			g.mu.Unlock()
			return true, time.Since(start), nil
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed, d := l.changed, time.Until(l.until)
		if l.probing || d <= 0 {
			d = time.Hour // until the probe's answer
		}
		g.mu.Unlock()
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, time.Since(start), ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// errLimitSpent is admitDownload's error once the limiter refused past the
// budget; withRetry turns it into a limitSpentError.
var errLimitSpent = errors.New("download limit budget spent")

// limitAnswered records the answer to a download request: refused says
// the download limiter refused it. A refusal closes the gate for
// p.LimitWait, a probe's refusal for twice the last wait (within what is
// left of p.LimitBudget; nothing left: spent); any other answer to a probe
// opens it. wait is the hold that this answer started (0: none), again
// whether it follows an earlier one of this run of refusals.
func (g *rateGate) limitAnswered(probe, refused bool, p RetryPolicy) (wait time.Duration, again, spent bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := &g.limit
	switch {
	case !refused && probe:
		*l = limitState{changed: l.changed}
		l.signal()
	case !refused, l.spent:
	case probe:
		l.probing = false
		wait = min(2*l.last, p.LimitBudget-l.waited)
		if wait <= 0 {
			l.spent, wait = true, 0
		} else {
			l.until, l.last, again = time.Now().Add(wait), wait, true
			l.waited += wait
		}
		l.signal()
	case !l.closed:
		wait = p.LimitWait
		l.closed, l.until, l.last, l.waited = true, time.Now().Add(wait), wait, wait
		l.signal()
	}
	return wait, again, l.spent
}

// abandonProbe lets another request ask the limiter: the probe's own
// context ended before an answer.
func (g *rateGate) abandonProbe() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit.probing = false
	g.limit.signal()
}

// limitWaited is how long the current run of refusals was waited out.
func (g *rateGate) limitWaited() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit.waited
}

// isLimitRefusal reports CivitAI's download limiter's answer: 429 without
// Retry-After (civitai-api.md §2.10).
func isLimitRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindRateLimited && e.StatusCode == 429 && e.RetryAfter == 0
}

// limitSpentError is the error of a download request not sent because
// the download limiter still refused after the budget.
func limitSpentError(name string, waited time.Duration) *Error {
	method, path, _ := strings.Cut(name, " ")
	return &Error{Kind: KindRateLimited, Method: method, URL: path,
		Message: fmt.Sprintf("not sent: CivitAI's download limit still refused downloads after waiting %s", waited.Round(time.Second))}
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
// beyond the budget. A download request refused by the download limiter
// closes the gate's limiter side for every download request and waits
// there (admitDownload); the limiter's answers are no attempts.
func (c *Client) withRetry(ctx context.Context, name string, attempt func() error) error {
	start := time.Now()
	download := c.gate != nil && isDownload(name)
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
		probe := false
		if download {
			var held time.Duration
			var err error
			probe, held, err = c.gate.admitDownload(ctx)
			start = start.Add(held) // the retries' budget is not spent at the limit
			switch {
			case errors.Is(err, errLimitSpent):
				return limitSpentError(name, c.gate.limitWaited())
			case err != nil:
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		err := attempt()
		if download {
			switch {
			case ctx.Err() != nil:
				if probe {
					c.gate.abandonProbe()
				}
			case isLimitRefusal(err):
				wait, again, spent := c.gate.limitAnswered(probe, true, c.retry)
				if wait > 0 && c.onLimit != nil {
					c.onLimit(wait, again)
				}
				if spent && probe {
					return err // the limiter's own last answer
				}
				n-- // not an attempt: wait at the gate and ask again
				continue
			default:
				c.gate.limitAnswered(probe, false, c.retry)
			}
		}
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
