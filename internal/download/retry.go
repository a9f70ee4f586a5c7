package download

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds the retries of one segment (one byte range). Zero
// fields take the defaults shown.
type RetryPolicy struct {
	// Attempts is the number of failed requests tolerated per segment
	// before the download fails (default 8). A request that delivered at
	// least progressResetBytes before failing does not count, so a long
	// download over a flaky link keeps going while a server that always
	// fails immediately is given up on quickly.
	Attempts int
	// BaseDelay is the first backoff delay (default 500ms); it doubles on
	// every failed attempt, with jitter, up to MaxDelay (default 30s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps how long a server-sent Retry-After is honoured
	// (default 2m). A longer Retry-After fails the segment at once with the
	// *HTTPError (which carries RetryAfter) so the caller can schedule it.
	MaxRetryAfter time.Duration
}

// progressResetBytes: a request that moved this many bytes before failing
// resets the segment's attempt counter.
const progressResetBytes = 1 << 20

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 8
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	return p
}

// backoff returns the wait before retry number attempt (1-based):
// exponential with "equal jitter" (half fixed, half random) so that many
// connections failing together do not retry in lockstep.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}
