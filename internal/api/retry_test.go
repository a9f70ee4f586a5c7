package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civit/civit/internal/proxyenv"
)

// flaky serves the given failures in order, then success.
type failure struct {
	status     int
	ctype      string
	retryAfter string
	body       string
	hangup     bool // close the connection without answering
}

func flakyHandler(t *testing.T, calls *atomic.Int32, fails []failure, ok string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		if n >= len(fails) {
			writeJSON(w, 200, ok)
			return
		}
		f := fails[n]
		if f.hangup {
			hj, _ := w.(http.Hijacker)
			conn, _, err := hj.Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			_ = conn.Close()
			return
		}
		ct := f.ctype
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
	}
}

type retryLog struct {
	mu    sync.Mutex
	waits []time.Duration
	reqs  []string
}

func (l *retryLog) record(req string, attempt int, wait time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, wait)
	l.reqs = append(l.reqs, req)
}

func TestRetries(t *testing.T) {
	t.Parallel()
	const maint = "<html><head><title>We're adjusting a few things, be back in a few minutes...</title></head></html>"
	tests := []struct {
		name      string
		list      bool
		fails     []failure
		wantCalls int32
		wantOK    bool
		wantKind  ErrorKind
	}{
		{name: "429 with retry-after then ok", list: true, fails: []failure{{status: 429, retryAfter: "1", body: `{"error":"slow"}`}}, wantCalls: 2, wantOK: true},
		{name: "503 then ok", fails: []failure{{status: 503, retryAfter: "2", body: `{"error":"Model search is temporarily overloaded — please retry."}`}}, wantCalls: 2, wantOK: true},
		{name: "524 then ok", fails: []failure{{status: 524, ctype: "text/html", body: "<title>timeout</title>"}}, wantCalls: 2, wantOK: true},
		{name: "500 502 504 then ok", fails: []failure{{status: 500}, {status: 502}, {status: 504}}, wantCalls: 4, wantOK: true},
		{name: "408 then ok", fails: []failure{{status: 408}}, wantCalls: 2, wantOK: true},
		{name: "html maintenance 200 then ok", fails: []failure{{status: 200, ctype: "text/html", body: maint}}, wantCalls: 2, wantOK: true},
		{name: "empty 200 then ok", fails: []failure{{status: 200}}, wantCalls: 2, wantOK: true},
		{name: "truncated json then ok", fails: []failure{{status: 200, body: `{"id":1,`}}, wantCalls: 2, wantOK: true},
		{name: "connection reset then ok", fails: []failure{{hangup: true}}, wantCalls: 2, wantOK: true},
		{name: "404 not retried", fails: []failure{{status: 404, body: `{"error":"No model with id 1"}`}}, wantCalls: 1, wantKind: KindNotFound},
		{name: "400 not retried", fails: []failure{{status: 400, body: `{"error":"bad"}`}}, wantCalls: 1, wantKind: KindBadRequest},
		{name: "401 not retried", fails: []failure{{status: 401}}, wantCalls: 1, wantKind: KindAuthRequired},
		{name: "501 not retried", fails: []failure{{status: 501}}, wantCalls: 1, wantKind: KindServer},
		{name: "page cap 429 not retried", list: true, fails: []failure{{status: 429, body: `{"error":"You've requested too many pages, please use cursors instead"}`}}, wantCalls: 1, wantKind: KindPageCap},
		{name: "list 429 without retry-after retried", list: true, fails: []failure{{status: 429, body: `{"error":"Too Many Requests"}`}}, wantCalls: 2, wantOK: true},
		{name: "html 404 not retried", fails: []failure{{status: 404, ctype: "text/html", body: "<title>404: This page could not be found</title>"}}, wantCalls: 1, wantKind: KindNotAPI},
		{name: "attempts bounded", fails: []failure{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}}, wantCalls: 4, wantKind: KindServer},
		{name: "html maintenance bounded", fails: []failure{{status: 200, body: maint}, {status: 200, body: maint}, {status: 200, body: maint}, {status: 200, body: maint}, {status: 200}}, wantCalls: 4, wantKind: KindNotJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log retryLog
			c, mux, _ := setup(t, Options{OnRetry: log.record})
			var calls atomic.Int32
			path, ok := "/api/v1/models/1", `{"id":1}`
			if tt.list {
				path, ok = "/api/v1/models", `{"items":[{"id":1}],"metadata":{}}`
			}
			mux.Handle(path, flakyHandler(t, &calls, tt.fails, ok))
			var err error
			if tt.list {
				_, err = c.ListModels(t.Context(), nil)
			} else {
				_, err = c.GetModel(t.Context(), 1)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantOK {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if len(log.waits) != int(tt.wantCalls)-1 {
					t.Errorf("OnRetry called %d times, want %d", len(log.waits), tt.wantCalls-1)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind {
				t.Fatalf("err = %v, want kind %v", err, tt.wantKind)
			}
		})
	}
}

// TestRetryAfterHonoured: the wait equals Retry-After, capped by MaxDelay,
// with no jitter.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	var log retryLog
	policy := RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 15 * time.Millisecond, MaxElapsed: 5 * time.Second}
	c, mux, _ := setup(t, Options{Retry: policy, OnRetry: log.record})
	var calls atomic.Int32
	mux.Handle("/api/v1/models", flakyHandler(t, &calls, []failure{{status: 429, retryAfter: "1"}}, `{"items":[]}`))
	start := time.Now()
	if _, err := c.ListModels(t.Context(), &ModelsOptions{Query: "cat"}); err != nil {
		t.Fatal(err)
	}
	if len(log.waits) != 1 || log.waits[0] != 15*time.Millisecond {
		t.Errorf("waits = %v, want [15ms]", log.waits)
	}
	if time.Since(start) < 15*time.Millisecond {
		t.Error("did not sleep")
	}
	if log.reqs[0] != "GET /prefix/api/v1/models?query=cat" {
		t.Errorf("OnRetry req = %q", log.reqs[0])
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxElapsed: time.Minute}
	ra := &Error{Kind: KindRateLimited, RetryAfter: 700 * time.Millisecond}
	if got := p.delay(1, ra); got != 700*time.Millisecond {
		t.Errorf("Retry-After delay = %v", got)
	}
	if got := p.delay(1, &Error{Kind: KindServer, RetryAfter: time.Hour}); got != time.Second {
		t.Errorf("capped Retry-After delay = %v", got)
	}
	for n := 1; n <= 8; n++ {
		ceiling := min(p.BaseDelay<<(n-1), p.MaxDelay)
		for range 50 {
			if d := p.delay(n, ErrServer); d < 0 || d > ceiling {
				t.Fatalf("delay(%d) = %v, outside [0, %v]", n, d, ceiling)
			}
		}
	}
	if got := p.delay(1000, ErrServer); got > p.MaxDelay {
		t.Errorf("delay overflow: %v", got)
	}
}

