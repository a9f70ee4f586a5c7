package cli

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cache"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/store"
)

// testOnlyRetry replaces the retry policy in tests (set from TestMain only),
// so that scripts exercising retries run in milliseconds.
var testOnlyRetry *api.RetryPolicy

// testOnlySlowAfter replaces api.DefaultSlowAfter in tests (set from
// TestMain only; 0: the default).
var testOnlySlowAfter time.Duration

// NewFactory wires civit's dependencies. Each is built on first use.
func NewFactory(ios *iostreams.IOStreams, appVersion string, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{AppVersion: appVersion, IOStreams: ios, Getenv: getenv}

	// Config depends on IOStreams (warnings) and the environment (the XDG
	// dirs). A key of the file civit does not know (a typo such as
	// "apikey") is named once, when a command first reads the file.
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		c, err := config.LoadDefault()
		if err == nil {
			for _, k := range c.Unknown() {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", c.UnknownWarning(k))
			}
		}
		return c, err
	})

	// Store depends on the environment (XDG_DATA_HOME) and IOStreams (the
	// note that the library is busy). It is opened with the context of
	// the first caller (Ctrl-C stops a wait for the lock: lock.go in the
	// store); a failure is not kept, so that a later caller (a later
	// file's record) tries again.
	var mu sync.Mutex
	var opened []*store.Store
	keep := func(s *store.Store) {
		if s != nil {
			mu.Lock()
			opened = append(opened, s)
			mu.Unlock()
		}
	}
	f.Store = onceOK(func(ctx context.Context) (*store.Store, error) {
		path, err := store.DefaultPath(getenv)
		if err != nil {
			return nil, err
		}
		note := busyNote(ios)
		s, err := store.Open(store.WithBusyNotice(ctx, note), path)
		if err != nil {
			return nil, err
		}
		s.SetBusyNotice(note)
		keep(s)
		return s, nil
	})
	// ReadStore depends on Store: a library that cannot be opened for
	// writing is read as it is, if it can be; else Store's error (and its
	// hint) stands. Opening the library for writing takes no lock when its
	// schema is current: read-only commands work while another civit
	// writes.
	f.ReadStore = onceOK(func(ctx context.Context) (*store.Store, error) {
		s, err := f.Store(ctx)
		if err == nil {
			return s, nil
		}
		path, perr := store.DefaultPath(getenv)
		if perr != nil || ctx.Err() != nil {
			return nil, err
		}
		ro, rerr := store.OpenReadOnly(ctx, path)
		if rerr != nil {
			return nil, err
		}
		keep(ro)
		return ro, nil
	})
	f.Close = func() error {
		mu.Lock()
		defer mu.Unlock()
		var first error
		for _, s := range opened {
			if err := s.Close(); first == nil {
				first = err
			}
		}
		opened = nil
		return first
	}

	// Explain depends on Config and the environment (the keys to redact).
	f.Explain = func(err error) (string, []string, int) { return explain(err, secrets(f)) }

	// HTTPClient depends on nothing but appVersion; one pooled client for
	// every API call, and for scan's previews, which it names civit.
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) {
		return cmdutil.WithUserAgent(api.NewHTTPClient(60*time.Second), "civit/"+appVersion), nil
	})

	// responseCache depends on Config; one per process so that concurrent
	// searches share its memory layer.
	responseCache := sync.OnceValue(func() api.Cache {
		ttl := cache.DefaultTTL
		if cfg, err := f.Config(); err == nil {
			if v, err := cfg.Value("cache_ttl"); err == nil && v != "" {
				ttl, _ = time.ParseDuration(v) // checked by APIClient
			}
		}
		dir, err := cache.Dir()
		if err != nil {
			return nil
		}
		if c := cache.New(dir, ttl); c != nil {
			return c
		}
		return nil
	})

	// APIClient depends on Config, HTTPClient, the response cache and
	// IOStreams (retry warnings).
	f.APIClient = func(refresh bool) (*api.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		hc, err := f.HTTPClient()
		if err != nil {
			return nil, err
		}
		// Values of the file it uses, checked: a bad one is an error
		// naming the file (cobra's usage would blame a flag).
		if _, err := cfg.Value("cache_ttl"); err != nil {
			return nil, err
		}
		base, src := cfg.BaseURL(getenv)
		if _, err := cfg.Value("base_url"); err != nil && src == config.SourceFile {
			return nil, err
		}
		if err := config.CheckBaseURL(base); err != nil && src == config.SourceEnv {
			// Not a usage error: no flag or argument is wrong.
			return nil, cmdutil.WithHint(fmt.Errorf("%s: %w", config.EnvBaseURL, err),
				fmt.Sprintf("set %s to the API's address, such as https://civitai.com (the default) or http://127.0.0.1:8787 for the fake server, or unset it", config.EnvBaseURL))
		}
		key, err := cfg.ValidAPIKey(getenv)
		if err != nil {
			return nil, err
		}
		var slowSaid atomic.Bool
		retry := api.DefaultRetryPolicy()
		if testOnlyRetry != nil {
			retry = *testOnlyRetry
		}
		return api.New(api.Options{
			Retry:      retry,
			BaseURL:    base,
			APIKey:     key,
			UserAgent:  "civit/" + appVersion,
			HTTPClient: hc,
			Cache:      responseCache(),
			Refresh:    refresh,
			OnRetry: func(req string, attempt int, wait time.Duration, err error) {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", cmdutil.Retrying(err, attempt, wait))
			},
			OnDownloadLimit: func(wait time.Duration, again bool) {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", cmdutil.DownloadLimitWait(wait, again))
			},
			OnSlow: func(host string, waited time.Duration) {
				if !slowSaid.Swap(true) { // once a run, not per request
					fmt.Fprintf(ios.ErrOut, "civit: note: %s\n", cmdutil.SlowAnswer(host, waited))
				}
			},
			SlowAfter: testOnlySlowAfter,
		})
	}
	return f
}

// onceOK is open, called until it succeeds once (concurrent callers wait
// for the one running): a library that could not be opened (the run was
// interrupted, its disk was full) is tried again by the next caller, not
// failed for the rest of the run.
func onceOK[T any](open func(context.Context) (T, error)) func(context.Context) (T, error) {
	var mu sync.Mutex
	var done bool
	var val T
	return func(ctx context.Context) (T, error) {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return val, nil
		}
		v, err := open(ctx)
		if err != nil {
			return v, err
		}
		val, done = v, true
		return val, nil
	}
}

// busyNote says on stderr that a write of the library waits for another
// writer (store.SetBusyNotice).
func busyNote(ios *iostreams.IOStreams) func() {
	return func() {
		fmt.Fprintln(ios.ErrOut, "civit: note: the library is busy: another civit (a scan?) is writing it; waiting… (Ctrl-C stops)")
	}
}
