package progress

import (
	"sync"
	"time"

	"github.com/civit/civit/internal/tableprinter"
)

// rateSpan is how far back the shown speed looks. The average since the
// start, which mpb's AverageSpeed/AverageETA show, stays too high long after
// a fast start (a --limit-rate burst, a connection that starts ahead), and
// the ETA then promises too little: at 10 MiB/s with 35 MiB left it said 2s.
const rateSpan = 5 * time.Second

// rate is a bar's speed over the last rateSpan, sampled when the bar is
// drawn (every refresh), not when bytes arrive, so the engine's hot path
// pays nothing for it.
type rate struct {
	mu  sync.Mutex
	now func() time.Time
	at  []time.Time
	n   []int64
}

// sample records cur bytes done now and returns the bytes per second over
// the samples within rateSpan (false while they cover under half a second).
func (r *rate) sample(cur int64) (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.at, r.n = append(r.at, now), append(r.n, cur)
	for len(r.at) > 2 && now.Sub(r.at[1]) >= rateSpan {
		r.at, r.n = r.at[1:], r.n[1:]
	}
	dt := now.Sub(r.at[0]).Seconds()
	if dt < 0.5 {
		return 0, false
	}
	return max(float64(cur-r.n[0]), 0) / dt, true
}

// show returns "speed/s" and "ETA" for a bar at cur of total (total <= 0:
// unknown, no ETA): the time left is "--" at no speed, and both are empty
// before the speed is known.
func (r *rate) show(cur, total int64) (speed, eta string) {
	v, ok := r.sample(cur)
	if !ok {
		return "", ""
	}
	speed = tableprinter.Bytes(int64(v)) + "/s"
	if total > 0 && cur < total {
		if v <= 0 {
			return speed, "--"
		}
		eta = time.Duration(float64(total-cur) / v * float64(time.Second)).Round(time.Second).String()
	}
	return speed, eta
}