// TestRetryMaxElapsed: no retry starts once the budget would be exceeded.
func TestRetryMaxElapsed(t *testing.T) {
	t.Parallel()
	policy := RetryPolicy{MaxAttempts: 20, BaseDelay: time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxElapsed: 50 * time.Millisecond}
	c, mux, _ := setup(t, Options{Retry: policy})
	var calls atomic.Int32
	fails := make([]failure, 30)
	for i := range fails {
		fails[i] = failure{status: 503, retryAfter: "1"}
	}
	mux.Handle("/api/v1/models/1", flakyHandler(t, &calls, fails, `{"id":1}`))
	_, err := c.GetModel(t.Context(), 1)
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v", err)
	}
	if got := calls.Load(); got < 1 || got > 2 {
		t.Errorf("calls = %d, want 1 or 2 within a 50ms budget of 40ms waits", got)
	}
}

// TestRetryCancelDuringBackoff: cancelling ctx interrupts a long sleep.
func TestRetryCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	policy := RetryPolicy{MaxAttempts: 5, BaseDelay: time.Minute, MaxDelay: time.Minute, MaxElapsed: time.Hour}
	c, mux, _ := setup(t, Options{Retry: policy, OnRetry: func(string, int, time.Duration, error) {
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	}})
	var calls atomic.Int32
	mux.Handle("/api/v1/models/1", flakyHandler(t, &calls, []failure{{status: 503, retryAfter: "60"}, {status: 503}}, `{"id":1}`))
	start := time.Now()
	_, err := c.GetModel(ctx, 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrNetwork) {
		t.Error("cancellation reported as a network error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
	if calls.Load() != 1 {
		t.Errorf("calls = %d", calls.Load())
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent with a cancelled context")
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.GetModel(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{&Error{Kind: KindNetwork}, true},
		{&Error{Kind: KindRateLimited, StatusCode: 429}, true},
		{&Error{Kind: KindNotJSON, StatusCode: 200}, true},
		{&Error{Kind: KindServer, StatusCode: 500}, true},
		{&Error{Kind: KindServer, StatusCode: 521}, true},
		{&Error{Kind: KindServer, StatusCode: 525}, false},
		{&Error{Kind: KindServer, StatusCode: 501}, false},
		{&Error{Kind: KindPageCap, StatusCode: 429}, false},
		{&Error{Kind: KindNotFound, StatusCode: 404}, false},
		{&Error{Kind: KindUnknown}, false},
		{errors.New("other"), false},
		// A proxy that wants a password, or a proxy setting civit cannot
		// use, will not change in a second; a proxy that could not reach
		// the host may.
		{&Error{Kind: KindNetwork, Err: &url.Error{Op: "Get", Err: &proxyenv.ConnectError{StatusCode: 407}}}, false},
		{&Error{Kind: KindNetwork, Err: &url.Error{Op: "Get", Err: &proxyenv.ConnectError{StatusCode: 403}}}, false},
		{&Error{Kind: KindNetwork, Err: &url.Error{Op: "Get", Err: &proxyenv.ConnectError{StatusCode: 502}}}, true},
		{&Error{Kind: KindNetwork, Err: &url.Error{Op: "Get", Err: &proxyenv.ConfigError{Var: "ALL_PROXY"}}}, false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A host that does not exist is not retried: the user hears at once.
func TestNoRetryOnUnknownHost(t *testing.T) {
	t.Parallel()
	calls := 0
	c, err := New(Options{BaseURL: "http://no-such-host.invalid", Retry: RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxElapsed: time.Second},
		OnRetry: func(string, int, time.Duration, error) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModel(t.Context(), 1)
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("err = %v, want a network error", err)
	}
	if calls != 0 {
		t.Fatalf("retried %d times on an unknown host", calls)
	}
}

// TestRetryAfterBeyondBudget: a server asking for more time than the whole
// retry budget is not retried with capped waits; its error comes at once.
func TestRetryAfterBeyondBudget(t *testing.T) {
	t.Parallel()
	var log retryLog
	policy := RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}
	c, mux, _ := setup(t, Options{Retry: policy, OnRetry: log.record})
	var calls atomic.Int32
	mux.Handle("/api/v1/models/1", flakyHandler(t, &calls, []failure{{status: 429, retryAfter: "600"}}, `{"id":1}`))
	_, err := c.GetModel(t.Context(), 1)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRateLimited || e.RetryAfter != 600*time.Second {
		t.Fatalf("err = %v, want the 429 with its Retry-After", err)
	}
	if got := calls.Load(); got != 1 || len(log.waits) != 0 {
		t.Errorf("%d calls, waits %v; want 1 call and no wait", got, log.waits)
	}
}

// TestRateLimitHoldsBackOtherRequests: a 429 whose Retry-After is beyond
// the budget fails that call at once, and the calls after it (planning
// hundreds of targets) fail too without being sent: the server said to
// wait. The download endpoint, limited apart on the server, still goes.
func TestRateLimitHoldsBackOtherRequests(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	var calls atomic.Int32
	mux.HandleFunc("/api/v1/models/{id}", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "600")
		writeJSON(w, http.StatusTooManyRequests, `{"error":"Too Many Requests"}`)
	})
	mux.HandleFunc("/api/download/models/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://storage.example/model/1/key.safetensors", http.StatusTemporaryRedirect)
	})
	for id := int64(1); id <= 20; id++ {
		_, err := c.Fresh().GetModel(t.Context(), id)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindRateLimited || e.RetryAfter < 590*time.Second {
			t.Fatalf("model %d: err = %v, want rate limited with the time left", id, err)
		}
		if id > 1 && !strings.Contains(err.Error(), fmt.Sprintf("GET /prefix/api/v1/models/%d: not sent", id)) {
			t.Errorf("model %d: err = %v, want it to say it was not sent", id, err)
		}
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("%d requests sent after a 429 with Retry-After: 600, want 1", got)
	}
	if _, err := c.ResolveDownload(t.Context(), 1, DownloadParams{}); err != nil {
		t.Errorf("download endpoint held back by the API's 429: %v", err)
	}
}

