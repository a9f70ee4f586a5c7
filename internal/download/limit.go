package download

import (
	"time"

	"golang.org/x/time/rate"
)

// NewLimiter returns a Limiter for Options.Limiter that caps all downloads
// at bytesPerSec.
//
// Its burst is a quarter second of the cap (16 KiB to 4 MiB): the engine
// pays for each read before making it, in chunks of at most the burst, so
// the burst is both the largest read under the cap and what the
// connections can take at once after all of them idled. A fixed 256 KiB
// burst was four seconds' worth at 64 KiB/s.
//
// The bucket starts empty. A token bucket starts full, and a full bucket
// let a download start with a burst's worth on top of the cap; empty, the
// bytes read by any time t are at most bytesPerSec × t.
func NewLimiter(bytesPerSec int64) *rate.Limiter {
	burst := min(max(bytesPerSec/4, 16<<10), 4<<20)
	l := rate.NewLimiter(rate.Limit(bytesPerSec), int(burst))
	l.AllowN(time.Now(), int(burst))
	return l
}