// TestRateLimitPacesConcurrentCalls: calls running beside one that got a
// 429 wait for its Retry-After too instead of being sent meanwhile.
func TestRateLimitPacesConcurrentCalls(t *testing.T) {
	t.Parallel()
	policy := RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second, MaxElapsed: 10 * time.Second}
	c, mux, _ := setup(t, Options{Retry: policy})
	var mu sync.Mutex
	var limitedUntil time.Time
	var early atomic.Int32
	mux.HandleFunc("/api/v1/models/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		switch {
		case limitedUntil.IsZero():
			limitedUntil = now.Add(time.Second)
		case now.Before(limitedUntil):
			early.Add(1)
		default:
			writeJSON(w, 200, `{"id":1}`)
			return
		}
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, `{"error":"Too Many Requests"}`)
	})
	if _, err := c.GetModel(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	// The first call waited out the second; now the gate is open. Close it
	// again and run several at once.
	mu.Lock()
	limitedUntil = time.Time{}
	mu.Unlock()
	var wg sync.WaitGroup
	for id := int64(2); id <= 9; id++ {
		wg.Go(func() {
			if _, err := c.GetModel(t.Context(), id); err != nil {
				t.Errorf("model %d: %v", id, err)
			}
		})
		if id == 2 {
			time.Sleep(100 * time.Millisecond) // the first one is refused first
		}
	}
	wg.Wait()
	if n := early.Load(); n > 0 {
		t.Errorf("%d requests sent during the Retry-After of another", n)
	}
}

// limiter answers /api/download like CivitAI's download limiter: at most
// limit redirects per window (sliding, successes counted), 429 without
// Retry-After beyond.
type limiter struct {
	limit  int
	window time.Duration

	mu       sync.Mutex
	hits     []time.Time
	asked    int
	refusals int
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked++
	now := time.Now()
	kept := l.hits[:0]
	for _, t := range l.hits {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	l.hits = kept
	if len(l.hits) >= l.limit {
		l.refusals++
		writeJSON(w, http.StatusTooManyRequests, `{"error":"We've noticed an unusual amount of downloading from your account. Contact support@civitai.com or come back later."}`)
		return
	}
	l.hits = append(l.hits, now)
	http.Redirect(w, r, "https://storage.example/model/1/key.safetensors", http.StatusTemporaryRedirect)
}

func (l *limiter) counts() (asked, refusals int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.asked, l.refusals
}

type limitLog struct {
	mu    sync.Mutex
	waits []time.Duration
	again []bool
}

func (l *limitLog) record(wait time.Duration, again bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, wait)
	l.again = append(l.again, again)
}

// resolveAll resolves n downloads, jobs at a time as `civit download -j`
// does, and returns their errors.
func resolveAll(ctx context.Context, c *Client, n, jobs int) []error {
	errs := make([]error, n)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, errs[i] = c.ResolveDownload(ctx, int64(i+1), DownloadParams{})
		})
	}
	wg.Wait()
	return errs
}

// TestDownloadLimitHoldsAllDownloads: at CivitAI's download limiter (429,
// no Retry-After) every download request waits out the limiter's window,
// one asks again, and the batch goes on: each file gets its URL, and the
// limiter is asked about once per file plus a few times per window, not
// a retry storm per file. The API itself is not held back meanwhile.
func TestDownloadLimitHoldsAllDownloads(t *testing.T) {
	t.Parallel()
	const window = 300 * time.Millisecond
	var log limitLog
	policy := fastRetry()
	policy.LimitWait, policy.LimitBudget = window, 10*window
	c, mux, _ := setup(t, Options{Retry: policy, OnDownloadLimit: log.record})
	lim := &limiter{limit: 4, window: window}
	mux.Handle("/api/download/models/{id}", lim)
	mux.HandleFunc("/api/v1/models/{id}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":1}`) })

	const files, jobs = 12, 3
	done := make(chan []error)
	go func() { done <- resolveAll(t.Context(), c, files, jobs) }()
	time.Sleep(window / 3) // held by now
	if _, err := c.GetModel(t.Context(), 1); err != nil {
		t.Errorf("API request during the download limit's wait: %v", err)
	}
	for i, err := range <-done {
		if err != nil {
			t.Errorf("download %d: %v", i+1, err)
		}
	}
	asked, refusals := lim.counts()
	holds := len(log.waits)
	if holds < 2 || refusals > holds*jobs {
		t.Errorf("%d holds, %d refusals (of %d requests); want at least 2 holds and at most %d refusals each", holds, refusals, asked, jobs)
	}
	for i, again := range log.again {
		if again || log.waits[i] != window {
			t.Errorf("hold %d: wait %v, again %v; want %v, each following a successful ask", i+1, log.waits[i], again, window)
		}
	}
}

// TestDownloadLimitBudgetSpent: a limiter that keeps refusing is asked
// again after each wait (1, then 2 units) until the budget (3 units) is
// spent; then every download fails, the ones waiting without being sent,
// with an error IsDownloadLimit knows.
func TestDownloadLimitBudgetSpent(t *testing.T) {
	t.Parallel()
	const unit = 20 * time.Millisecond
	var log limitLog
	policy := fastRetry()
	policy.LimitWait, policy.LimitBudget = unit, 3*unit
	c, mux, _ := setup(t, Options{Retry: policy, OnDownloadLimit: log.record})
	lim := &limiter{limit: 0, window: time.Hour}
	mux.Handle("/api/download/models/{id}", lim)

	const files, jobs = 10, 3
	notSent := 0
	for i, err := range resolveAll(t.Context(), c, files, jobs) {
		if !IsDownloadLimit(err) {
			t.Errorf("download %d: err = %v, want the download limit", i+1, err)
		}
		if err != nil && strings.Contains(err.Error(), "not sent: CivitAI's download limit still refused downloads after waiting") {
			notSent++
		}
	}
	if notSent < files-jobs {
		t.Errorf("%d downloads not sent, want at least %d", notSent, files-jobs)
	}
	if asked, _ := lim.counts(); asked > jobs+2 {
		t.Errorf("the limiter was asked %d times, want at most %d (one per job, then once per wait)", asked, jobs+2)
	}
	want := []time.Duration{unit, 2 * unit}
	if fmt.Sprint(log.waits) != fmt.Sprint(want) || fmt.Sprint(log.again) != "[false true]" {
		t.Errorf("waits %v (again %v), want %v (again [false true])", log.waits, log.again, want)
	}
}

// TestDownloadLimitWaitCancelled: Ctrl-C during the wait at the download
// limit ends the waiting requests at once.
func TestDownloadLimitWaitCancelled(t *testing.T) {
	t.Parallel()
	policy := fastRetry()
	policy.LimitWait, policy.LimitBudget = time.Hour, 2*time.Hour
	c, mux, _ := setup(t, Options{Retry: policy})
	mux.Handle("/api/download/models/{id}", &limiter{limit: 0, window: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	for i, err := range resolveAll(ctx, c, 4, 2) {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("download %d: err = %v, want the context's", i+1, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v after the context ended", d)
	}
}
